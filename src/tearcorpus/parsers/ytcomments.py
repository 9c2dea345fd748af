"""An older YouTube comment web scraper's CSV export (``youtube-comment-scraper``).

The header is ``id,user,date,timestamp,commentText,likes,hasReplies,numberOfReplies,
replies.id,replies.user,replies.date,replies.timestamp,replies.commentText,replies.likes``:
the scraper's nested JSON flattened into one table. A top-level comment fills the first
eight columns; a reply row leaves them empty and fills the ``replies.*`` columns (a row
filling both gives the comment and then the reply). A reply's parent is the part of
``replies.id`` before the dot, else the preceding top-level row. Every comment becomes a
:class:`~tearcorpus.model.Reply`; a placeholder :class:`~tearcorpus.model.Post` for the
video (its id from the ``video_id`` option or the file name) is yielded first.

Field mapping: ``id``, ``commentText`` → text, ``user`` → author name, ``likes`` →
like_count (a display like ``1.2K`` is read and also kept in ``extra``),
``numberOfReplies`` → reply_count, ``timestamp`` (epoch milliseconds, which the scraper
derived from the relative ``date`` text) → created_at with ``created_at_estimated``.
``date``, ``hasReplies`` and any unknown column go to ``extra`` under their column
names. A row with the wrong number of fields or an unreadable number is rejected with
its line.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Final

from ..model import Author, JsonValue, Platform, Record, Reply, TimePrecision
from . import _csv_tools
from ._base import ParseContext
from ._times import TimeReader
from .ycd import parse_votes

__all__ = ["BINARY", "HEADER", "SPANS", "description", "name", "parse", "sniff"]

name = "ytcomments"
description = "youtube-comment-scraper CSV export (comments with flattened replies.* columns)"
BINARY = False
SPANS = False

_REPLY: Final = ("id", "user", "date", "timestamp", "commentText", "likes")
_TOP: Final = (*_REPLY, "hasReplies", "numberOfReplies")
#: The export's header row, exactly as the tool writes it.
HEADER: Final = _TOP + tuple(f"replies.{column}" for column in _REPLY)
_WHAT: Final = "youtube-comment-scraper CSV"


def sniff(head: bytes, path: str) -> int:
    """95 when the first line is the export's exact header row, else 0."""
    return 95 if _csv_tools.header_matches(head, HEADER) else 0


def _millis(value: str) -> datetime | None:
    text = value.strip()
    if not text:
        return None
    try:
        number = int(text) if text.lstrip("-").isdecimal() else float(text)
        return datetime.fromtimestamp(number / 1000, UTC)
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"timestamp {value!r} is no epoch time in milliseconds") from None


def _flag(value: str) -> JsonValue:
    text = value.strip().lower()
    return text == "true" if text in ("true", "false") else value


class _Comments(_csv_tools.CommentRows):
    def __init__(self, ctx: ParseContext, post_id: str) -> None:
        super().__init__(ctx, post_id)
        #: The id of the last top-level comment, the parent of undotted replies below it.
        self.last_top: str | None = None
        self.times = TimeReader(ctx)

    def replies(self, line: int, row: dict[str, str]) -> Iterator[Reply]:
        top = {column: row[column] for column in _TOP}
        nested = {column: row[f"replies.{column}"] for column in _REPLY}
        unknown = {key: value for key, value in row.items() if key not in HEADER and value}
        has_top = any(value.strip() for value in top.values())
        if not has_top and not any(value.strip() for value in nested.values()):
            if unknown:
                self.ctx.reject("missing-id", "row holds no comment id", line=line)
            else:
                self.ctx.note("blank-row")
            return
        if has_top:
            reply = self._comment(line, top, unknown, parent=None)
            self.last_top = top["id"].strip() or None
            unknown = {}
            if reply is not None:
                yield reply
        if any(value.strip() for value in nested.values()):
            cid = nested["id"].strip()
            parent = cid.split(".", 1)[0] if "." in cid else self.last_top
            if parent is None:
                self.ctx.note("unknown-parent")
            reply = self._comment(line, nested, unknown, parent=parent, prefix="replies.")
            if reply is not None:
                yield reply

    def _comment(
        self,
        line: int,
        cells: dict[str, str],
        unknown: dict[str, str],
        *,
        parent: str | None,
        prefix: str = "",
    ) -> Reply | None:
        ctx = self.ctx
        cid = cells["id"].strip()
        if not cid:
            ctx.reject("missing-id", f"comment has no '{prefix}id'", line=line)
            return None
        extra: dict[str, JsonValue] = {}
        like_count: int | None = None
        likes = cells["likes"]
        if likes.strip():
            like_count, exact = parse_votes(likes)
            if like_count is None:
                ctx.reject(
                    "invalid-field",
                    f"comment {cid!r}: {prefix}likes {likes!r} is no count",
                    line=line,
                )
                return None
            if not exact:
                extra[prefix + "likes"] = likes
        try:
            reply_count = _csv_tools.count(cells.get("numberOfReplies", ""))
            created = _millis(cells["timestamp"])
        except ValueError as exc:
            ctx.reject("invalid-field", f"comment {cid!r}: {exc}", line=line)
            return None
        if not self.claim(cid, parent, line=line):
            return None
        date = cells["date"]
        if date:
            extra[prefix + "date"] = date
        if cells.get("hasReplies"):
            extra["hasReplies"] = _flag(cells["hasReplies"])
        extra.update(unknown)
        user = cells["user"]
        # How precise a time the scraper derived from the relative *date* text is.
        precision = self.times.precision(date) if created is not None and date.strip() else None
        return Reply(
            id=cid,
            post_id=self.post_id,
            parent_id=parent,
            platform=Platform.YOUTUBE,
            text=cells["commentText"],
            author=Author(name=user) if user else None,
            created_at=created,
            created_at_estimated=created is not None,
            created_at_precision=precision or TimePrecision.DAY,
            like_count=like_count,
            reply_count=reply_count,
            depth=0 if parent is None else 1,
            extra=extra,
            provenance=ctx.provenance(line=line),
        )


def parse(ctx: ParseContext) -> Iterator[Record]:
    """The placeholder post, then the comments and replies row by row."""
    return _csv_tools.parse_export(ctx, HEADER, _WHAT, lambda post_id: _Comments(ctx, post_id))
