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

import operator
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final, TypeAlias

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
    "TimePrecision",
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


class TimePrecision(StrEnum):
    """How precise a record's ``created_at`` is.

    ``exact`` for a time the platform states (an API timestamp, a Reddit ``created_utc``);
    the coarser ones for a time derived from relative text ("3 weeks ago" is ``week``) or
    a stated date without a time (``day``). A relative text in hours, minutes or seconds
    is ``day``: known to the day or better, but not exact.
    """

    EXACT = "exact"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


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


def _precision(value: TimePrecision | str | None) -> TimePrecision | None:
    if value is None or type(value) is TimePrecision:
        return value
    return TimePrecision(value)


def _platform(value: Platform | str) -> Platform:
    # ``Platform(member)`` goes through the enum machinery; members pass straight on.
    return value if type(value) is Platform else Platform(value)


@frozen(weakref_slot=False)
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


@frozen(weakref_slot=False)
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


@frozen(weakref_slot=False)
class Post:
    """The root of a thread: a video, a Reddit submission, or a text dump's first block."""

    id: str
    platform: Platform = field(converter=_platform)
    title: str | None = None
    text: str = ""
    author: Author | None = None
    created_at: datetime | None = field(default=None, converter=utc)
    #: ``created_at`` was derived from relative text such as "2 weeks ago" (its precision
    #: is coarser than ``exact``).
    created_at_estimated: bool = False
    #: How precise ``created_at`` is; ``None`` when there is no time.
    created_at_precision: TimePrecision | None = field(default=None, converter=_precision)
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


@frozen(weakref_slot=False)
class Reply:
    """A comment at any depth. ``parent_id`` is ``None`` for a direct reply to the post."""

    id: str
    post_id: str
    parent_id: str | None = None
    platform: Platform = field(default=Platform.UNKNOWN, converter=_platform)
    text: str = ""
    author: Author | None = None
    created_at: datetime | None = field(default=None, converter=utc)
    #: ``created_at`` was derived from relative text such as "2 weeks ago" (its precision
    #: is coarser than ``exact``).
    created_at_estimated: bool = False
    #: How precise ``created_at`` is; ``None`` when there is no time.
    created_at_precision: TimePrecision | None = field(default=None, converter=_precision)
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


# Trusted constructors. A frozen class refuses ``setattr``, and setting each slot through
# its descriptor is a call per field. Each record class has a private mutable twin with
# the same slots in the same order: a trusted constructor fills a twin with plain
# attribute stores (which CPython specialises for slots) and then gives it the record's
# class, which CPython allows between classes of the same layout. The object is never
# seen as a twin outside the constructor. Checked for every class at import.


def _twin(cls: type) -> Any:
    """A mutable class with *cls*'s slots, whose instances can become *cls* instances."""
    slots = cls.__dict__["__slots__"]
    if "__weakref__" in slots or "__dict__" in slots:  # pragma: no cover
        # Either would move the slots: ``__class__`` assignment would refuse the layout.
        raise AssertionError(f"{cls.__name__} needs weakref_slot=False and no __dict__")
    return type(f"_{cls.__name__}Twin", (), {"__slots__": slots, "__module__": __name__})


def _check(cls: type, make: Any) -> None:
    """A trusted constructor repeats its class's fields and defaults: check at import,
    and that it builds a record equal to the public constructor's."""
    code = make.__code__
    names = code.co_varnames[: code.co_argcount]
    defaults = make.__defaults__ or ()
    given = dict(zip(names[len(names) - len(defaults) :], defaults, strict=True))
    expected: dict[str, Any] = {}
    required: list[str] = []
    for f in _fields(cls):
        if f.default is not NOTHING:
            # A factory (``extra``) is ``None`` in the trusted constructor.
            expected[f.name] = None if hasattr(f.default, "factory") else f.default
        else:
            required.append(f.name)
    if tuple(f.name for f in _fields(cls)) != names or given != expected:  # pragma: no cover
        raise AssertionError(f"{make.__name__} is out of step with {cls.__name__}")
    values: dict[str, Any] = dict.fromkeys(required, "x")
    if "platform" in values:
        values["platform"] = Platform.UNKNOWN
    built = make(**values)
    if type(built) is not cls or built != cls(**values):  # pragma: no cover
        raise AssertionError(f"{make.__name__} does not build a {cls.__name__}")


_AuthorTwin: Final = _twin(Author)


def new_author(
    id: str | None = None,
    name: str | None = None,
    url: str | None = None,
    is_uploader: bool = False,
    is_verified: bool = False,
) -> Author:
    """A trusted :class:`Author` (see the module docs); equal to ``Author(...)``."""
    author = _AuthorTwin()
    author.id = id
    author.name = name
    author.url = url
    author.is_uploader = is_uploader
    author.is_verified = is_verified
    author.__class__ = Author
    made: Author = author
    return made


_ProvenanceTwin: Final = _twin(Provenance)


def new_provenance(
    source: str,
    format: str,
    line: int | None = None,
    index: int | None = None,
    parser_version: str = "",
    transforms: tuple[str, ...] = (),
) -> Provenance:
    """A trusted :class:`Provenance` (see the module docs); equal to ``Provenance(...)``."""
    prov = _ProvenanceTwin()
    prov.source = source
    prov.format = format
    prov.line = line
    prov.index = index
    prov.parser_version = parser_version
    prov.transforms = transforms
    prov.__class__ = Provenance
    made: Provenance = prov
    return made


_PostTwin: Final = _twin(Post)


def new_post(
    id: str,
    platform: Platform,
    title: str | None = None,
    text: str = "",
    author: Author | None = None,
    created_at: datetime | None = None,
    created_at_estimated: bool = False,
    created_at_precision: TimePrecision | None = None,
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
    post = _PostTwin()
    post.id = id
    post.platform = platform
    post.title = title
    post.text = text
    post.author = author
    post.created_at = created_at
    post.created_at_estimated = created_at_estimated
    post.created_at_precision = created_at_precision
    post.url = url
    post.like_count = like_count
    post.view_count = view_count
    post.comment_count = comment_count
    post.is_edited = is_edited
    post.is_deleted = is_deleted
    post.is_removed = is_removed
    post.extra = {} if extra is None else extra
    post.provenance = provenance
    post.__class__ = Post
    made: Post = post
    return made


_ReplyTwin: Final = _twin(Reply)


def new_reply(
    id: str,
    post_id: str,
    parent_id: str | None = None,
    platform: Platform = Platform.UNKNOWN,
    text: str = "",
    author: Author | None = None,
    created_at: datetime | None = None,
    created_at_estimated: bool = False,
    created_at_precision: TimePrecision | None = None,
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
    reply = _ReplyTwin()
    reply.id = id
    reply.post_id = post_id
    reply.parent_id = parent_id
    reply.platform = platform
    reply.text = text
    reply.author = author
    reply.created_at = created_at
    reply.created_at_estimated = created_at_estimated
    reply.created_at_precision = created_at_precision
    reply.like_count = like_count
    reply.reply_count = reply_count
    reply.depth = depth
    reply.is_pinned = is_pinned
    reply.is_hearted = is_hearted
    reply.is_edited = is_edited
    reply.is_deleted = is_deleted
    reply.is_removed = is_removed
    reply.extra = {} if extra is None else extra
    reply.provenance = provenance
    reply.__class__ = Reply
    made: Reply = reply
    return made


_check(Author, new_author)
_check(Provenance, new_provenance)
_check(Post, new_post)
_check(Reply, new_reply)


# Pickling (worker part files, the merge's spill files): a record goes as its trusted
# constructor and its values in field order, read in one C call, instead of attrs' state
# dict set back slot by slot in a Python loop (about 5 times slower to load).
def _pickled_as(cls: type, make: Any) -> None:
    values = operator.attrgetter(*(f.name for f in _fields(cls)))

    def __reduce__(self: Any) -> tuple[Any, tuple[Any, ...]]:
        return make, values(self)

    setattr(cls, "__reduce__", __reduce__)  # noqa: B010 - a method of a class already made


_pickled_as(Author, new_author)
_pickled_as(Provenance, new_provenance)
_pickled_as(Post, new_post)
_pickled_as(Reply, new_reply)
