"""youtube-comment-downloader (0.1.84) output: JSON lines, ``{"comments": [...]}`` or CSV.

The three container shapes are told apart by content: JSON lines (the tool's default),
one JSON document ``{"comments": [...]}`` (``--format json``, indented with
``--pretty``), and CSV with a ``cid`` header column (comma or semicolon delimited, UTF-8
BOM, CRLF, quoted newlines). Every comment becomes a :class:`~tearcorpus.model.Reply`.

The dump holds no video id. It comes from the ``video_id`` option (``--video-id``), else
from the file name (``ycd_BaW_jenozKc.jsonl``: an 11-character YouTube id after a
separator), else the post id is ``unknown:`` + the file stem and an ``unknown-video``
note is counted. One placeholder :class:`~tearcorpus.model.Post` for the video (no title
or text, ``extra={"placeholder": True}``) is yielded first, so the corpus has its root.

Field mapping: ``cid`` → id (a reply's parent is the part before the dot), ``text``,
``author`` and ``channel`` → author name and id, ``votes`` ("1.2K", "3,1K", "2.5M",
"1,234") → like_count, ``replies`` → reply_count, ``heart`` → is_hearted,
``time_parsed`` → created_at (estimated: the tool derives it from "2 weeks ago"),
``time`` → ``extra["time_text"]``; its unit → ``created_at_precision``; a localised
"(edited)" mark in it ("(bearbeitet)", "(diedit)" ...) → is_edited. A comment without
``time_parsed`` (the tool could not read a localised text) gets its time from the text,
counted back from the ``scraped_at`` option or else the file's modification time, kept
in ``extra["time_anchor"]`` (``{"at": ..., "from": "scraped_at" | "mtime"}``); see
:mod:`tearcorpus.parsers._times`. ``photo``, ``paid``
and any unknown key go to ``extra``; an abbreviated or unreadable ``votes`` string is
kept there too, as is a value of the wrong type for its slot.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import PurePosixPath
from typing import Final

import orjson

from .._io import _BOM, is_utf8, open_binary
from .._read import bounded_lines, decode_text, read_bytes
from ..errors import InputError, ParseError
from ..model import Author, JsonValue, Platform, Post, Record, Reply, TimePrecision
from ._base import ParseContext
from ._common import CommentIds, csv_rows, epoch_to_utc, json_lines, json_type, utf8_lines
from ._fields import count
from ._fields import flag as as_flag
from ._times import TimeReader

__all__ = [
    "BINARY",
    "SPANS",
    "description",
    "name",
    "parse",
    "parse_votes",
    "sniff",
    "video_id_from_name",
]

name = "ycd"
description = "youtube-comment-downloader output: JSON lines, {'comments': [...]} or CSV"
BINARY = False
SPANS = False

_CID_KEY: Final = re.compile(rb'"cid"\s*:\s*"')
_CONTENT_KEY: Final = re.compile(rb'"(?:votes|time|time_parsed|heart|channel)"\s*:')
_CSV_HEADER: Final = re.compile(r'^\s*"?cid"?\s*([,;\t|])')
_DOC_START: Final = re.compile(r'\s*\{\s*"comments"\s*:\s*\[')
_WS: Final = re.compile(r"\s*")
_LINE_PART: Final = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")

#: A YouTube video id: 11 characters, the last one from a 16-letter subset (64-bit ids).
_VIDEO_ID: Final = re.compile(r"[A-Za-z0-9_-]{10}[AEIMQUYcgkosw048]")
_SEPARATORS: Final = "_-. =+"
_SUFFIXES: Final = (".gz", ".bz2", ".xz", ".zst", ".jsonl", ".json", ".csv", ".txt", ".ndjson")

_SCALE: Final = {"": 1, "K": 1_000, "M": 1_000_000, "B": 1_000_000_000}
_VOTES: Final = re.compile(r"(\d+(?:[.,]\d+)?)\s*([KkMmBb]?)")
_PLAIN_COUNT: Final = re.compile(r"\d{1,3}(?:[,.\u00a0\u202f' ]\d{3})+|\d+")


def sniff(head: bytes, path: str) -> int:
    """JSON objects with ``cid`` and ``votes``/``time`` keys, or a CSV header that starts
    with ``cid``."""
    stripped = head.removeprefix(_BOM).lstrip(b" \t\r\n")
    if stripped[:1] in (b"{", b"["):
        found = bool(_CID_KEY.search(stripped) and _CONTENT_KEY.search(stripped))
    else:
        found = bool(_CSV_HEADER.match(stripped.split(b"\n", 1)[0].decode("utf-8", "replace")))
    return 90 if found else 0


def video_id_from_name(path: str) -> str | None:
    """The YouTube video id in a dump's file name, when one is plainly there.

    Conservative: an 11-character id must fill a dot-separated part of the name, or
    start or end it next to a separator (``ycd_BaW_jenozKc.jsonl``,
    ``BaW_jenozKc_comments.csv``), end with a character a real id can end with, and mix
    upper and lower case or digits.
    """
    for part in PurePosixPath(path.replace("\\", "/")).name.split("."):
        candidates = [part] if len(part) == 11 else []
        if len(part) > 11 and part[-12] in _SEPARATORS:
            candidates.append(part[-11:])
        if len(part) > 11 and part[11] in _SEPARATORS:
            candidates.append(part[:11])
        for candidate in candidates:
            if _VIDEO_ID.fullmatch(candidate) and _mixed(candidate):
                return candidate
    return None


def _mixed(candidate: str) -> bool:
    classes = (str.isupper, str.islower, str.isdigit)
    return sum(any(test(c) for c in candidate) for test in classes) >= 2


def file_stem(path: str, suffixes: tuple[str, ...] = _SUFFIXES) -> str:
    """The file name of *path* without any of *suffixes* (``x.jsonl.gz`` → ``x``)."""
    name_ = PurePosixPath(path.replace("\\", "/")).name
    changed = True
    while changed:
        changed = False
        for suffix in suffixes:
            if name_.lower().endswith(suffix) and len(name_) > len(suffix):
                name_ = name_[: -len(suffix)]
                changed = True
    return name_


def parse_votes(value: str) -> tuple[int | None, bool]:
    """A displayed like count as ``(count, exact)``; ``(None, False)`` when unreadable.

    ``"1.2K"`` and ``"3,1K"`` (decimal comma) are 1200 and 3100, not exact; ``"2.5M"`` is
    2500000; ``"1,234"`` and ``"1.234"`` are 1234 (thousands separators); ``""`` is no
    count at all.
    """
    text = value.strip()
    if not text:
        return None, False
    if _PLAIN_COUNT.fullmatch(text):
        return int(re.sub(r"\D", "", text)), True
    match = _VOTES.fullmatch(text)
    if match is None or not match.group(2):
        return None, False
    number = float(match.group(1).replace(",", "."))
    return round(number * _SCALE[match.group(2).upper()]), False


class _Thread(CommentIds):
    """What one dump has shown so far: ids seen (for repeats) and parents referenced;
    and the reader of its time texts."""

    def __init__(self, ctx: ParseContext, post_id: str) -> None:
        super().__init__(ctx, post_id)
        self.times = TimeReader(ctx)

    def reply(
        self, data: JsonValue | Mapping[str, str], *, line: int | None, index: int | None
    ) -> Reply | None:
        """The reply for one source object; ``None`` (reported) for a bad or repeated one."""
        ctx = self.ctx
        if not isinstance(data, dict):
            ctx.reject(
                "invalid-json",
                f"expected a JSON object, got a JSON {json_type(data)}",
                line=line,
                index=index,
            )
            return None
        cid = data.get("cid")
        if not isinstance(cid, str) or not cid.strip():
            ctx.reject("missing-id", "comment has no 'cid'", line=line, index=index)
            return None
        parent = cid.split(".", 1)[0] if "." in cid else None
        if not self.claim(cid, parent, line=line, index=index):
            return None
        extra: dict[str, JsonValue] = {}
        bad = 0

        def text(key: str) -> str | None:
            nonlocal bad
            value = data.get(key)
            if value is None or isinstance(value, str):
                return value
            extra[key] = value
            bad += 1
            return None

        body = text("text")
        time_text = text("time")
        author_name = text("author")
        channel = text("channel")

        like_count: int | None = None
        votes = data.get("votes")
        if isinstance(votes, str):
            like_count, exact = parse_votes(votes)
            if not exact and votes.strip():
                extra["votes"] = votes  # abbreviated ("1.2K") or unreadable: keep the display
                if like_count is None:
                    ctx.note("unreadable-votes")
        elif votes is not None:
            like_count = count(votes)  # a count as a JSON number
            if like_count is None:
                extra["votes"] = votes
                bad += 1

        reply_count: int | None = None
        replies = data.get("replies")
        if replies is not None and replies != "":
            reply_count = count(replies, digits=True)
            if reply_count is None:
                extra["replies"] = replies
                bad += 1

        hearted = False
        heart = data.get("heart")
        if heart is not None and heart != "":
            flag = as_flag(heart, words=True)
            if flag is None:
                extra["heart"] = heart
                bad += 1
            hearted = bool(flag)

        flag_reply = data.get("reply")
        is_reply = as_flag(flag_reply, words=True)
        if flag_reply is not None and flag_reply != "" and is_reply != (parent is not None):
            extra["reply"] = flag_reply
            ctx.note("reply-flag-mismatch")

        created: datetime | None = None
        parsed = data.get("time_parsed")
        if parsed is not None and parsed != "":
            created = epoch_to_utc(parsed)
            if created is None:
                extra["time_parsed"] = parsed
                bad += 1

        known = {"cid", "text", "time", "author", "channel", "votes", "replies", "heart"}
        known |= {"reply", "time_parsed"}
        extra.update({key: value for key, value in data.items() if key not in known})
        edited = False
        precision: TimePrecision | None = None
        if time_text is not None:
            extra["time_text"] = time_text
            # A time_parsed of the wrong type is kept in extra: the text is not read then.
            derive = "time_parsed" not in extra
            created, precision, edited, anchor = self.times.interpret(
                time_text, created, derive=derive
            )
            if anchor is not None:
                extra["time_anchor"] = dict(anchor)
        elif created is not None:
            precision = TimePrecision.DAY
        if bad:
            ctx.note("invalid-field", bad)

        author = None
        if author_name is not None or channel is not None:
            author = Author(id=channel or None, name=author_name)
        return Reply(
            id=cid,
            post_id=self.post_id,
            parent_id=parent,
            platform=Platform.YOUTUBE,
            text=body or "",
            author=author,
            created_at=created,
            created_at_estimated=created is not None,
            created_at_precision=precision,
            like_count=like_count,
            reply_count=reply_count,
            depth=0 if parent is None else 1,
            is_hearted=hearted,
            is_edited=edited,
            extra=extra,
            provenance=ctx.provenance(line=line, index=index),
        )


# -- containers -------------------------------------------------------------------------


def _shape(ctx: ParseContext, head: bytes) -> str:
    """``jsonl``, ``json`` or ``csv``: which container the tool wrote."""
    if not is_utf8(ctx.encoding):
        head = head.decode(ctx.encoding or "utf-8", "ignore").encode("utf-8")
    stripped = head.removeprefix(_BOM).lstrip(b" \t\r\n")
    first, _, rest = stripped.partition(b"\n")
    if _CSV_HEADER.match(first.decode("utf-8", "replace")):
        return "csv"
    try:
        data: JsonValue = orjson.loads(first)
    except orjson.JSONDecodeError:
        if _DOC_START.match(stripped.decode("utf-8", "replace")) or stripped.startswith(b"["):
            return "json"  # an indented document, or one cut short on its first line
        return "jsonl" if _CID_KEY.search(stripped) or stripped.startswith(b"{") else "csv"
    if not rest.strip() and isinstance(data, list):
        return "json"  # a whole list on one line
    if isinstance(data, dict) and "comments" in data and "cid" not in data:
        return "json"
    return "jsonl"


def _parse_jsonl(ctx: ParseContext, thread: _Thread) -> Iterator[Reply]:
    for number, data in json_lines(ctx, utf8_lines(ctx)):
        reply = thread.reply(data, line=number, index=None)
        if reply is not None:
            yield reply


def _parse_document(ctx: ParseContext, thread: _Thread) -> Iterator[Reply]:
    data = read_bytes(ctx.source, ctx.limits)
    try:
        if not is_utf8(ctx.encoding):
            data = decode_text(ctx.source, data, ctx.encoding).encode("utf-8", "surrogatepass")
        doc: JsonValue = orjson.loads(data.removeprefix(_BOM))
    except orjson.JSONDecodeError:
        yield from _salvage(ctx, thread, decode_text(ctx.source, data, None))
        return
    items = doc.get("comments") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise ParseError(
            ctx.source,
            "expected {'comments': [...]} or a list of comments "
            "(a youtube-comment-downloader --format json file)",
        )
    for index, item in enumerate(items):
        reply = thread.reply(item, line=None, index=index)
        if reply is not None:
            yield reply


def _salvage(ctx: ParseContext, thread: _Thread, text: str) -> Iterator[Reply]:
    """Read the whole items of a broken document (the tool crashed, the copy was cut).

    Items are read one by one up to the first that does not parse; that one and what
    follows are reported as one rejected tail with its line.
    """
    match = _DOC_START.match(text) or re.compile(r"\s*\[").match(text)
    if match is None:
        try:
            orjson.loads(text.encode("utf-8", "surrogatepass"))
        except orjson.JSONDecodeError as exc:
            raise ParseError(ctx.source, f"invalid JSON: {exc.msg}", line=exc.lineno) from None
        raise ParseError(ctx.source, "not a youtube-comment-downloader JSON document")
    decoder = json.JSONDecoder()
    pos = match.end()
    line = 1 + text.count("\n", 0, pos)
    index = 0
    while True:
        skipped = _WS.match(text, pos)
        assert skipped is not None
        line += text.count("\n", pos, skipped.end())
        pos = skipped.end()
        if text.startswith("]", pos):
            tail = text[pos + 1 :].strip()
            if tail not in ("}", ""):
                ctx.note("trailing-data")
            return
        if pos >= len(text):
            ctx.note("truncated-document")  # every comment in it was whole
            return
        try:
            _, end = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError) as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            if not text.rstrip().endswith(("]", "}")):
                reason = "the comment is cut short (the file looks truncated)"
            ctx.reject(
                "invalid-json",
                f"invalid JSON in comment {index}: {reason}; the comments before it are kept",
                line=line,
                index=index,
            )
            return
        try:
            item: JsonValue = orjson.loads(text[pos:end].encode("utf-8", "surrogatepass"))
        except orjson.JSONDecodeError as exc:
            ctx.reject("invalid-json", f"invalid JSON: {exc.msg}", line=line, index=index)
        else:
            reply = thread.reply(item, line=line, index=index)
            if reply is not None:
                yield reply
        index += 1
        after = _WS.match(text, end)
        assert after is not None
        line += text.count("\n", pos, after.end())
        pos = after.end()
        if text.startswith(",", pos):
            pos += 1
        elif not text.startswith("]", pos) and pos < len(text):
            ctx.reject("invalid-json", "expected ',' or ']' between comments", line=line)
            return


class _Lines:
    """Text lines with their line endings, for :mod:`csv`; remembers the last one."""

    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.last = ""

    def __iter__(self) -> Iterator[str]:
        for chunk in self._chunks():
            for match in _LINE_PART.finditer(chunk):
                self.last = match.group(0)
                yield self.last

    def _chunks(self) -> Iterator[str]:
        ctx = self.ctx
        encoding = ctx.encoding or "utf-8-sig"
        if not is_utf8(ctx.encoding) and "\n".encode(encoding) != b"\n":
            yield decode_text(ctx.source, read_bytes(ctx.source, ctx.limits), ctx.encoding)
            return
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        number = 0
        with open_binary(ctx.source, ctx.limits) as stream:
            try:
                for number, raw in bounded_lines(ctx.source, stream, ctx.limits):  # noqa: B007
                    yield decoder.decode(raw)
                yield decoder.decode(b"", True)
            except UnicodeDecodeError:  # at line *number*, or at the end of the last
                shown = ctx.encoding or "utf-8"
                raise InputError(
                    ctx.source,
                    f"bytes are not valid {shown}; pass --encoding to choose another",
                    line=number,
                ) from None


def _parse_csv(ctx: ParseContext, thread: _Thread) -> Iterator[Reply]:
    lines = _Lines(ctx)
    source = iter(lines)
    first = next(source, "")
    header_match = _CSV_HEADER.match(first.removeprefix("\ufeff"))
    if header_match is None:
        raise ParseError(
            ctx.source, "the CSV header does not start with 'cid'; not a ycd CSV", line=1
        )
    delimiter = header_match.group(1)
    reader = csv.reader(
        itertools.chain([first.removeprefix("\ufeff")], source), delimiter=delimiter
    )
    try:
        header = [column.strip() for column in next(reader)]
    except csv.Error as exc:
        raise ParseError(ctx.source, f"unreadable CSV header: {exc}", line=1) from None
    # Each row is read with the next one read already: the last may be cut short.
    pending: tuple[int, list[str]] | None = None
    for item in itertools.chain(csv_rows(ctx, reader), [None]):
        if pending is not None:
            line, row = pending
            unterminated = item is None and not lines.last.endswith(("\n", "\r"))
            if len(row) == len(header):
                if unterminated:
                    ctx.note("no-final-newline")
                reply = thread.reply(dict(zip(header, row, strict=True)), line=line, index=None)
                if reply is not None:
                    yield reply
            elif unterminated and len(row) < len(header):
                ctx.reject(
                    "truncated",
                    f"the last row has {len(row)} of {len(header)} fields (the file looks truncated)",
                    line=line,
                )
            else:
                ctx.reject(
                    "invalid-row", f"row has {len(row)} fields, the header {len(header)}", line=line
                )
        pending = item if item is not None and item[1] else None


#: The reader of each container (see :func:`_shape`).
_READERS: Final = {"jsonl": _parse_jsonl, "json": _parse_document, "csv": _parse_csv}


def _video_post(
    ctx: ParseContext, found: str | None, suffixes: tuple[str, ...] = _SUFFIXES
) -> Post:
    """The placeholder post of the video a dump without its id belongs to: its id is the
    ``video_id`` option, else *found* (read from the file name), else ``unknown:`` + the
    file stem without *suffixes* (counted as an ``unknown-video`` note)."""
    video_id = ctx.options.get("video_id") or found
    if not video_id:
        ctx.note("unknown-video")
        video_id = "unknown:" + file_stem(ctx.source, suffixes)
    known = not video_id.startswith("unknown:")
    return Post(
        id=video_id,
        platform=Platform.YOUTUBE,
        url=f"https://www.youtube.com/watch?v={video_id}" if known else None,
        extra={"placeholder": True},
        provenance=ctx.provenance(),
    )


def parse(ctx: ParseContext) -> Iterator[Record]:
    if ctx.encoding is not None:
        try:
            codecs.lookup(ctx.encoding)
        except LookupError:
            raise InputError(ctx.source, f"unknown encoding {ctx.encoding!r}") from None
    with open_binary(ctx.source) as stream:
        head = stream.read(64 * 1024)
    shape = _shape(ctx, head)
    post = _video_post(ctx, video_id_from_name(ctx.source))
    yield post
    thread = _Thread(ctx, post.id)
    yield from _READERS[shape](ctx, thread)
    thread.finish()
