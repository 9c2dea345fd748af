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
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final, ParamSpec, TypeAlias, TypeVar

from attrs import NOTHING, Attribute, field, frozen, has, resolve_types
from attrs import fields as _fields

__all__ = [
    "DOC",
    "Author",
    "JsonValue",
    "Platform",
    "Post",
    "Provenance",
    "Record",
    "Reply",
    "TimePrecision",
    "maker",
    "new_author",
    "new_post",
    "new_provenance",
    "new_reply",
    "utc",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")

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


#: The key of a record field's metadata that holds its one-line meaning: the column's
#: description in the tables, the CSV header docs and the dataset card.
DOC: Final = "doc"


#: The key of a record field's metadata naming the field it follows in its class's field
#: order (see :class:`_Shared`).
_AFTER: Final = "after"


def _in_order(cls: type, attributes: list[Attribute[object]]) -> list[Attribute[object]]:
    """The fields of a record class in their order (attrs' field transformer): the fields
    of :class:`_Shared` in their order, a field declared again in the class taking the
    shared one's place; after each, the class's own fields that follow it. An own field
    follows the field its metadata names under :data:`_AFTER`, else the own field
    declared before it. Every field is positional at run time (see :class:`_Shared`), and
    the class's own (not inherited): attrs collects a subclass's fields from its bases'
    own ones, so a subclass of a record class keeps the record's order."""
    base = cls.__base__
    shared = [f.name for f in _fields(base)] if base is not None and has(base) else []
    placed = {a.name: a for a in attributes if a.name in shared}
    following: dict[str, list[Attribute[object]]] = {name: [] for name in shared}
    ordered = [] if shared else list(attributes)
    anchor: str | None = None
    for a in attributes:
        if not shared or a.name in placed:
            continue
        anchor = a.metadata.get(_AFTER, anchor)
        if anchor not in following:
            raise TypeError(f"{cls.__name__}.{a.name}: name the shared field it follows")
        following[anchor].append(a)
    for name in shared:
        ordered += [placed[name], *following[name]]
    return [a.evolve(kw_only=False, inherited=False) for a in ordered]


@frozen(kw_only=True, weakref_slot=False, field_transformer=_in_order)
class _Shared:
    """The fields :class:`Post` and :class:`Reply` share, declared once: each record class
    adds its own between them (:func:`_in_order`), so that each keeps its field order,
    which is the order of the serialised keys and of the table columns.

    Type checkers see the record constructors as keyword-only: their attrs plugins put a
    base class's fields first and know nothing of the transformer. At run time the
    fields are also positional, in field order, as they always were.
    """

    id: str = field(metadata={DOC: "platform-native id (content-derived for text dumps)"})
    platform: Platform = field(converter=_platform, metadata={DOC: "youtube, reddit or unknown"})
    author: Author | None = field(
        default=None, metadata={DOC: "id, name, url, is_uploader, is_verified"}
    )
    created_at: datetime | None = field(
        default=None, converter=utc, metadata={DOC: "publication time, UTC"}
    )
    #: ``created_at`` was derived from relative text such as "2 weeks ago" (its precision
    #: is coarser than ``exact``).
    created_at_estimated: bool = field(
        default=False, metadata={DOC: "created_at derived from text like '2 weeks ago'"}
    )
    #: How precise ``created_at`` is; ``None`` when there is no time.
    created_at_precision: TimePrecision | None = field(
        default=None,
        converter=_precision,
        metadata={
            DOC: "how precise created_at is: exact, day, week, month or year (null when no time)"
        },
    )
    like_count: int | None = field(default=None, metadata={DOC: "likes or score"})
    is_edited: bool = field(default=False, metadata={DOC: "edited after publication"})
    is_deleted: bool = field(default=False, metadata={DOC: "deleted by its author"})
    is_removed: bool = field(
        default=False, metadata={DOC: "removed by a moderator or the platform"}
    )
    #: Source fields with no slot above, kept so nothing is lost.
    extra: dict[str, JsonValue] = field(
        factory=dict,
        converter=_extra,
        hash=False,
        metadata={DOC: "source fields with no column, as a JSON object"},
    )
    provenance: Provenance | None = field(
        default=None,
        eq=False,
        metadata={DOC: "source, format, line/index, parser version, transforms"},
    )


@frozen(kw_only=True, weakref_slot=False, field_transformer=_in_order)
class Post(_Shared):
    """The root of a thread: a video, a Reddit submission, or a text dump's first block."""

    title: str | None = field(
        default=None, metadata={DOC: "title of the video or submission", _AFTER: "platform"}
    )
    text: str = field(default="", metadata={DOC: "body: video description or submission self-text"})
    url: str | None = field(
        default=None, metadata={DOC: "link to the post", _AFTER: "created_at_precision"}
    )
    view_count: int | None = field(default=None, metadata={DOC: "views", _AFTER: "like_count"})
    #: Compare with the replies present.
    comment_count: int | None = field(default=None, metadata={DOC: "comments the platform claims"})


@frozen(kw_only=True, weakref_slot=False, field_transformer=_in_order)
class Reply(_Shared):
    """A comment at any depth. ``parent_id`` is ``None`` for a direct reply to the post."""

    post_id: str = field(metadata={DOC: "id of the thread's post", _AFTER: "id"})
    parent_id: str | None = field(
        default=None, metadata={DOC: "id of the parent reply; null for a direct reply"}
    )
    #: A reply's platform defaults to unknown; a post must name one.
    platform: Platform = field(
        default=Platform.UNKNOWN,
        converter=_platform,
        metadata={DOC: "youtube, reddit or unknown"},
    )
    text: str = field(default="", metadata={DOC: "body of the reply", _AFTER: "platform"})
    reply_count: int | None = field(
        default=None, metadata={DOC: "replies the platform claims", _AFTER: "like_count"}
    )
    #: Where the source states it.
    depth: int | None = field(
        default=None, metadata={DOC: "depth in the reply tree (0 = direct reply)"}
    )
    is_pinned: bool = field(default=False, metadata={DOC: "pinned by the uploader or a moderator"})
    is_hearted: bool = field(default=False, metadata={DOC: "hearted by the uploader (YouTube)"})


#: What parsers yield and exporters consume.
Record: TypeAlias = Post | Reply


for _cls in (Author, Provenance, _Shared, Post, Reply):
    # Field types as classes, not strings, for everything derived from the fields.
    resolve_types(_cls)


# Trusted constructors, generated from each class's fields (as attrs generates
# ``__init__``): the same parameters, in field order, with the same defaults, and a body
# that stores each value without its converter. A frozen class refuses ``setattr``, and
# setting each slot through its descriptor is a call per field, so each record class has
# a private mutable twin with the same slots in the same order: the constructor fills a
# twin with plain attribute stores (which CPython specialises for slots) and then gives
# it the record's class, which CPython allows between classes of the same layout. The
# object is never seen as a twin outside the constructor.


def _twin(cls: type) -> type:
    """A mutable class with *cls*'s slots, whose instances can become *cls* instances
    (for a subclass of a record class, a subclass of its base's twin)."""
    slots = cls.__dict__["__slots__"]
    if "__weakref__" in slots or "__dict__" in slots:  # pragma: no cover
        # Either would move the slots: ``__class__`` assignment would refuse the layout.
        raise AssertionError(f"{cls.__name__} needs weakref_slot=False and no __dict__")
    body = {"__slots__": slots, "__module__": __name__}
    base = cls.__base__ or object
    if base is not object:
        # CPython wants the same base: the base, made writable. ``__delattr__`` too: with
        # one of the two methods object's and the other the frozen base's, CPython would
        # send every attribute store through a Python-level lookup (several times slower).
        body.update(
            __setattr__=object.__setattr__,
            __delattr__=object.__delattr__,
            __init__=object.__init__,
        )
    return type(f"_{cls.__name__}Twin", (base,), body)


def _source(
    cls: type, name: str, given: Sequence[str] | None, fixed: Mapping[str, object]
) -> Callable[..., object]:
    """A function *name* that builds a trusted *cls*. Its parameters: every field in
    field order with the field's default (*given* None), or the fields *given*, in that
    order and required, the *fixed* ones set to their values and the others to their
    defaults."""
    fields = {f.name: f for f in _fields(cls)}
    unknown = {*(given or ()), *fixed} - set(fields)
    if unknown:
        raise TypeError(f"{cls.__name__} has no field {', '.join(sorted(unknown))}")
    names: dict[str, object] = {"_Twin": _twin(cls), "_cls": cls}
    params = list(given) if given is not None else []
    body = []
    for f in fields.values():
        value = f.name
        factory = getattr(f.default, "factory", None)  # a Factory (``extra``)
        if f.name in fixed:
            value = f"_fixed_{f.name}"
            names[value] = fixed[f.name]
        elif given is not None and f.name not in given:
            if factory is dict:
                value = "{}"
            elif factory is not None:  # a new value for each record
                value = f"_factory_{f.name}()"
                names[f"_factory_{f.name}"] = factory
            else:
                value = f"_default_{f.name}"
                names[value] = f.default
        elif given is not None:
            pass
        elif f.default is NOTHING:
            params.append(f.name)
        elif factory is not None:  # None for a new value
            params.append(f"{f.name}=None")
            names[f"_factory_{f.name}"] = factory
            new = "{}" if factory is dict else f"_factory_{f.name}()"
            value = f"{new} if {f.name} is None else {f.name}"
        else:
            params.append(f"{f.name}=_default_{f.name}")
            names[f"_default_{f.name}"] = f.default
        body.append(f"    _made.{f.name} = {value}\n")
    source = (
        f"def {name}({', '.join(params)}):\n    _made = _Twin()\n{''.join(body)}"
        "    _made.__class__ = _cls\n    return _made\n"
    )
    exec(compile(source, f"<trusted {cls.__name__} constructor>", "exec"), names)
    made: Callable[..., object] = names[name]  # type: ignore[assignment]
    made.__module__ = __name__
    return made


def _trusted(cls: Callable[_P, _R], name: str) -> Callable[_P, _R]:
    """The trusted constructor of the record class *cls*, named *name* in this module.

    Typed as *cls* itself; the values must already be what the converters would make.
    """
    assert isinstance(cls, type)
    made: Callable[_P, _R] = _source(cls, name, None, {})  # type: ignore[assignment]
    made.__doc__ = (
        f"A trusted :class:`{cls.__name__}` (see the module docs); equal to "
        f"``{cls.__name__}(...)``. A dict given for a field is kept, not copied."
    )
    # Pickling (worker part files, the merge's spill files): a record goes as this
    # constructor and its values in field order, read in one C call, instead of attrs'
    # state dict set back slot by slot in a Python loop (about 5 times slower to load).
    values = operator.attrgetter(*(f.name for f in _fields(cls)))

    def __reduce__(self: object) -> tuple[Callable[_P, _R], tuple[object, ...]]:
        return made, values(self)

    setattr(cls, "__reduce__", __reduce__)  # noqa: B010 - a method of a class already made
    return made


def maker(cls: type[_R], *fields: str, **fixed: object) -> Callable[..., _R]:
    """A trusted constructor of *cls* (see the module docs) for a parser's hot path: its
    parameters are the *fields* named, in that order, all required; the *fixed* fields
    always take the values given and every other field its default.

    Called with positional arguments, which cost a fraction of keyword ones on a
    constructor of some twenty fields: ``maker(Reply, "id", "post_id", "text",
    platform=Platform.REDDIT)("c1", "p1", "hi")``. Fields are found by name, so a field
    added to the class leaves every maker as it was.
    """
    made: Callable[..., _R] = _source(cls, f"make_{cls.__name__.lower()}", fields, fixed)  # type: ignore[assignment]
    return made


new_author: Final = _trusted(Author, "new_author")
new_provenance: Final = _trusted(Provenance, "new_provenance")
new_post: Final = _trusted(Post, "new_post")
new_reply: Final = _trusted(Reply, "new_reply")
