"""Plain-text copy-paste dumps: a title line, the post body, then one reply per block.

Blocks are separated by two or more blank lines; a line of only spaces and tabs counts
as blank, and a single blank line stays inside its block. LF, CRLF and lone CR line
endings, a UTF-8 byte-order mark and a missing final newline are all accepted; trailing
spaces and tabs at the end of a line are dropped (they are copy-paste residue). Every
other character is kept exactly as written.

IDs are derived from content (``txt-`` and 16 hex digits of a BLAKE2b hash), so the same
dump always gives the same ids, whatever its line endings or BOM.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator

import orjson

from .._read import iter_text_lines
from ..errors import InputError
from ..model import Platform, Post, Record, Reply
from ._base import ParseContext

__all__ = ["BINARY", "SPANS", "content_id", "description", "name", "parse", "sniff"]

name = "text"
description = "plain-text dump: title line, post body, replies separated by 2+ blank lines"
BINARY = False
SPANS = False

_BLANK_CHARS = " \t"
_JSON_OPENINGS = (b'{"', b"{}", b"[{", b"[[", b'["', b"[]")


def content_id(*parts: str) -> str:
    """A stable id from text parts (``txt-`` + 16 hex digits)."""
    digest = hashlib.blake2b(digest_size=8)
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return "txt-" + digest.hexdigest()


def sniff(head: bytes, path: str) -> int:
    """Text that is not JSON may be a plain dump: the fallback, lowest score.

    A title may well start with a bracket ("[Video] Why I cry"): only a first line that
    opens a JSON document is taken as JSON.
    """
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0].strip()
    if first in (b"{", b"[") or first[:2] in _JSON_OPENINGS:
        return 0
    if first[:1] in (b"{", b"["):
        try:
            orjson.loads(first)
        except orjson.JSONDecodeError:
            return 5
        return 0
    return 5


def _blocks(ctx: ParseContext) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(first_line_number, lines)`` for each block of the dump."""
    block: list[str] = []
    start = 0
    blanks = 0
    for number, raw in iter_text_lines(ctx.source, ctx.encoding, ctx.limits):
        line = (raw.removeprefix("\ufeff") if number == 1 else raw).rstrip(_BLANK_CHARS)
        if not line:
            blanks += 1
            continue
        if block and blanks >= 2:
            yield start, block
            block = []
        if not block:
            start = number
        elif blanks == 1:
            block.append("")
        blanks = 0
        block.append(line)
    if block:
        yield start, block


def parse(ctx: ParseContext) -> Iterator[Record]:
    blocks = _blocks(ctx)
    first = next(blocks, None)
    if first is None:
        raise InputError(ctx.source, "holds only whitespace; nothing to read")
    line, lines = first
    title = lines[0]
    body = "\n".join(lines[1:]).lstrip("\n")  # no blank line between title and body
    post_id = content_id(title, body)
    yield Post(
        id=post_id,
        platform=Platform.UNKNOWN,
        title=title,
        text=body,
        provenance=ctx.provenance(line=line),
    )
    seen: Counter[str] = Counter()
    for index, (line, lines) in enumerate(blocks):
        reply_text = "\n".join(lines)
        occurrence = seen[reply_text]
        seen[reply_text] += 1
        if occurrence:
            ctx.note("repeated-text")
        yield Reply(
            id=content_id(post_id, reply_text, str(occurrence)),
            post_id=post_id,
            parent_id=None,
            platform=Platform.UNKNOWN,
            text=reply_text,
            depth=0,
            provenance=ctx.provenance(line=line, index=index),
        )
