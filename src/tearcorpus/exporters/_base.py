"""The contract between the pipeline and an exporter module."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from attrs import define, field

from ..model import Record
from ..report import Report

__all__ = ["ExportOptions", "ExportResult", "Exporter"]


@define
class ExportOptions:
    """Options every exporter understands; format-specific ones go in ``extra``."""

    overwrite: bool = False
    #: Counts from reading, recorded in manifests and dataset cards.
    report: Report | None = None
    #: Format-specific options, documented by each exporter.
    extra: dict[str, Any] = field(factory=dict)


@define
class ExportResult:
    """What an exporter wrote."""

    format: str
    outdir: str
    files: list[str]
    posts: int
    replies: int

    @property
    def written(self) -> int:
        return self.posts + self.replies


class Exporter(Protocol):
    """What every module in :mod:`tearcorpus.exporters` provides."""

    name: str
    description: str

    def export(
        self, records: Iterable[Record], outdir: str, options: ExportOptions
    ) -> ExportResult:
        """Write *records* (streamed, consumed once) into *outdir*."""
        ...
