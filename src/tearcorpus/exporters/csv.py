"""CSV: ``posts.csv`` and ``replies.csv``, RFC 4180, read back losslessly.

Columns are those of :data:`tearcorpus.schema.POSTS` / :data:`~tearcorpus.schema.REPLIES`,
in that order, under a header row. Cells:

- UTF-8, fields separated by ``,``, rows ended by CRLF. A field is quoted (``"``, with
  inner quotes doubled) when it holds ``,``, ``"``, CR or LF, exactly like the standard
  library's ``csv.QUOTE_MINIMAL``, and also when it is the empty string.
- **None vs ""**: a missing value (``None``) is an *unquoted* empty field; an empty
  string is a *quoted* empty field (``""``). Every RFC 4180 reader (``csv``, pandas, R,
  spreadsheets) reads both as an empty cell; tearcorpus's own reader
  (:mod:`tearcorpus.parsers.tearcorpus_csv`) tells them apart, so nothing is lost. The
  standard library's writer cannot quote a lone empty field, hence the small writer here.
- booleans are ``true``/``false``, times ISO 8601 UTC with ``Z``, ``author``,
  ``provenance`` and ``extra`` JSON objects.

``excel_safe=True`` (``--excel-safe``) writes a UTF-8 byte-order mark and defuses text
cells a spreadsheet would run as a formula: a cell starting with ``=``, ``+``, ``-``,
``@``, tab or CR gets a ``'`` prefix, and so does a cell that already starts with ``'`` (so
the prefix can always be undone). The BOM is the mode's mark: the reader undoes the
prefixes exactly when the file starts with one. ``manifest.json`` records the mode too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any, Final

import orjson

from .._atomic import OutputDir
from ..model import JsonValue, Record
from ..report import Report
from ..schema import POSTS, REPLIES, Column
from ..serialize import to_dict
from ..typing import Encoder
from ._base import ExportOptions, ExportResult, export_records, manifest
from ._lines import LinesWriter

__all__ = [
    "BOM",
    "decode_cells",
    "description",
    "encode_row",
    "encoders",
    "export",
    "finish",
    "header_line",
    "name",
    "open",
    "tables",
    "write_csv",
]

name = "csv"
description = "CSV (RFC 4180): posts.csv and replies.csv, nested fields as JSON, lossless"

#: The byte order mark written first in Excel-safe mode, so that Excel reads UTF-8.
BOM: Final = "\ufeff"
#: Text cells starting with one of these are defused in Excel-safe mode (``'`` included
#: so that the prefix can always be undone).
_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r", "'")
_TEXT_TYPES: Final = frozenset({"string", "json", "author", "provenance"})


def _quote(cell: str | None) -> str:
    if cell is None:
        return ""
    # Four substring tests beat one regex search on typical cells.
    if cell == "" or '"' in cell or "," in cell or "\n" in cell or "\r" in cell:
        return '"' + cell.replace('"', '""') + '"'
    return cell


def header_line(columns: Sequence[Column]) -> str:
    """The header row (with its CRLF) of a table."""
    return ",".join(c.name for c in columns) + "\r\n"


def _cell_encoder(column: Column, excel_safe: bool) -> Callable[[Any], str]:
    """The function turning one serialised value of *column* into its finished cell
    (``None`` → empty, booleans ``true``/``false``, JSON text, Excel-safe prefix, quotes),
    chosen once per column."""
    kind = column.type
    defuse = excel_safe and kind in _TEXT_TYPES
    if kind == "bool":
        return lambda v: "" if v is None else ("true" if v else "false")
    if kind == "int":
        return lambda v: "" if v is None else str(v)  # digits and "-": never quoted
    if kind in ("json", "author", "provenance"):
        dumps = orjson.dumps
        if defuse:
            return lambda v: "" if v is None else _quote(_defuse(dumps(v).decode()))
        return lambda v: "" if v is None else _quote(dumps(v).decode())
    if defuse:
        return lambda v: "" if v is None else _quote(_defuse(v))
    return _quote


def _defuse(cell: str) -> str:
    return "'" + cell if cell.startswith(_TRIGGERS) else cell


def _row_encoder(columns: Sequence[Column], excel_safe: bool) -> Callable[[Record], str]:
    """A function giving the CSV row (with its CRLF) of a record of *columns*' table."""
    cells = [(c.name, _cell_encoder(c, excel_safe)) for c in columns]

    def encode(record: Record) -> str:
        data = to_dict(record)
        return ",".join([cell(data[key]) for key, cell in cells]) + "\r\n"

    return encode


def encode_row(record: Record, columns: Sequence[Column], *, excel_safe: bool = False) -> str:
    """One CSV row (with its CRLF) for *record*."""
    return _row_encoder(columns, excel_safe)(record)


def decode_cells(
    cells: Sequence[str | None], columns: Sequence[Column], *, excel_safe: bool = False
) -> dict[str, JsonValue]:
    """The serialised form (as :func:`tearcorpus.to_dict` gives it) of one row's cells.

    *cells* are the row's fields with ``None`` for an unquoted empty field. Raises
    ``ValueError`` naming the column for a cell that is not of its type.
    """
    data: dict[str, JsonValue] = {}
    for column, cell in zip(columns, cells, strict=True):
        if cell is None:
            # An unquoted empty field: None, or "" for a column that cannot be missing
            # (a file edited by a tool that dropped the quotes).
            if column.nullable:
                data[column.name] = None
            elif column.type == "string":
                data[column.name] = ""
            else:
                raise ValueError(f"column {column.name!r} is empty but may not be missing")
            continue
        if excel_safe and column.type in _TEXT_TYPES and cell.startswith("'"):
            cell = cell[1:]
        try:
            if column.type == "bool":
                if cell not in ("true", "false"):
                    raise ValueError(f"expected true or false, not {cell[:40]!r}")
                data[column.name] = cell == "true"
            elif column.type == "int":
                data[column.name] = int(cell)
            elif column.type in ("json", "author", "provenance"):
                data[column.name] = orjson.loads(cell)
            else:
                data[column.name] = cell
        except (ValueError, orjson.JSONDecodeError) as exc:
            raise ValueError(f"column {column.name!r}: {exc}") from None
    return data


def open(outdir: str, options: ExportOptions) -> LinesWriter:
    """Start a CSV export into *outdir*."""
    from . import csv  # this module, the LineExporter

    return LinesWriter(csv, outdir, options)


def export(records: Iterable[Record], outdir: str, options: ExportOptions) -> ExportResult:
    from . import csv

    return export_records(csv, records, outdir, options)


def tables(out: OutputDir, options: ExportOptions) -> tuple[IO[bytes], IO[bytes]]:
    """``posts.csv`` and ``replies.csv`` opened in *out*, their header rows written (after
    a BOM in Excel-safe mode)."""
    handles = out.open("posts.csv"), out.open("replies.csv")
    for handle, columns in zip(handles, (POSTS, REPLIES), strict=True):
        handle.write(((BOM if options.excel_safe else "") + header_line(columns)).encode())
    return handles


def encoders(options: ExportOptions) -> tuple[Encoder, Encoder]:
    """The row (UTF-8, with its CRLF) of a post and of a reply."""
    post_row = _row_encoder(POSTS, options.excel_safe)
    reply_row = _row_encoder(REPLIES, options.excel_safe)
    return (lambda r: post_row(r).encode()), (lambda r: reply_row(r).encode())


def finish(out: OutputDir, posts: int, replies: int, options: ExportOptions) -> list[str]:
    """Write ``manifest.json`` and commit *out*; the files written."""
    files = {"posts": "posts.csv", "replies": "replies.csv"}
    data = manifest(name, posts, replies, files, options, excel_safe=options.excel_safe)
    out.open("manifest.json").write(data)
    return out.commit()


def write_csv(
    records: Iterable[Record],
    outdir: str,
    *,
    excel_safe: bool = False,
    overwrite: bool = False,
    report: Report | None = None,
) -> ExportResult:
    """Write *records* as ``posts.csv`` and ``replies.csv`` in *outdir*, atomically;
    *report* (by default a corpus's own) goes into the manifest."""
    options = ExportOptions(overwrite=overwrite, excel_safe=excel_safe, report=report)
    return export(records, outdir, options)
