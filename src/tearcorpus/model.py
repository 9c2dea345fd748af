"""The typed records every parser yields and every exporter consumes.

Three frozen, slotted attrs classes: :class:`Post` (the root of a thread: a video or a
submission), :class:`Reply` (a comment at any depth) and :class:`Author`. The model knows
no dump format; parsers build records through keyword arguments at the edges.

The public constructors normalise their input (converters). Parsers on hot paths may use
the trusted constructors :func:`new_post`, :func:`new_reply`, :func:`new_author` and
:func:`new_provenance` instead: same fields, same defaults, no converters, for values
that are already normal (a :class:`Platform` member, an aware UTC datetime or ``None``,
an ``extra`` dict the record may own). They build equal records several times faster.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeAlias

from attrs import NOTHING, field, frozen
from attrs import fields as _fields

__all__ = [
    "Author",
    "JsonValue",
    "Platform",
    "Post",
    "Provenance",
    "Record",
    "Reply",
    "new_author",
    "new_post",
    "new_provenance",
    "new_reply",
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
    if value is None or value.tzinfo is UTC:
        return value
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if value.utcoffset():
        return value.astimezone(UTC)
    if value.tzinfo is not UTC:
        return value.replace(tzinfo=UTC)
    return value


def _extra(value: Mapping[str, JsonValue] | None) -> dict[str, JsonValue]:
    return {} if value is None else dict(value)


def _platform(value: Platform | str) -> Platform:
    # ``Platform(member)`` goes through the enum machinery; members pass straight on.
    return value if type(value) is Platform else Platform(value)


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
    platform: Platform = field(converter=_platform)
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
    platform: Platform = field(default=Platform.UNKNOWN, converter=_platform)
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


# Trusted constructors. Frozen slotted classes refuse ``setattr``; the slot descriptors
# set each field directly, which skips the converters and the ``__init__`` machinery.
_new = object.__new__


def _slot_setters(cls: type) -> tuple[Any, ...]:
    return tuple(cls.__dict__[f.name].__set__ for f in _fields(cls))


def _check(cls: type, make: Any) -> None:
    """A trusted constructor repeats its class's fields and defaults: check at import."""
    code = make.__code__
    names = code.co_varnames[: code.co_argcount]
    defaults = make.__defaults__ or ()
    given = dict(zip(names[len(names) - len(defaults) :], defaults, strict=True))
    expected: dict[str, Any] = {}
    for f in _fields(cls):
        if f.default is not NOTHING:
            # A factory (``extra``) is ``None`` in the trusted constructor.
            expected[f.name] = None if hasattr(f.default, "factory") else f.default
    if tuple(f.name for f in _fields(cls)) != names or given != expected:  # pragma: no cover
        raise AssertionError(f"{make.__name__} is out of step with {cls.__name__}")


_A_ID, _A_NAME, _A_URL, _A_UPLOADER, _A_VERIFIED = _slot_setters(Author)


def new_author(
    id: str | None = None,
    name: str | None = None,
    url: str | None = None,
    is_uploader: bool = False,
    is_verified: bool = False,
) -> Author:
    """A trusted :class:`Author` (see the module docs); equal to ``Author(...)``."""
    author: Author = _new(Author)
    _A_ID(author, id)
    _A_NAME(author, name)
    _A_URL(author, url)
    _A_UPLOADER(author, is_uploader)
    _A_VERIFIED(author, is_verified)
    return author


_V_SOURCE, _V_FORMAT, _V_LINE, _V_INDEX, _V_VERSION, _V_TRANSFORMS = _slot_setters(Provenance)


def new_provenance(
    source: str,
    format: str,
    line: int | None = None,
    index: int | None = None,
    parser_version: str = "",
    transforms: tuple[str, ...] = (),
) -> Provenance:
    """A trusted :class:`Provenance` (see the module docs); equal to ``Provenance(...)``."""
    prov: Provenance = _new(Provenance)
    _V_SOURCE(prov, source)
    _V_FORMAT(prov, format)
    _V_LINE(prov, line)
    _V_INDEX(prov, index)
    _V_VERSION(prov, parser_version)
    _V_TRANSFORMS(prov, transforms)
    return prov


(
    _P_ID,
    _P_PLATFORM,
    _P_TITLE,
    _P_TEXT,
    _P_AUTHOR,
    _P_CREATED,
    _P_ESTIMATED,
    _P_URL,
    _P_LIKES,
    _P_VIEWS,
    _P_COMMENTS,
    _P_EDITED,
    _P_DELETED,
    _P_REMOVED,
    _P_EXTRA,
    _P_PROVENANCE,
) = _slot_setters(Post)


def new_post(
    id: str,
    platform: Platform,
    title: str | None = None,
    text: str = "",
    author: Author | None = None,
    created_at: datetime | None = None,
    created_at_estimated: bool = False,
    url: str | None = None,
    like_count: int | None = None,
    view_count: int | None = None,
    comment_count: int | None = None,
    is_edited: bool = False,
    is_deleted: bool = False,
    is_removed: bool = False,
    extra: dict[str, JsonValue] | None = None,
    provenance: Provenance | None = None,
) -> Post:
    """A trusted :class:`Post` (see the module docs); equal to ``Post(...)``.

    *extra* is kept, not copied: pass a dict nothing else will change.
    """
    post: Post = _new(Post)
    _P_ID(post, id)
    _P_PLATFORM(post, platform)
    _P_TITLE(post, title)
    _P_TEXT(post, text)
    _P_AUTHOR(post, author)
    _P_CREATED(post, created_at)
    _P_ESTIMATED(post, created_at_estimated)
    _P_URL(post, url)
    _P_LIKES(post, like_count)
    _P_VIEWS(post, view_count)
    _P_COMMENTS(post, comment_count)
    _P_EDITED(post, is_edited)
    _P_DELETED(post, is_deleted)
    _P_REMOVED(post, is_removed)
    _P_EXTRA(post, {} if extra is None else extra)
    _P_PROVENANCE(post, provenance)
    return post


(
    _R_ID,
    _R_POST_ID,
    _R_PARENT_ID,
    _R_PLATFORM,
    _R_TEXT,
    _R_AUTHOR,
    _R_CREATED,
    _R_ESTIMATED,
    _R_LIKES,
    _R_REPLY_COUNT,
    _R_DEPTH,
    _R_PINNED,
    _R_HEARTED,
    _R_EDITED,
    _R_DELETED,
    _R_REMOVED,
    _R_EXTRA,
    _R_PROVENANCE,
) = _slot_setters(Reply)


def new_reply(
    id: str,
    post_id: str,
    parent_id: str | None = None,
    platform: Platform = Platform.UNKNOWN,
    text: str = "",
    author: Author | None = None,
    created_at: datetime | None = None,
    created_at_estimated: bool = False,
    like_count: int | None = None,
    reply_count: int | None = None,
    depth: int | None = None,
    is_pinned: bool = False,
    is_hearted: bool = False,
    is_edited: bool = False,
    is_deleted: bool = False,
    is_removed: bool = False,
    extra: dict[str, JsonValue] | None = None,
    provenance: Provenance | None = None,
) -> Reply:
    """A trusted :class:`Reply` (see the module docs); equal to ``Reply(...)``.

    *extra* is kept, not copied: pass a dict nothing else will change.
    """
    reply: Reply = _new(Reply)
    _R_ID(reply, id)
    _R_POST_ID(reply, post_id)
    _R_PARENT_ID(reply, parent_id)
    _R_PLATFORM(reply, platform)
    _R_TEXT(reply, text)
    _R_AUTHOR(reply, author)
    _R_CREATED(reply, created_at)
    _R_ESTIMATED(reply, created_at_estimated)
    _R_LIKES(reply, like_count)
    _R_REPLY_COUNT(reply, reply_count)
    _R_DEPTH(reply, depth)
    _R_PINNED(reply, is_pinned)
    _R_HEARTED(reply, is_hearted)
    _R_EDITED(reply, is_edited)
    _R_DELETED(reply, is_deleted)
    _R_REMOVED(reply, is_removed)
    _R_EXTRA(reply, {} if extra is None else extra)
    _R_PROVENANCE(reply, provenance)
    return reply


_check(Author, new_author)
_check(Provenance, new_provenance)
_check(Post, new_post)
_check(Reply, new_reply)
