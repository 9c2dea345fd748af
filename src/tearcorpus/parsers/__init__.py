"""Parsers, one module per dump format, found by name through :data:`PARSERS`.

Every module provides ``name``, ``description``, ``BINARY``, ``SPANS``,
``sniff(head, path)`` and ``parse(ctx)``: it is a :class:`tearcorpus.typing.Parser`.
"""

from __future__ import annotations

from typing import Final

from ..errors import FormatError, InputError
from ..typing import Parser
from . import (
    jsonl,
    manifest,
    parquet,
    pushshift,
    reddit,
    tearcorpus_csv,
    text,
    ycd,
    youtube_api,
    ytcomments,
    ytdlp,
    ytdt,
)
from ._base import ParseContext

__all__ = ["PARSERS", "ParseContext", "Parser", "detect_format", "get_parser"]

#: Format name → parser module. Order breaks ties in detection.
PARSERS: Final[dict[str, Parser]] = {
    jsonl.name: jsonl,
    tearcorpus_csv.name: tearcorpus_csv,
    text.name: text,
    ytdlp.name: ytdlp,
    ycd.name: ycd,
    youtube_api.name: youtube_api,
    reddit.name: reddit,
    pushshift.name: pushshift,
    ytdt.name: ytdt,
    ytcomments.name: ytcomments,
    parquet.name: parquet,
    manifest.name: manifest,
}


def get_parser(name: str) -> Parser:
    """The parser for format *name*; ``FormatError`` lists the known ones otherwise."""
    try:
        return PARSERS[name]
    except KeyError:
        known = ", ".join(sorted(PARSERS))
        raise FormatError(name, f"unknown format; choose one of: {known}") from None


#: Control bytes text does not hold (tab, LF, FF and CR are text).
_CONTROLS: Final = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def _looks_binary(head: bytes) -> bool:
    """Whether more than one byte in 50 of *head* (at least 8) is a control byte: binary
    data, or UTF-16 without a BOM. A stray NUL or two in text lines is not binary: the
    line holding it is rejected on its own."""
    controls = len(head) - len(head.translate(None, _CONTROLS))
    return controls > max(8, len(head) // 50)


def detect_format(head: bytes, path: str) -> str:
    """Name the format of an input from its first decompressed bytes.

    Raises :class:`InputError` for binary junk and :class:`FormatError` when no parser
    claims the content.
    """
    if not head.strip():
        raise InputError(path, "holds only whitespace; nothing to read")
    for name, parser in PARSERS.items():  # binary formats (Parquet) first, by their magic
        if parser.BINARY and parser.sniff(head, path) > 0:
            return name
    if _looks_binary(head):
        raise InputError(path, "looks like binary data, not a comment dump")
    best, best_score = "", 0
    for name, parser in PARSERS.items():
        score = parser.sniff(head, path)
        if score > best_score:
            best, best_score = name, score
    if not best:
        raise FormatError(
            path, "could not tell the format from its content; name it with --from FORMAT"
        )
    return best
