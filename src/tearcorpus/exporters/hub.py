"""Placeholder while the Hub folder exporter is written."""

name = "hub"
description = "Hugging Face Hub folder"
