"""Fixtures of the annotation tests: a small corpus of two threads written for the tests
(``tests/data/annotate/thread-*.txt``), tasks made from it, and tool exports of those
tasks in the shapes Label Studio and doccano give (written for the tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tearcorpus import annotate

DATA = Path(__file__).parent.parent / "data" / "annotate"
THREADS = [str(DATA / "thread-a.txt"), str(DATA / "thread-b.txt")]
LABELS = ("sadness", "empathy", "gratitude", "other")


@pytest.fixture
def tasks(tmp_path: Path) -> Path:
    """A Label Studio tasks folder of every reply of the two test threads."""
    out = tmp_path / "tasks"
    annotate.export_tasks(THREADS, out, tool="label-studio", labels=LABELS)
    return out


@pytest.fixture
def labels(tmp_path: Path, tasks: Path) -> Path:
    """The labels folder of the Label Studio export fixture (three raters)."""
    out = tmp_path / "labels"
    annotate.import_labels(DATA / "label-studio-export.json", tasks=tasks, out=out)
    return out
