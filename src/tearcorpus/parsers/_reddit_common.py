"""What the ``reddit`` and ``pushshift`` parsers share: one mapping of Reddit things.

A ``t3`` dict (a submission) becomes a :class:`~tearcorpus.model.Post`, a ``t1`` dict (a
comment) a :class:`~tearcorpus.model.Reply`, whether it came from a thread's ``.json``,
an ``/api/morechildren`` answer or a line of a Pushshift / Arctic Shift month. Fields
with a slot in the model are consumed; every other field goes to ``extra`` untouched.

A record that cannot be built raises :class:`BadThing`; the parser turns it into
``ctx.reject`` with the record's line or index.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Final

from .._version import __version__
from ..model import (
    Author,
    JsonValue,
    Platform,
    Post,
    Provenance,
    Reply,
    TimePrecision,
    maker,
    new_post,
)
from ..serialize import format_time
from ._base import ParseContext
from ._common import epoch_to_utc
from ._fields import INT, INVALID, NAME, RAW, TEXT, Invalid, Kind, Slots

__all__ = [
    "DELETED",
    "REMOVED",
    "BadThing",
    "MissingChildren",
    "parse_created",
    "parse_edited",
    "strip_prefix",
    "to_post",
    "to_reply",
    "unescape_enabled",
]

DELETED: Final = "[deleted]"
REMOVED: Final = "[removed]"
REDDIT: Final = "https://www.reddit.com"

#: ``removed_by_category`` values that mean the author deleted it, not a moderator.
_SELF_DELETED: Final = frozenset({"deleted", "author"})
#: A thread's id in a Reddit link (``/r/sub/comments/1abc2d/slug/...``).
_THREAD_LINK: Final = re.compile(r"/comments/([a-z0-9]+)(?:/|$)")

#: ``{"count": N, "ids": [...], "continue_thread": bool}`` for a record's ``more`` stubs.
MissingChildren = dict[str, JsonValue]


def _flaggish(value: object) -> bool | int | float | Invalid:
    return value if isinstance(value, int | float) and value in (True, False) else INVALID


def _listed_replies(value: object) -> list[JsonValue] | Invalid:
    return value if isinstance(value, list) else INVALID


#: ``is_submitter`` and ``stickied``: besides true and false, a value equal to one (``1``,
#: ``0.0``) is taken too, and is not true.
_FLAGGISH: Final[Kind[bool | int | float]] = Kind("v is True or v is False", _flaggish)
#: ``replies``: a Listing (read by the thread parser), ``""`` or a list.
_REPLIES: Final[Kind[JsonValue]] = Kind("type(v) is dict or v == ''", _listed_replies)

#: A submission's slots (``name`` goes too when it is only the id's fullname).
_SUBMISSION: Final = (
    Slots()
    .add("id", NAME)
    .add("title", TEXT)
    .add("selftext", TEXT)
    .add("author", TEXT)
    .add("author_fullname", TEXT)
    .add("created_utc", RAW)
    .add("permalink", NAME)
    .add("score", INT)
    .add("num_comments", INT)
    .add("view_count", INT)
    .add("edited", RAW)
)
#: A comment's slots.
_COMMENT: Final = (
    Slots()
    .add("id", NAME)
    .add("link_id", NAME)
    .add("parent_id", NAME)
    .add("body", TEXT)
    .add("author", TEXT)
    .add("author_fullname", TEXT)
    .add("is_submitter", _FLAGGISH)
    .add("score", INT)
    .add("depth", INT)
    .add("stickied", _FLAGGISH)
    .add("replies", _REPLIES)
    .add("created_utc", RAW)
    .add("edited", RAW)
)


class BadThing(Exception):
    """A thing that cannot become a record: ``kind`` is the reject code."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def unescape_enabled(ctx: ParseContext) -> bool:
    """False when the user says the input was fetched with ``raw_json=1`` (not escaped)."""
    value = ctx.options.get("raw_json", "").strip().lower()
    return value not in ("1", "true", "yes")


def strip_prefix(value: str, prefix: str) -> str:
    """``t3_abc`` → ``abc`` for *prefix* ``t3_``; other values unchanged."""
    return value[len(prefix) :] if value.startswith(prefix) else value


def parse_created(value: object) -> datetime | None:
    """``created_utc`` as an aware UTC datetime (int, float or string seconds)."""
    return epoch_to_utc(value)


def parse_edited(value: object) -> tuple[bool, str | None] | None:
    """``edited``: ``False`` or a timestamp (very old things say ``True``).

    Returns ``(is_edited, edited_at as ISO 8601 or None)``, or ``None`` when the value is
    neither (the caller keeps it in ``extra``).
    """
    if value is None or value is False:
        return False, None
    if value is True:
        return True, None
    when = epoch_to_utc(value)
    if when is None:
        return None
    return True, format_time(when)


_unescape: Final = html.unescape
_fromtimestamp: Final = datetime.fromtimestamp
_REDDIT: Final = Platform.REDDIT
_EXACT: Final = TimePrecision.EXACT
#: Whole seconds that ``datetime.fromtimestamp`` takes on every platform (1970..9998).
_MIN_SECONDS: Final = 0
_MAX_SECONDS: Final = 253370764800


_make_author: Final = maker(Author, "id", "name", "is_uploader")


def _author(
    name: str | None,
    fullname: str | None,
    is_op: bool,
    extra: dict[str, JsonValue],
) -> Author | None:
    """The author named *name* (``t2_`` *fullname* as the id when given); ``None`` for a
    deleted or empty one, whose name and fullname are then kept in *extra*."""
    if name and name != DELETED:
        return _make_author(fullname or name, name, is_op)
    if name is not None:
        extra["author"] = name
    if fullname is not None:
        extra["author_fullname"] = fullname
    return None


def _flags(data: Mapping[str, JsonValue], text_key: str) -> tuple[bool, bool]:
    """``(is_deleted, is_removed)`` from the text, the author and ``removed_by_category``.

    ``[removed]`` text or a moderator's ``removed_by_category`` means removed; ``[deleted]``
    text, a self-deletion category, or a ``[deleted]`` author on a thing that was not
    removed means deleted (reddit shows a removed thing's author as ``[deleted]`` too).
    """
    text = data.get(text_key)
    category = data.get("removed_by_category")
    removed = text == REMOVED or (
        isinstance(category, str) and bool(category) and category not in _SELF_DELETED
    )
    deleted = (
        text == DELETED
        or (isinstance(category, str) and category in _SELF_DELETED)
        or (data.get("author") == DELETED and not removed)
    )
    return deleted, removed


def _url(permalink: str | None) -> str | None:
    if permalink is None or permalink.startswith(("http://", "https://")):
        return permalink
    return REDDIT + (permalink if permalink.startswith("/") else "/" + permalink)


def _thing_id(data: Mapping[str, JsonValue], prefix: str, what: str) -> str:
    value = data.get("id")
    if type(value) is str and value:
        return value
    name = data.get("name")
    if isinstance(name, str) and name.startswith(prefix) and len(name) > len(prefix):
        return name[len(prefix) :]
    raise BadThing("missing-id", f"{what} has no id")


def _drop_fullname(extra: dict[str, JsonValue], raw_id: object, prefix: str) -> None:
    """Drop ``name`` from *extra* when it is only the id with its prefix."""
    if raw_id is not None and extra.get("name") == prefix + str(raw_id):
        del extra["name"]


def _edited(data: Mapping[str, JsonValue], extra: dict[str, JsonValue]) -> bool:
    value = data.get("edited")
    if value is False or value is None:
        return False
    edited = parse_edited(value)
    if edited is None:
        extra["edited"] = data["edited"]
        return False
    if edited[1] is not None:
        extra["edited_at"] = edited[1]
    return edited[0]


def _created(
    data: Mapping[str, JsonValue], ctx: ParseContext, extra: dict[str, JsonValue]
) -> datetime | None:
    value = data.get("created_utc")
    if type(value) is int and _MIN_SECONDS <= value <= _MAX_SECONDS:  # the usual case
        return _fromtimestamp(value, UTC)
    if type(value) is str and value.isascii() and value.isdigit():  # "1600000000"
        try:
            return _fromtimestamp(int(value), UTC)
        except (OverflowError, OSError, ValueError):
            pass
    created = parse_created(value)
    if created is None and value is not None:
        extra["created_utc"] = data["created_utc"]
        ctx.note("invalid-created-utc")
    return created


def to_post(
    data: Mapping[str, JsonValue],
    ctx: ParseContext,
    *,
    unescape: bool = True,
    missing: MissingChildren | None = None,
    line: int | None = None,
    index: int | None = None,
) -> Post:
    """A submission (``t3`` data) as a :class:`Post`; raises :class:`BadThing`."""
    post_id = _thing_id(data, "t3_", "submission")
    values, extra = _SUBMISSION.take(data, ctx)
    raw_id, title, text, name, fullname, _, permalink, score, comments, views, _ = values
    _drop_fullname(extra, raw_id, "t3_")
    if unescape and title is not None and "&" in title:
        title = _unescape(title)
    if unescape and text is not None and "&" in text:
        text = _unescape(text)
    author = _author(name, fullname, True, extra)
    deleted, removed = _flags(data, "selftext")
    if missing:
        extra["missing_children"] = missing
    created = _created(data, ctx, extra)
    return new_post(
        id=post_id,
        platform=_REDDIT,
        title=title,
        text=text or "",
        author=author,
        created_at=created,
        created_at_precision=None if created is None else _EXACT,
        url=_url(permalink) or f"{REDDIT}/comments/{post_id}/",
        like_count=score,
        view_count=views,
        comment_count=comments,
        is_edited=_edited(data, extra),
        is_deleted=deleted,
        is_removed=removed,
        extra=extra,
        provenance=ctx.provenance(line=line, index=index),
    )


def _post_of(data: Mapping[str, JsonValue], post_id: str | None, reply_id: str) -> str:
    """The id of a comment's post: its ``link_id``, else *post_id* (what the nesting
    says), else a ``t3_`` ``parent_id``, else its ``context`` or ``permalink`` link;
    raises :class:`BadThing` when none names it."""
    link_id = data.get("link_id")
    if type(link_id) is str and link_id:
        return link_id[3:] if link_id.startswith("t3_") else link_id
    if post_id is not None:
        return post_id
    stated = data.get("parent_id")
    if isinstance(stated, str) and stated.startswith("t3_") and len(stated) > 3:
        # No link_id (inbox and some API listings): a direct reply names its post.
        return stated[3:]
    for key in ("context", "permalink"):
        # An inbox item's ``context`` (or a ``permalink``) links the thread.
        link = data.get(key)
        found = _THREAD_LINK.search(link) if isinstance(link, str) else None
        if found is not None:
            return found.group(1)
    raise BadThing(
        "missing-link-id",
        f"comment {reply_id} has no link_id, and neither its parent_id "
        f"({stated!r}, not a t3_ post) nor a context link names its post",
    )


#: The reply of a comment: a trusted Reply of these fields, in this order.
_make_reply: Final = maker(
    Reply,
    "id",
    "post_id",
    "parent_id",
    "text",
    "author",
    "created_at",
    "created_at_precision",
    "like_count",
    "depth",
    "is_pinned",
    "is_edited",
    "is_deleted",
    "is_removed",
    "extra",
    "provenance",
    platform=_REDDIT,
)
#: Its provenance.
_make_provenance: Final = maker(Provenance, "source", "format", "line", "index", "parser_version")


def to_reply(
    data: Mapping[str, JsonValue],
    ctx: ParseContext,
    *,
    unescape: bool = True,
    post_id: str | None = None,
    parent: str | None = None,
    depth: int | None = None,
    post_author: str | None = None,
    missing: MissingChildren | None = None,
    line: int | None = None,
    index: int | None = None,
) -> Reply:
    """A comment (``t1`` data) as a :class:`Reply`; raises :class:`BadThing`.

    *post_id*, *parent* (a fullname, ``t1_...`` or ``t3_...``) and *depth* are what the
    nesting says, used where the comment itself does not say (without ``link_id`` or
    *post_id*, a ``t3_`` ``parent_id`` names the post); *post_author* marks the
    OP's comments when ``is_submitter`` is absent.
    """
    # Its id and post first: a comment that has none is refused before anything counts.
    reply_id = data.get("id")
    if type(reply_id) is not str or not reply_id:
        reply_id = _thing_id(data, "t1_", "comment")
    link_id = data.get("link_id")
    if type(link_id) is str and link_id:
        post_id = link_id[3:] if link_id.startswith("t3_") else link_id
    else:
        post_id = _post_of(data, post_id, reply_id)
    values, extra = _COMMENT.take(data, ctx)
    (raw_id, _, parent_id, body, name, fullname, submitter, score, raw_depth, stickied, _,
     created, edited) = values  # fmt: skip
    if raw_id is not None and "name" in extra and extra["name"] == "t1_" + raw_id:
        del extra["name"]  # the fullname is the id with its prefix: nothing to keep
    if parent_id is None:
        parent_id = parent
    if parent_id is None or parent_id.startswith("t3_") or parent_id == post_id:
        parent_id = None
    elif parent_id.startswith("t1_"):
        parent_id = parent_id[3:]
    if unescape and body is not None and "&" in body:
        body = _unescape(body)
    if name and name != DELETED:  # as _author does, inline on this hot path
        is_op = submitter is True or (post_author is not None and name == post_author)
        author: Author | None = _make_author(fullname or name, name, is_op)
    else:
        author = _author(name, fullname, False, extra)
    if "removed_by_category" not in extra or extra["removed_by_category"] is None:
        removed = body == REMOVED  # the usual case
        deleted = body == DELETED or (name == DELETED and not removed)
    else:
        deleted, removed = _flags(data, "body")
    if missing:
        extra["missing_children"] = missing
    when: datetime | None
    if type(created) is int and _MIN_SECONDS <= created <= _MAX_SECONDS:
        when = _fromtimestamp(created, UTC)  # the usual case: whole seconds, in range
    else:
        when = _created(data, ctx, extra)
    provenance = _make_provenance(ctx.provenance_source, ctx.format, line, index, __version__)
    return _make_reply(
        reply_id,
        post_id,
        parent_id,
        body or "",
        author,
        when,
        None if when is None else _EXACT,
        score,
        raw_depth if raw_depth is not None else depth,
        stickied is True,
        False if edited is False or edited is None else _edited(data, extra),
        deleted,
        removed,
        extra,
        provenance,
    )
