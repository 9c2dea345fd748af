"""Exporters, one module per output format, found by name through :data:`EXPORTERS`.

Every module provides ``name``, ``description``, ``open(outdir, options)`` (an
:class:`ExportWriter`: write, close, abort) and ``export(records, outdir, options)``
(see :class:`Exporter`).
"""

from __future__ import annotations

from typing import Final

from ..errors import ExportError
from . import convokit, csv, hub, jsonl, messages, parquet
from ._base import (
    BatchWriter,
    Exporter,
    ExportOptions,
    ExportResult,
    ExportWriter,
    PartWriter,
    Progress,
    ProgressFactory,
    export_records,
)
from ._lines import LineExporter

__all__ = [
    "ARROW_OUTPUTS",
    "EXPORTERS",
    "LINE_OUTPUTS",
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
    jsonl.name: jsonl,
    csv.name: csv,
    parquet.name: parquet,
    hub.name: hub,
    messages.name: messages,
    convokit.name: convokit,
}

#: The formats written from Arrow record batches (pyarrow needed).
ARROW_OUTPUTS: Final = (parquet.name, hub.name)
#: The formats written a line (or row) per record, whose lines workers may encode.
LINE_OUTPUTS: Final = (jsonl.name, csv.name)


def get_exporter(name: str) -> Exporter:
    """The exporter module of the output format *name*; an unknown name raises
    :class:`~tearcorpus.errors.ExportError` listing the known ones."""
    try:
        return EXPORTERS[name]
    except KeyError:
        known = ", ".join(sorted(EXPORTERS))
        raise ExportError(f"unknown export format {name!r}; choose one of: {known}") from None
