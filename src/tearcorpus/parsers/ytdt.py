"""YouTube Data Tools (videoinfo module) comments export: a CSV, one comment a row.

The header is ``id,replyCount,likeCount,publishedAt,authorName,text,authorChannelId,
authorChannelUrl,isReply,isReplyTo,isReplyToName``. ``publishedAt`` is
``YYYY-MM-DD HH:MM:SS`` in UTC, ``isReply`` is 0 or 1 and ``isReplyTo`` the id of the
top-level comment a reply belongs to. Every comment becomes a
:class:`~tearcorpus.model.Reply`; a placeholder :class:`~tearcorpus.model.Post` for the
video (its id from the ``video_id`` option or the file name) is yielded first.

Field mapping: ``id``, ``text``, ``authorChannelId``/``authorName``/``authorChannelUrl``
→ author id, name and url, ``likeCount`` → like_count, ``replyCount`` → reply_count,
``publishedAt`` → created_at, ``isReplyTo`` → parent_id (``None`` at the top level; the
part of ``id`` before the dot when a reply names no parent). ``isReplyToName`` and any
unknown column go to ``extra``. A row with the wrong number of fields, an unreadable
count or time, or a bad ``isReply`` flag is rejected with its line.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Final

from ..model import Author, JsonValue, Platform, Record, Reply, TimePrecision, utc
from . import _csv_tools
from ._base import ParseContext

__all__ = ["BINARY", "HEADER", "SPANS", "description", "name", "parse", "sniff"]

name = "ytdt"
description = "YouTube Data Tools (videoinfo) comments CSV export"
BINARY = False
SPANS = False

#: The export's header row, exactly as the tool writes it.
HEADER: Final = (
    "id",
    "replyCount",
    "likeCount",
    "publishedAt",
    "authorName",
    "text",
    "authorChannelId",
    "authorChannelUrl",
    "isReply",
    "isReplyTo",
    "isReplyToName",
)
_MAPPED: Final = frozenset(HEADER) - {"isReplyToName"}
_WHAT: Final = "YouTube Data Tools comments CSV"


def sniff(head: bytes, path: str) -> int:
    """95 when the first line is the export's exact header row, else 0."""
    return 95 if _csv_tools.header_matches(head, HEADER) else 0


def _time(value: str) -> datetime | None:
    text = value.strip()
    return utc(datetime.fromisoformat(text.replace("Z", "+00:00"))) if text else None


class _Comments(_csv_tools.CommentRows):
    def replies(self, line: int, row: dict[str, str]) -> Iterator[Reply]:
        ctx = self.ctx
        cid = row["id"].strip()
        if not cid:
            ctx.reject("missing-id", "comment has no 'id'", line=line)
            return
        try:
            reply_count = _csv_tools.count(row["replyCount"])
            like_count = _csv_tools.count(row["likeCount"])
        except ValueError as exc:
            ctx.reject("invalid-field", f"comment {cid!r}: {exc}", line=line)
            return
        try:
            created = _time(row["publishedAt"])
        except ValueError:
            ctx.reject(
                "invalid-field",
                f"comment {cid!r}: publishedAt {row['publishedAt']!r} is no time",
                line=line,
            )
            return
        flag = row["isReply"].strip()
        if flag not in ("0", "1", ""):
            ctx.reject(
                "invalid-field", f"comment {cid!r}: isReply {flag!r} is not 0 or 1", line=line
            )
            return
        parent: str | None = row["isReplyTo"].strip() or None
        if parent is None and flag == "1" and "." in cid:
            parent = cid.split(".", 1)[0]
        if parent is None and flag == "1":
            ctx.note("unknown-parent")
        if parent is not None and flag == "0":
            ctx.note("reply-flag-mismatch")
        if not self.claim(cid, parent, line=line):
            return
        extra: dict[str, JsonValue] = {
            key: value for key, value in row.items() if key not in _MAPPED and value != ""
        }
        channel = row["authorChannelId"].strip()
        author_name = row["authorName"]
        url = row["authorChannelUrl"].strip()
        author = None
        if channel or author_name or url:
            author = Author(id=channel or None, name=author_name or None, url=url or None)
        yield Reply(
            id=cid,
            post_id=self.post_id,
            parent_id=parent,
            platform=Platform.YOUTUBE,
            text=row["text"],
            author=author,
            created_at=created,
            created_at_precision=None if created is None else TimePrecision.EXACT,
            like_count=like_count,
            reply_count=reply_count,
            depth=0 if parent is None else 1,
            extra=extra,
            provenance=ctx.provenance(line=line),
        )


def parse(ctx: ParseContext) -> Iterator[Record]:
    """The placeholder post, then one reply per comment row."""
    return _csv_tools.parse_export(ctx, HEADER, _WHAT, lambda post_id: _Comments(ctx, post_id))
