"""YouTube Data API v3 responses: ``videos.list``, ``commentThreads.list``, ``comments.list``.

One input holds one response page, a JSON array of pages, or JSON lines of pages (one
response, or an array of them, per line). Several inputs read together form one corpus.

- ``youtube#videoListResponse`` items become :class:`~tearcorpus.Post` records.
- ``youtube#commentThreadListResponse`` items give their top-level comment (a reply with
  ``parent_id=None`` and ``reply_count`` = ``totalReplyCount``) and the at most five
  replies that ride along in ``replies.comments``. When a thread claims more replies than
  it carries, the shortfall is noted as ``replies-not-fetched``.
- ``youtube#commentListResponse`` items are replies (``snippet.parentId`` set) or
  top-level comments.
- ``{"error": {...}}`` responses are rejected once, as ``api-error``.

A comment's ``videoId`` is its ``post_id``. A video whose comments appear in an input but
whose ``videos.list`` item does not gets a placeholder post (no title, no text,
``extra={"placeholder": True}``), emitted once per video at the end of that input. Across
inputs the first post with an id wins, so give the ``videos.list`` page first or in the
same input as the comments.

Text is ``textOriginal``; when a response lacks it (it is not returned to every caller),
``textDisplay`` HTML is turned into text with :class:`html.parser.HTMLParser`. Every
source field without a slot is kept in ``extra`` under its snake_case name
(``textDisplay`` → ``text_display``, ``updatedAt`` → ``updated_at``); page-level fields
(``nextPageToken``, ``pageInfo``, the page ``etag``) are not kept with the records; pages
are counted in the ``pages`` note.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from html.parser import HTMLParser
from typing import Final

import orjson
from attrs import define, field

from .._read import load_json, read_bytes
from ..errors import InputError, ParseError
from ..model import Author, JsonValue, Platform, Post, Record, Reply, TimePrecision, utc
from ._base import ParseContext
from ._common import json_lines, utf8_lines
from ._fields import count
from ._fields import text as as_text

__all__ = ["BINARY", "SPANS", "description", "html_to_text", "name", "parse", "sniff"]

name = "youtube-api"
description = "YouTube Data API v3 pages: videos.list, commentThreads.list, comments.list"
BINARY = False
SPANS = False

_LIST_KIND: Final = re.compile(rb'"kind"\s*:\s*"youtube#\w+ListResponse"')
_ERROR_KEY: Final = re.compile(rb'^\s*\[?\s*\{\s*"error"\s*:')
_WATCH_URL: Final = "https://www.youtube.com/watch?v="

#: Page kind → the kind of its items.
_ITEM_KIND: Final = {
    "youtube#commentThreadListResponse": "youtube#commentThread",
    "youtube#commentListResponse": "youtube#comment",
    "youtube#videoListResponse": "youtube#video",
}


def sniff(head: bytes, path: str) -> int:
    """A ``youtube#...ListResponse`` kind (in a page, an array or JSON lines) is near
    certain; an ``{"error": ...}`` body mentioning YouTube is likely an API error page."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] not in (b"{", b"["):
        return 0
    if _LIST_KIND.search(head):
        return 95
    if _ERROR_KEY.match(stripped) and (b"youtube" in head or b"googleapis" in head):
        return 60
    return 0


# --------------------------------------------------------------------------- HTML → text


class _TextExtractor(HTMLParser):
    """Collects the text of ``textDisplay`` HTML: ``<br>`` is a newline, a link its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(markup: str) -> str:
    """The plain text of a ``textDisplay`` value: tags dropped (``<br>`` becomes a
    newline, ``<a>`` its link text), entities unescaped.

    >>> html_to_text("Tom &amp; Jerry<br>don&#39;t <a href='https://x.example'>0:05</a>")
    "Tom & Jerry\\ndon't 0:05"
    """
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return "".join(extractor.parts)


# --------------------------------------------------------------------------- helpers


_CAMEL: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _snake(key: str) -> str:
    return _CAMEL.sub("_", key).lower()


def _keep(
    extra: dict[str, JsonValue], source: Mapping[str, JsonValue], skip: frozenset[str]
) -> None:
    """Copy every field of *source* not in *skip* into *extra*, snake_cased, without
    overwriting a key already there."""
    for key, value in source.items():
        if key in skip:
            continue
        target = _snake(key)
        if target in extra and extra[target] != value:
            target = "source_" + target
        extra[target] = value


#: An API count: an int, or a string of digits (``statistics`` values are strings).
_int: Final = functools.partial(count, negative=True, digits=True)


def _time(value: JsonValue) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return utc(datetime.fromisoformat(value))
    except (ValueError, OverflowError):  # not ISO 8601; out of range once in UTC
        return None


@define
class _Page:
    """Where a page sits in its input, for locating records and errors."""

    #: 1-based line of the page in JSON-lines input.
    line: int | None
    #: 1-based position in a JSON array of pages.
    number: int | None

    def where(self, index: int | None = None, detail: str = "") -> str:
        parts = []
        if self.number is not None:
            parts.append(f"page {self.number}")
        if index is not None and (self.line is not None or self.number is not None):
            parts.append(f"item {index}")
        if detail:
            parts.append(detail)
        return (", ".join(parts) + ": ") if parts else ""


@define
class _State:
    """What one input has shown so far."""

    ctx: ParseContext
    #: Video id → its channel id, from ``videos.list`` items and thread snippets.
    channels: dict[str, str] = field(factory=dict)
    #: Videos emitted as real posts.
    posts: set[str] = field(factory=set)
    #: Videos that comments point to, in first-seen order (value: first provenance line).
    wanted: dict[str, int | None] = field(factory=dict)
    #: Comment ids already emitted.
    comments: set[str] = field(factory=set)
    #: Top-level comment id → video id, to place replies whose snippet lacks ``videoId``.
    thread_videos: dict[str, str] = field(factory=dict)

    def reject(self, kind: str, reason: str, page: _Page, index: int | None) -> None:
        self.ctx.reject(kind, page.where(index) + reason, line=page.line, index=index)


# --------------------------------------------------------------------------- records


def _video(state: _State, item: dict[str, JsonValue], page: _Page, index: int) -> Post | None:
    ctx = state.ctx
    video_id = as_text(item.get("id"))
    if not video_id:
        state.reject("missing-id", "video has no id", page, index)
        return None
    snippet = item.get("snippet")
    if not isinstance(snippet, dict):
        state.reject("missing-snippet", f"video {video_id} has no snippet", page, index)
        return None
    if video_id in state.posts:
        ctx.drop(
            "duplicate-video",
            page.where(index) + f"video {video_id} already read from this input",
            line=page.line,
            index=index,
        )
        return None
    channel_id = as_text(snippet.get("channelId"))
    if channel_id:
        state.channels[video_id] = channel_id
    author = None
    if channel_id or snippet.get("channelTitle") is not None:
        author = Author(id=channel_id, name=as_text(snippet.get("channelTitle")), is_uploader=True)
    extra: dict[str, JsonValue] = {}
    _keep(extra, item, frozenset({"kind", "id", "snippet", "statistics"}))
    _keep(
        extra,
        snippet,
        frozenset({"title", "description", "channelId", "channelTitle", "publishedAt"}),
    )
    statistics = item.get("statistics")
    counts: dict[str, int | None] = {}
    if isinstance(statistics, dict):
        for key in ("viewCount", "likeCount", "commentCount"):
            counts[key] = _int(statistics.get(key))
        # Counts that are not numbers are kept as given.
        skip = frozenset(k for k, v in counts.items() if v is not None)
        _keep(extra, statistics, skip)
    elif statistics is not None:
        extra["statistics"] = statistics
    created = _time(snippet.get("publishedAt"))
    if created is None and snippet.get("publishedAt") is not None:
        extra["published_at"] = snippet["publishedAt"]
    state.posts.add(video_id)
    return Post(
        id=video_id,
        platform=Platform.YOUTUBE,
        title=as_text(snippet.get("title")),
        text=as_text(snippet.get("description")) or "",
        author=author,
        created_at=created,
        created_at_precision=None if created is None else TimePrecision.EXACT,
        url=_WATCH_URL + video_id,
        like_count=counts.get("likeCount"),
        view_count=counts.get("viewCount"),
        comment_count=counts.get("commentCount"),
        extra=extra,
        provenance=ctx.provenance(line=page.line, index=index),
    )


_COMMENT_SLOTS: Final = frozenset(
    {
        "videoId",
        "parentId",
        "textOriginal",
        "authorDisplayName",
        "authorChannelUrl",
        "authorChannelId",
        "likeCount",
        "publishedAt",
    }
)


def _comment(
    state: _State,
    comment: JsonValue,
    page: _Page,
    index: int,
    *,
    detail: str = "",
    thread: dict[str, JsonValue] | None = None,
    parent: str | None = None,
    thread_extra: dict[str, JsonValue] | None = None,
) -> Reply | None:
    """One ``youtube#comment`` resource as a reply.

    *thread* is the enclosing commentThread's snippet (for its top-level comment or one
    of the replies riding along); *parent* the top-level comment id those replies answer;
    *thread_extra* the thread's own fields, kept with its top-level comment.
    """
    ctx = state.ctx

    def reject(kind: str, reason: str) -> None:
        ctx.reject(kind, page.where(index, detail) + reason, line=page.line, index=index)

    if not isinstance(comment, dict):
        reject("not-an-object", "expected a comment object")
        return None
    kind = comment.get("kind")
    if kind is not None and kind != "youtube#comment":
        reject("unexpected-kind", f"expected a youtube#comment, got {kind!r}")
        return None
    comment_id = as_text(comment.get("id"))
    if not comment_id:
        reject("missing-id", "comment has no id")
        return None
    snippet = comment.get("snippet")
    if not isinstance(snippet, dict):
        reject("missing-snippet", f"comment {comment_id} has no snippet")
        return None
    parent_id = as_text(snippet.get("parentId")) or parent
    video_id = (
        as_text(snippet.get("videoId"))
        or (as_text(thread.get("videoId")) if thread is not None else None)
        or (state.thread_videos.get(parent_id) if parent_id else None)
        or ctx.options.get("video_id")
    )
    if not video_id:
        reject(
            "missing-video-id",
            f"comment {comment_id} names no videoId (pass the video id as an option)",
        )
        return None
    if comment_id in state.comments:
        ctx.drop(
            "duplicate-comment",
            page.where(index, detail) + f"comment {comment_id} already read from this input",
            line=page.line,
            index=index,
        )
        return None
    state.comments.add(comment_id)
    if parent_id is None:
        state.thread_videos[comment_id] = video_id
    uploader = state.channels.get(video_id)
    if uploader is None and thread is not None:
        uploader = as_text(thread.get("channelId"))
    if uploader is None:
        uploader = as_text(snippet.get("channelId"))
    if uploader is not None:
        state.channels.setdefault(video_id, uploader)
    if video_id not in state.posts and video_id not in state.wanted:
        state.wanted[video_id] = page.line

    channel = snippet.get("authorChannelId")
    author_id = as_text(channel.get("value")) if isinstance(channel, dict) else as_text(channel)
    extra: dict[str, JsonValue] = {}
    skip = _COMMENT_SLOTS
    if channel is not None and author_id is None:
        skip = skip - {"authorChannelId"}
    _keep(extra, comment, frozenset({"kind", "id", "snippet"}))
    _keep(extra, snippet, skip)
    published = snippet.get("publishedAt")
    created = _time(published)
    if created is None and published is not None:
        extra["published_at"] = published
    likes = _int(snippet.get("likeCount"))
    if likes is None and snippet.get("likeCount") is not None:
        extra["like_count"] = snippet["likeCount"]
    text = as_text(snippet.get("textOriginal"))
    if text is None:
        display = as_text(snippet.get("textDisplay"))
        text = html_to_text(display) if display is not None else ""
    updated = snippet.get("updatedAt")
    reply_count: int | None = None
    if thread_extra is not None and thread is not None:
        reply_count = _int(thread.get("totalReplyCount"))
        _keep(extra, {"thread_" + k: v for k, v in thread_extra.items()}, frozenset())
    return Reply(
        id=comment_id,
        post_id=video_id,
        parent_id=parent_id,
        platform=Platform.YOUTUBE,
        text=text,
        author=Author(
            id=author_id,
            name=as_text(snippet.get("authorDisplayName")),
            url=as_text(snippet.get("authorChannelUrl")),
            is_uploader=author_id is not None and author_id == uploader,
        ),
        created_at=created,
        created_at_precision=None if created is None else TimePrecision.EXACT,
        like_count=likes,
        reply_count=reply_count,
        depth=0 if parent_id is None else 1,
        is_edited=isinstance(updated, str) and updated != published,
        extra=extra,
        provenance=ctx.provenance(line=page.line, index=index),
    )


def _thread(state: _State, item: dict[str, JsonValue], page: _Page, index: int) -> Iterator[Reply]:
    ctx = state.ctx
    snippet = item.get("snippet")
    if not isinstance(snippet, dict):
        state.reject("missing-snippet", "commentThread has no snippet", page, index)
        return
    top = snippet.get("topLevelComment")
    if top is None:
        state.reject("missing-field", "commentThread has no topLevelComment", page, index)
    else:
        # The thread's own fields, kept with its top-level comment as ``thread_*``; its
        # id, videoId and channelId repeat the comment's and are kept only if they differ,
        # totalReplyCount only if it is no count (it is the comment's reply_count).
        top_snippet = top.get("snippet") if isinstance(top, dict) else None
        same = top_snippet if isinstance(top_snippet, dict) else {}
        thread_extra: dict[str, JsonValue] = {
            key: value
            for key, value in snippet.items()
            if key != "topLevelComment"
            and not (key in ("videoId", "channelId") and same.get(key) == value)
            and not (key == "totalReplyCount" and _int(value) is not None)
        }
        for key, value in item.items():
            if key in ("kind", "snippet", "replies"):
                continue
            if key == "id" and isinstance(top, dict) and top.get("id") == value:
                continue
            thread_extra[key] = value
        reply = _comment(
            state,
            top,
            page,
            index,
            detail="topLevelComment",
            thread=snippet,
            thread_extra=thread_extra,
        )
        if reply is not None:
            yield reply
    # The id the replies answer, whether or not the top-level comment was kept.
    top_id = as_text(top.get("id")) if isinstance(top, dict) else None
    replies = item.get("replies")
    present: list[JsonValue] = []
    listed = replies.get("comments") if isinstance(replies, dict) else None
    if isinstance(listed, list):
        present = listed
    elif replies is not None:
        state.reject("missing-field", "replies holds no comments list", page, index)
    claimed = _int(snippet.get("totalReplyCount"))
    if claimed is not None and claimed > len(present):
        ctx.note("replies-not-fetched", claimed - len(present))
    for number, raw in enumerate(present):
        reply = _comment(
            state,
            raw,
            page,
            index,
            detail=f"reply {number}",
            thread=snippet,
            parent=top_id,
        )
        if reply is not None:
            yield reply


def _api_error(error: JsonValue) -> str:
    if isinstance(error, dict):
        code = error.get("code")
        message = as_text(error.get("message")) or as_text(error.get("status")) or "no message"
        details = error.get("errors")
        reasons = [
            reason
            for e in (details if isinstance(details, list) else ())
            if isinstance(e, dict) and isinstance(reason := e.get("reason"), str)
        ]
        head = "API error" + (f" {code}" if code is not None else "")
        if reasons:
            head += f" ({', '.join(reasons)})"
        return f"{head}: {message}"
    return f"API error: {error}"


def _page(state: _State, data: JsonValue, page: _Page) -> Iterator[Record]:
    ctx = state.ctx
    if not isinstance(data, dict):
        state.reject("not-a-page", "expected an API response object", page, None)
        return
    ctx.note("pages")
    if "error" in data:
        state.reject("api-error", _api_error(data["error"]), page, None)
        return
    kind = data.get("kind")
    items = data.get("items")
    if kind is not None and (not isinstance(kind, str) or kind not in _ITEM_KIND):
        state.reject(
            "unsupported-kind",
            f"response kind {kind!r} is not videos, commentThreads or comments list",
            page,
            None,
        )
        return
    if not isinstance(items, list):
        state.reject("missing-items", "response holds no items list", page, None)
        return
    if not items:
        ctx.note("empty-page")
        return
    expected = _ITEM_KIND.get(kind) if isinstance(kind, str) else None
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            state.reject("not-an-object", "expected an item object", page, index)
            continue
        item_kind = item.get("kind", expected)
        if expected is not None and item_kind != expected:
            state.reject(
                "unexpected-kind", f"expected a {expected}, got {item_kind!r}", page, index
            )
            continue
        if item_kind == "youtube#commentThread":
            yield from _thread(state, item, page, index)
        elif item_kind == "youtube#comment":
            reply = _comment(state, item, page, index)
            if reply is not None:
                yield reply
        elif item_kind == "youtube#video":
            post = _video(state, item, page, index)
            if post is not None:
                yield post
        else:
            state.reject("unexpected-kind", f"unsupported item kind {item_kind!r}", page, index)


# --------------------------------------------------------------------------- documents


def _json_line(raw: bytes) -> JsonValue:
    """*raw* parsed, or ``None`` when it is no JSON."""
    try:
        value: JsonValue = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return value


def _documents(ctx: ParseContext) -> Iterator[tuple[JsonValue, _Page]]:
    """Yield ``(page, location)``: JSON lines are streamed, a whole document is loaded."""
    lines = utf8_lines(ctx)
    first = next(((number, raw) for number, raw in lines if raw.strip()), None)
    if first is None:
        raise InputError(ctx.source, "holds only whitespace; nothing to read")
    if isinstance(_json_line(first[1]), dict | list):
        yield from _from_lines(ctx, [first], lines)
        return
    lines.close()
    data = read_bytes(ctx.source, ctx.limits)
    try:
        document = load_json(ctx.source, data, ctx.encoding)
    except ParseError:
        # Pretty-printed JSON that is broken, or JSON lines whose first line is: the
        # latter still has pages on its other lines.
        if sum(1 for _, raw in utf8_lines(ctx) if isinstance(_json_line(raw), dict)) == 0:
            raise
        yield from _from_lines(ctx, [], utf8_lines(ctx))
        return
    yield from _pages(document, None)


def _from_lines(
    ctx: ParseContext, head: list[tuple[int, bytes]], rest: Iterator[tuple[int, bytes]]
) -> Iterator[tuple[JsonValue, _Page]]:
    for number, data in json_lines(ctx, itertools.chain(head, rest)):
        yield from _pages(data, number)


def _pages(data: JsonValue, line: int | None) -> Iterator[tuple[JsonValue, _Page]]:
    """The pages of one JSON value (at *line* of JSON lines): a list's items, or itself."""
    if isinstance(data, list):
        for number, page in enumerate(data, 1):
            yield page, _Page(line=line, number=number)
    else:
        yield data, _Page(line=line, number=None)


def parse(ctx: ParseContext) -> Iterator[Record]:
    state = _State(ctx)
    for data, page in _documents(ctx):
        yield from _page(state, data, page)
    for video_id, line in state.wanted.items():
        if video_id in state.posts:
            continue
        channel_id = state.channels.get(video_id)
        yield Post(
            id=video_id,
            platform=Platform.YOUTUBE,
            author=Author(id=channel_id, is_uploader=True) if channel_id else None,
            url=_WATCH_URL + video_id,
            extra={"placeholder": True},
            provenance=ctx.provenance(line=line),
        )
