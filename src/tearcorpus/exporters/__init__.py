"""Exporters, one module per output format, found by name through :data:`EXPORTERS`.

Every module provides ``name``, ``description`` and ``export(records, outdir, options)``
(see :class:`tearcorpus.exporters._base.Exporter`).
"""

from __future__ import annotations

from typing import Final, cast

from ..errors import ExportError
from . import csv, hub, jsonl, parquet
from ._base import Exporter, ExportOptions, ExportResult, Progress, ProgressFactory
from ._lines import LineExporter

__all__ = [
    "ARROW_OUTPUTS",
    "EXPORTERS",
    "LINE_OUTPUTS",
    "ExportOptions",
    "ExportResult",
    "Exporter",
    "LineExporter",
    "Progress",
    "ProgressFactory",
    "get_exporter",
    "line_exporter",
]

#: Format name → exporter module.
EXPORTERS: Final[dict[str, Exporter]] = {
    jsonl.name: jsonl,
    csv.name: csv,
    parquet.name: parquet,
    hub.name: hub,
}

#: The formats written from Arrow record batches (pyarrow needed).
ARROW_OUTPUTS: Final = (parquet.name, hub.name)
#: The formats written a line (or row) per record, whose lines workers may encode.
LINE_OUTPUTS: Final = (jsonl.name, csv.name)


def get_exporter(name: str) -> Exporter:
    try:
        return EXPORTERS[name]
    except KeyError:
        known = ", ".join(sorted(EXPORTERS))
        raise ExportError(f"unknown export format {name!r}; choose one of: {known}") from None


def line_exporter(name: str) -> LineExporter:
    """The exporter of a line-oriented format (one of :data:`LINE_OUTPUTS`)."""
    if name not in LINE_OUTPUTS:
        raise ExportError(f"{name!r} is not a line-oriented format")
    return cast(LineExporter, EXPORTERS[name])
