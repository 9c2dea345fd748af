"""Exporters, one module per output format, found by name through :data:`EXPORTERS`.

Every module provides ``name``, ``description`` and ``export(records, outdir, options)``
(see :class:`tearcorpus.exporters._base.Exporter`).
"""

from __future__ import annotations

from typing import Final

from ..errors import ExportError
from . import csv, hub, jsonl, parquet
from ._base import Exporter, ExportOptions, ExportResult

__all__ = [
    "ARROW_OUTPUTS",
    "EXPORTERS",
    "ExportOptions",
    "ExportResult",
    "Exporter",
    "get_exporter",
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


def get_exporter(name: str) -> Exporter:
    try:
        return EXPORTERS[name]
    except KeyError:
        known = ", ".join(sorted(EXPORTERS))
        raise ExportError(f"unknown export format {name!r}; choose one of: {known}") from None
