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
from typing import Any, Final

from .._version import __version__
from ..model import (
    Author,
    JsonValue,
    Platform,
    Post,
    Reply,
    TimePrecision,
    new_author,
    new_post,
    new_provenance,
    new_reply,
)
from ..serialize import format_time
from ._base import ParseContext
from ._common import epoch_to_utc

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

_POST_SLOTS: Final = frozenset(
    {
        "id",
        "title",
        "selftext",
        "author",
        "author_fullname",
        "created_utc",
        "permalink",
        "score",
        "num_comments",
        "view_count",
        "edited",
    }
)
_REPLY_SLOTS: Final = frozenset(
    {
        "id",
        "link_id",
        "parent_id",
        "body",
        "author",
        "author_fullname",
        "created_utc",
        "score",
        "depth",
        "replies",
        "is_submitter",
        "stickied",
        "edited",
    }
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


def _text(value: object, unescape: bool) -> str | None:
    if type(value) is str:
        return _unescape(value) if unescape and "&" in value else value
    if not isinstance(value, str):
        return None
    return _unescape(value) if unescape and "&" in value else value


def _count(value: object) -> int | None:
    if type(value) is int:
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _author(
    data: Mapping[str, Any], post_author: str | None, *, is_post: bool = False
) -> Author | None:
    """The author of a thing; a submission's own author is the OP (``is_uploader``)."""
    name = data.get("author")
    if not isinstance(name, str) or not name or name == DELETED:
        return None
    fullname = data.get("author_fullname")
    author_id = fullname if isinstance(fullname, str) and fullname else name
    is_op = (
        is_post
        or data.get("is_submitter") is True
        or (post_author is not None and name == post_author)
    )
    return new_author(author_id, name, None, is_op)


def _flags(data: Mapping[str, Any], text_key: str) -> tuple[bool, bool]:
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


def _url(permalink: object) -> str | None:
    if not isinstance(permalink, str) or not permalink:
        return None
    if permalink.startswith(("http://", "https://")):
        return permalink
    return REDDIT + (permalink if permalink.startswith("/") else "/" + permalink)


def _thing_id(data: Mapping[str, Any], prefix: str, what: str) -> str:
    value = data.get("id")
    if isinstance(value, str) and value:
        return value
    name = data.get("name")
    if isinstance(name, str) and name.startswith(prefix) and len(name) > len(prefix):
        return name[len(prefix) :]
    raise BadThing("missing-id", f"{what} has no id")


def _extra(data: Mapping[str, Any], slots: frozenset[str], prefix: str) -> dict[str, JsonValue]:
    # Copy, then drop the slots: much cheaper than filtering ~40 keys one by one, and
    # the leftover keys keep their order.
    extra: dict[str, JsonValue] = dict(data)
    pop = extra.pop
    for key in slots:
        pop(key, None)
    raw_id = data.get("id")
    if isinstance(raw_id, str) and raw_id:
        if extra.get("name") == prefix + raw_id:
            del extra["name"]  # the fullname is the id with its prefix: nothing to keep
    elif raw_id is not None:
        extra["id"] = raw_id
    return extra


def _keep_if(extra: dict[str, JsonValue], data: Mapping[str, Any], key: str, used: object) -> None:
    """Put ``data[key]`` back into *extra* when its slot could not use it."""
    if used is None and data.get(key) is not None:
        extra[key] = data[key]


def _edited(data: Mapping[str, Any], extra: dict[str, JsonValue]) -> bool:
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
    data: Mapping[str, Any], ctx: ParseContext, extra: dict[str, JsonValue]
) -> datetime | None:
    value = data.get("created_utc")
    if type(value) is int:  # the usual case: whole seconds
        try:
            return _fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            pass
    elif type(value) is str and value.isascii() and value.isdigit():  # "1600000000"
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
    data: Mapping[str, Any],
    ctx: ParseContext,
    *,
    unescape: bool = True,
    missing: MissingChildren | None = None,
    line: int | None = None,
    index: int | None = None,
) -> Post:
    """A submission (``t3`` data) as a :class:`Post`; raises :class:`BadThing`."""
    post_id = _thing_id(data, "t3_", "submission")
    extra = _extra(data, _POST_SLOTS, "t3_")
    title = _text(data.get("title"), unescape)
    _keep_if(extra, data, "title", title)
    text = _text(data.get("selftext"), unescape)
    _keep_if(extra, data, "selftext", text)
    author = _author(data, None, is_post=True)
    _keep_if(extra, data, "author", author)
    url = _url(data.get("permalink"))
    _keep_if(extra, data, "permalink", url)
    like_count = _count(data.get("score"))
    _keep_if(extra, data, "score", like_count)
    comment_count = _count(data.get("num_comments"))
    _keep_if(extra, data, "num_comments", comment_count)
    view_count = _count(data.get("view_count"))
    _keep_if(extra, data, "view_count", view_count)
    if author is None and isinstance(data.get("author_fullname"), str):
        extra["author_fullname"] = data["author_fullname"]
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
        url=url if url is not None else f"{REDDIT}/comments/{post_id}/",
        like_count=like_count,
        view_count=view_count,
        comment_count=comment_count,
        is_edited=_edited(data, extra),
        is_deleted=deleted,
        is_removed=removed,
        extra=extra,
        provenance=ctx.provenance(line=line, index=index),
    )


def to_reply(
    data: Mapping[str, Any],
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

    The usual comment, whose slot values all have their type, is read here: each slot
    popped once from the copy that becomes ``extra``. Any other goes to
    :func:`_reply_checked`, which builds the same record for it field by field.
    """
    extra: dict[str, JsonValue] = dict(data)
    pop = extra.pop
    reply_id = pop("id", None)
    link_id = pop("link_id", None)
    parent_id = pop("parent_id", None)
    body = pop("body", None)
    name = pop("author", None)
    fullname = pop("author_fullname", None)
    is_submitter = pop("is_submitter", None)
    score = pop("score", None)
    raw_depth = pop("depth", None)
    stickied = pop("stickied", None)
    replies = pop("replies", None)
    created = pop("created_utc", None)
    edited = pop("edited", None)
    if not (
        type(reply_id) is str
        and reply_id
        and type(link_id) is str
        and link_id
        and type(parent_id) is str
        and parent_id
        and type(body) is str
        and (type(name) is str or name is None)
        and (type(fullname) is str or fullname is None)
        and (is_submitter is False or is_submitter is True or is_submitter is None)
        and (type(score) is int or score is None)
        and (raw_depth is None or type(raw_depth) is int)
        and (stickied is False or stickied is True or stickied is None)
        and (replies is None or replies == "" or type(replies) is dict)
    ):
        return _reply_checked(
            data, ctx, unescape, post_id, parent, depth, post_author, missing, line, index
        )
    if "name" in extra and extra["name"] == "t1_" + reply_id:
        del extra["name"]  # the fullname is the id with its prefix: nothing to keep
    post_id = link_id[3:] if link_id.startswith("t3_") else link_id
    if parent_id.startswith("t3_") or parent_id == post_id:
        parent_id = None
    elif parent_id.startswith("t1_"):
        parent_id = parent_id[3:]
    if unescape and "&" in body:
        body = _unescape(body)
    author: Author | None = None
    if name and name != DELETED:
        is_op = is_submitter is True or (post_author is not None and name == post_author)
        author = new_author(fullname or name, name, None, is_op)
    else:
        if name is not None:
            extra["author"] = name
        if fullname is not None:
            extra["author_fullname"] = fullname
    if extra.get("removed_by_category") is None:
        removed = body == REMOVED
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
    # Positional: the order of :func:`new_reply`'s parameters.
    return new_reply(
        reply_id,
        post_id,
        parent_id,
        _REDDIT,
        body,
        author,
        when,
        False,
        None if when is None else _EXACT,
        score,
        None,
        raw_depth if raw_depth is not None else depth,
        stickied is True,
        False,
        False if edited is False or edited is None else _edited(data, extra),
        deleted,
        removed,
        extra,
        new_provenance(ctx.provenance_source, ctx.format, line, index, __version__),
    )


def _reply_checked(
    data: Mapping[str, Any],
    ctx: ParseContext,
    unescape: bool,
    post_id: str | None,
    parent: str | None,
    depth: int | None,
    post_author: str | None,
    missing: MissingChildren | None,
    line: int | None,
    index: int | None,
) -> Reply:
    """:func:`to_reply` for a comment with a slot value of another type, or missing."""
    get = data.get
    reply_id = get("id")
    if type(reply_id) is not str or not reply_id:
        reply_id = _thing_id(data, "t1_", "comment")
    extra = _extra(data, _REPLY_SLOTS, "t1_")
    link_id = get("link_id")
    stated_parent = get("parent_id")
    if isinstance(link_id, str) and link_id:
        post_id = link_id[3:] if link_id.startswith("t3_") else link_id
    elif link_id is not None:
        extra["link_id"] = link_id
    if post_id is None and isinstance(stated_parent, str) and stated_parent.startswith("t3_"):
        # No link_id (inbox and some API listings): a direct reply names its post.
        post_id = stated_parent[3:] or None
    if post_id is None:
        # An inbox item's ``context`` (or a ``permalink``) links the thread.
        for key in ("context", "permalink"):
            link = get(key)
            found = _THREAD_LINK.search(link) if isinstance(link, str) else None
            if found is not None:
                post_id = found.group(1)
                break
    if post_id is None:
        raise BadThing(
            "missing-link-id",
            f"comment {reply_id} has no link_id, and neither its parent_id "
            f"({stated_parent!r}, not a t3_ post) nor a context link names its post",
        )
    parent_id = get("parent_id")
    if not isinstance(parent_id, str) or not parent_id:
        if parent_id is not None:
            extra["parent_id"] = parent_id
        parent_id = parent
    if parent_id is None or parent_id.startswith("t3_") or parent_id == post_id:
        parent_id = None
    elif parent_id.startswith("t1_"):
        parent_id = parent_id[3:]
    body = get("body")
    text = _text(body, unescape)
    if text is None and body is not None:
        extra["body"] = body
    author = _author(data, post_author)
    if author is None:
        if get("author") is not None:
            extra["author"] = data["author"]
        if isinstance(get("author_fullname"), str):
            extra["author_fullname"] = data["author_fullname"]
    is_submitter = get("is_submitter")
    if is_submitter not in (None, True, False):  # == on purpose: 1 and 0.0 count as bools
        extra["is_submitter"] = is_submitter
    score = get("score")
    like_count = _count(score)
    if like_count is None and score is not None:
        extra["score"] = score
    raw_depth = get("depth")
    stated = None if raw_depth is None else _count(raw_depth)
    if stated is None and raw_depth is not None:
        extra["depth"] = raw_depth
    stickied = get("stickied")
    if stickied not in (None, True, False):
        extra["stickied"] = stickied
    replies = get("replies")
    if replies is not None and replies != "" and not isinstance(replies, list | dict):
        extra["replies"] = replies
    deleted, removed = _flags(data, "body")
    if missing:
        extra["missing_children"] = missing
    created = get("created_utc")
    if type(created) is int and _MIN_SECONDS <= created <= _MAX_SECONDS:
        created = _fromtimestamp(created, UTC)  # the usual case: whole seconds, in range
    else:
        created = _created(data, ctx, extra)
    edited = get("edited")
    # Positional: the order of :func:`new_reply`'s parameters.
    return new_reply(
        reply_id,
        post_id,
        parent_id,
        _REDDIT,
        text or "",
        author,
        created,
        False,
        None if created is None else _EXACT,
        like_count,
        None,
        stated if stated is not None else depth,
        stickied is True,
        False,
        False if edited is False or edited is None else _edited(data, extra),
        deleted,
        removed,
        extra,
        new_provenance(ctx.provenance_source, ctx.format, line, index, __version__),
    )
