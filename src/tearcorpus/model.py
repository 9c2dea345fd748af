"""The typed records every parser yields and every exporter consumes.

Three frozen, slotted attrs classes: :class:`Post` (the root of a thread: a video or a
submission), :class:`Reply` (a comment at any depth) and :class:`Author`. The model knows
no dump format; parsers build records through keyword arguments at the edges.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import TypeAlias

from attrs import field, frozen

__all__ = [
    "Author",
    "JsonValue",
    "Platform",
    "Post",
    "Provenance",
    "Record",
    "Reply",
    "utc",
]

#: A value that survives a JSON round trip; the type of everything kept in ``extra``.
JsonValue: TypeAlias = bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"] | None


class Platform(StrEnum):
    """Where a record was published."""

    YOUTUBE = "youtube"
    REDDIT = "reddit"
    #: A plain-text dump whose platform the file does not say.
    UNKNOWN = "unknown"


def utc(value: datetime | None) -> datetime | None:
    """Return *value* as an aware UTC datetime.

    Naive datetimes are taken to be UTC already (every dump format we read stores UTC);
    aware ones are converted.
    """
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if value.utcoffset():
        return value.astimezone(UTC)
    if value.tzinfo is not UTC:
        return value.replace(tzinfo=UTC)
    return value


def _extra(value: Mapping[str, JsonValue] | None) -> dict[str, JsonValue]:
    return {} if value is None else dict(value)


@frozen
class Author:
    """Who wrote a post or reply.

    ``id`` is the platform's stable id (a YouTube channel id, a Reddit username or
    ``t2_`` fullname); ``name`` the display name shown next to the text.
    """

    id: str | None = None
    name: str | None = None
    url: str | None = None
    #: The author of a reply is the uploader of the video (YouTube) or the OP (Reddit).
    is_uploader: bool = False
    is_verified: bool = False


@frozen
class Provenance:
    """Where a record came from, and what was done to it since."""

    #: The input path or URL as the user gave it.
    source: str
    #: The parser's format name (``text``, ``ytdlp``, ``reddit`` ...).
    format: str
    #: 1-based line of the record in the input, where the format has lines.
    line: int | None = None
    #: 0-based index of the record among the items of its input, where it has items.
    index: int | None = None
    #: The version of tearcorpus whose parser read it.
    parser_version: str = ""
    #: Transforms applied since parsing, in order (``normalize:nfc``, ``anonymize`` ...).
    transforms: tuple[str, ...] = ()


@frozen
class Post:
    """The root of a thread: a video, a Reddit submission, or a text dump's first block."""

    id: str
    platform: Platform = field(converter=Platform)
    title: str | None = None
    text: str = ""
    author: Author | None = None
    created_at: datetime | None = field(default=None, converter=utc)
    #: ``created_at`` was derived from relative text such as "2 weeks ago".
    created_at_estimated: bool = False
    url: str | None = None
    like_count: int | None = None
    view_count: int | None = None
    #: How many comments the platform claims; compare with the replies present.
    comment_count: int | None = None
    is_edited: bool = False
    is_deleted: bool = False
    is_removed: bool = False
    #: Source fields with no slot above, kept so nothing is lost.
    extra: dict[str, JsonValue] = field(factory=dict, converter=_extra, hash=False)
    provenance: Provenance | None = field(default=None, eq=False)


@frozen
class Reply:
    """A comment at any depth. ``parent_id`` is ``None`` for a direct reply to the post."""

    id: str
    post_id: str
    parent_id: str | None = None
    platform: Platform = field(default=Platform.UNKNOWN, converter=Platform)
    text: str = ""
    author: Author | None = None
    created_at: datetime | None = field(default=None, converter=utc)
    #: ``created_at`` was derived from relative text such as "2 weeks ago".
    created_at_estimated: bool = False
    like_count: int | None = None
    #: How many replies the platform claims this comment has.
    reply_count: int | None = None
    #: Depth in the reply tree where the source states it (0 = direct reply to the post).
    depth: int | None = None
    is_pinned: bool = False
    #: Hearted by the uploader (YouTube).
    is_hearted: bool = False
    is_edited: bool = False
    is_deleted: bool = False
    is_removed: bool = False
    #: Source fields with no slot above, kept so nothing is lost.
    extra: dict[str, JsonValue] = field(factory=dict, converter=_extra, hash=False)
    provenance: Provenance | None = field(default=None, eq=False)


#: What parsers yield and exporters consume.
Record: TypeAlias = Post | Reply
