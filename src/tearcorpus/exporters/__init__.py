"""Exporters, one module per output format, found by name through :data:`EXPORTERS`.

Every module provides ``name``, ``description``, ``open(outdir, options)`` (an
:class:`~tearcorpus.typing.ExportWriter`: write, close, abort) and
``export(records, outdir, options)``: it is a :class:`tearcorpus.typing.Exporter`. Those
of :data:`ARROW_EXPORTERS` are :class:`~tearcorpus.typing.BatchExporter` too, those of
:data:`LINE_EXPORTERS` :class:`~tearcorpus.typing.LineExporter`.
"""

from __future__ import annotations

from typing import Final

from ..errors import ExportError
from ..typing import (
    BatchExporter,
    BatchWriter,
    Exporter,
    ExportWriter,
    LineExporter,
    PartWriter,
    Progress,
    ProgressFactory,
)
from . import convokit, csv, hub, jsonl, messages, parquet
from ._base import ExportOptions, ExportResult, export_records

__all__ = [
    "ARROW_EXPORTERS",
    "ARROW_OUTPUTS",
    "EXPORTERS",
    "LINE_EXPORTERS",
    "LINE_OUTPUTS",
    "BatchExporter",
    "BatchWriter",
    "ExportOptions",
    "ExportResult",
    "ExportWriter",
    "Exporter",
    "LineExporter",
    "PartWriter",
    "Progress",
    "ProgressFactory",
    "export_records",
    "get_exporter",
]

#: Format name → exporter module.
EXPORTERS: Final[dict[str, Exporter]] = {
    m.name: m for m in (jsonl, csv, parquet, hub, messages, convokit)
}

#: The exporters written from Arrow record batches (pyarrow needed), which workers may
#: convert.
ARROW_EXPORTERS: Final[dict[str, BatchExporter]] = {parquet.name: parquet, hub.name: hub}
#: The exporters written a line (or row) per record, whose lines workers may encode.
LINE_EXPORTERS: Final[dict[str, LineExporter]] = {jsonl.name: jsonl, csv.name: csv}

#: The names of :data:`ARROW_EXPORTERS`.
ARROW_OUTPUTS: Final = tuple(ARROW_EXPORTERS)
#: The names of :data:`LINE_EXPORTERS`.
LINE_OUTPUTS: Final = tuple(LINE_EXPORTERS)


def get_exporter(name: str) -> Exporter:
    """The exporter module of the output format *name*; an unknown name raises
    :class:`~tearcorpus.errors.ExportError` listing the known ones."""
    try:
        return EXPORTERS[name]
    except KeyError:
        known = ", ".join(sorted(EXPORTERS))
        raise ExportError(f"unknown export format {name!r}; choose one of: {known}") from None
