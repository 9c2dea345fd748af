"""yt-dlp ``.info.json`` files written with ``--write-info-json --write-comments``.

The video becomes the :class:`~tearcorpus.model.Post`; every top-level key that has no
slot in the model (``formats``, ``tags``, ``duration`` ...) goes to ``extra``, except
``comments``, whose items become :class:`~tearcorpus.model.Reply` records.

Quirks handled:

- ``parent`` is ``"root"`` for a top-level comment, else the id of the comment answered
  (replies to replies exist since late 2025). ``depth`` is computed from that chain in
  any order; a reply whose parent is not in the file gets ``depth=None`` and an
  ``orphan-reply`` note.
- Comment times are derived by yt-dlp from text such as "2 weeks ago": ``created_at``
  is marked estimated and the text is kept as ``extra["time_text"]`` (the key is
  ``_time_text`` in recent versions, ``time_text`` in older ones); its unit gives
  ``created_at_precision`` and an edited mark in any interface language sets
  ``is_edited``. yt-dlp reads English texts only: a comment without ``timestamp`` gets
  its time from the text, counted back from the file's ``epoch`` (see
  :mod:`tearcorpus.parsers._times`).
- A playlist or channel-tab info dict is refused, with ``_type`` or (older versions)
  without it, known by its extractor or its URL's last part.
- Older versions omit keys whose value is null and boolean flags that are false.
- yt-dlp can list a comment twice (the pinned one); repeats are dropped and counted as
  ``duplicate-comment``.
- A value of the wrong type for its slot is kept in ``extra`` under its source key and
  counted as an ``invalid-field`` note, so nothing is lost.

Reading: a plain local UTF-8 file is memory-mapped and its top-level ``comments`` array
read in pieces of about 1 MiB cut between comments, each parsed twice (once to check the
cuts, before any record is handed on, once to build its replies), with the pages of the
file let go as the pieces pass: at a million comments the process peaks below 1 GB instead
of 3.5 GB. Every cut and the document around the array are checked to be exactly what
parsing the whole document gives (see ``tearcorpus.parsers._ytdlp_document``); at any
doubt (the key nested or repeated, a cut file, bytes orjson refuses), and for any other
file, the whole document is read at once as before, so errors and their line numbers are
unchanged.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Final

from .._version import __version__
from ..errors import ParseError
from ..model import (
    Author,
    JsonValue,
    Platform,
    Post,
    Provenance,
    Record,
    Reply,
    TimePrecision,
    maker,
)
from ._base import ParseContext
from ._common import epoch_to_utc, json_type
from ._fields import COUNT, EPOCH, FLAG, RAW, TEXT, Slots, pop_text
from ._times import TimeReader
from ._ytdlp_document import _load, _open_pieces, _Pieces

__all__ = ["BINARY", "SPANS", "description", "name", "parse", "sniff"]

name = "ytdlp"
description = "yt-dlp .info.json (--write-info-json --write-comments): the video and its comments"
BINARY = False
SPANS = False

#: Keys that only a yt-dlp info dict (or one of its format entries) has near its top.
_MARKERS: Final = re.compile(
    rb'"(?:extractor|extractor_key|webpage_url|webpage_url_basename|display_id|fulltitle'
    rb'|format_id|vcodec|acodec|_type|_version|formats|original_url)"\s*:'
)
_PARENT_ROOT: Final = re.compile(rb'"parent"\s*:\s*"root"')
_UPLOAD_DATE: Final = re.compile(r"\d{8}")
_YOUTUBE: Final = Platform.YOUTUBE
_DAY: Final = TimePrecision.DAY


def sniff(head: bytes, path: str) -> int:
    """A JSON object with several yt-dlp-only keys (``extractor``, ``formats`` ...)."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped.startswith(b"{"):
        return 0
    markers = {m.group(0).split(b'"')[1] for m in _MARKERS.finditer(stripped)}
    score = 0
    if len(markers) >= 2:
        score = 90
    elif markers or _PARENT_ROOT.search(stripped):
        score = 40
    if score and path.endswith((".info.json", ".info.json.gz", ".info.json.zst")):
        score += 5
    return score


#: The video's slots (its ``id`` is read before; ``comments`` become replies).
_VIDEO: Final = (
    Slots()
    .add("id", RAW)
    .add("comments", RAW)
    .add("title", TEXT)
    .add("description", TEXT)
    .add("channel", TEXT)
    .add("channel_url", TEXT)
    .add("channel_id", TEXT)
    .add("channel_is_verified", FLAG)
    .add("timestamp", EPOCH)
    .add("webpage_url", TEXT)
    .add("like_count", COUNT)
    .add("view_count", COUNT)
    .add("comment_count", COUNT)
)


def _post(ctx: ParseContext, info: Mapping[str, JsonValue], video_id: str) -> Post:
    values, extra = _VIDEO.take(info, ctx)
    (_, _, title, text, channel, channel_url, channel_id, verified, timestamp) = values[:9]
    url, like_count, view_count, comment_count = values[9:]
    # Older versions name the channel ``uploader``.
    if channel is None:
        channel = pop_text(extra, "uploader", ctx)
    if channel_url is None:
        channel_url = pop_text(extra, "uploader_url", ctx)
    author = None
    if channel_id is not None or channel is not None or channel_url is not None:
        author = Author(
            id=channel_id,
            name=channel,
            url=channel_url,
            is_uploader=True,  # the post's own author: see docs/model.md
            is_verified=verified is True,
        )
    created = None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)
    precision = None if created is None else TimePrecision.EXACT
    if created is None and info.get("timestamp") is None:
        created = _upload_date(info.get("upload_date"))
        if created is not None:
            del extra["upload_date"]
            precision = TimePrecision.DAY
    return Post(
        id=video_id,
        platform=Platform.YOUTUBE,
        title=title,
        text=text or "",
        author=author,
        created_at=created,
        created_at_estimated=precision is TimePrecision.DAY,
        created_at_precision=precision,
        url=url,
        like_count=like_count,
        view_count=view_count,
        comment_count=comment_count,
        extra=extra,
        provenance=ctx.provenance(),
    )


def _upload_date(value: object) -> datetime | None:
    """``YYYYMMDD`` as midnight UTC of that day; ``None`` when it is not one."""
    if not isinstance(value, str) or not _UPLOAD_DATE.fullmatch(value):
        return None
    try:
        return datetime(int(value[:4]), int(value[4:6]), int(value[6:]), tzinfo=UTC)
    except ValueError:
        return None


def _depths(
    parents: Mapping[str, str | None], known: Mapping[str, int] | None = None
) -> dict[str, int | None]:
    """Depth of every comment from its parent chain, whatever the order of the list;
    a chain stops at a comment whose depth is *known*.

    ``None`` where the chain reaches a parent missing from the file, or loops.
    """
    depths: dict[str, int | None] = dict(known) if known else {}
    for start, parent in parents.items():
        if start in depths:
            continue
        # The usual cases first: a top-level comment, or a reply after its parent.
        if parent is None:
            depths[start] = 0
            continue
        if parent in depths:
            above = depths[parent]
            depths[start] = None if above is None else above + 1
            continue
        chain: list[str] = []
        on_chain: set[str] = set()
        node: str | None = start
        while node is not None and node not in depths and node not in on_chain and node in parents:
            chain.append(node)
            on_chain.add(node)
            node = parents[node]
        # -1 above a top-level comment; None past a missing parent or round a loop.
        base = -1 if node is None else depths.get(node)
        for item in reversed(chain):
            base = None if base is None else base + 1
            depths[item] = base
    return depths


def _reject_comment(ctx: ParseContext, comment: object, index: int) -> None:
    """Report a comment that is no object, or has no string ``id``."""
    if not isinstance(comment, dict):
        kind = json_type(comment)
        ctx.reject("invalid-comment", f"comment is a JSON {kind}, not an object", index=index)
    else:
        ctx.reject("missing-id", "comment has no string 'id'", index=index)


def _drop_repeat(ctx: ParseContext, cid: str, index: int) -> None:
    """Count a comment listed again (yt-dlp lists the pinned one twice)."""
    ctx.drop("duplicate-comment", f"comment {cid!r} repeats an earlier one", index=index)


def _comments(
    ctx: ParseContext, raw: list[JsonValue], start: int = 0, known: Mapping[str, int] | None = None
) -> tuple[dict[str, int], dict[str, str | None]]:
    """The well-formed, first-seen comments from list index *start* on: their index and
    the id each answers (``None`` for a top-level one), both by comment id in list order;
    the rest reported.

    *known* holds the depths of the comments kept before *start* (by :func:`_replies_of`):
    they are in the parents returned, as top-level comments, and a repeat of one is
    dropped.

    Flat dicts, no object per comment: a million comments stay out of the cyclic
    garbage collector's way.
    """
    kept: dict[str, int] = {}
    parents: dict[str, str | None] = dict.fromkeys(known) if known else {}
    for index, comment in enumerate(itertools.islice(raw, start, None), start):
        if type(comment) is not dict and not isinstance(comment, dict):
            _reject_comment(ctx, comment, index)
            continue
        cid = comment.get("id")
        if type(cid) is not str or not cid:
            _reject_comment(ctx, comment, index)
            continue
        if cid in parents:
            _drop_repeat(ctx, cid, index)
            continue
        kept[cid] = index
        parent = comment.get("parent")
        if type(parent) is not str or not parent or parent == "root":
            parent = None  # a top-level comment
        parents[cid] = parent
    return kept, parents


_fromtimestamp: Final = datetime.fromtimestamp

#: A comment's slots (``id`` and ``parent`` were read when it was listed).
_COMMENT: Final = (
    Slots()
    .add("id", RAW)
    .add("parent", RAW)
    # The relative time: ``_time_text`` in recent versions, ``time_text`` before.
    .add(("_time_text", "time_text"), TEXT)
    .add("author_id", TEXT)
    .add("author", TEXT)
    .add("author_url", TEXT)
    .add("author_is_uploader", FLAG)
    .add("author_is_verified", FLAG)
    .add("timestamp", EPOCH)
    .add("text", TEXT)
    .add("like_count", COUNT)
    .add("is_pinned", FLAG)
    .add("is_favorited", FLAG)
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
    "created_at_estimated",
    "created_at_precision",
    "like_count",
    "depth",
    "is_pinned",
    "is_hearted",
    "is_edited",
    "extra",
    "provenance",
    platform=_YOUTUBE,
)
_make_author: Final = maker(Author, "id", "name", "url", "is_uploader", "is_verified")
_make_provenance: Final = maker(Provenance, "source", "format", "index", "parser_version")


def _reply(
    ctx: ParseContext,
    comment: Mapping[str, JsonValue],
    index: int,
    video_id: str,
    depth: int | None,
    parent: str | None,
    times: TimeReader,
) -> Reply:
    """The reply of one listed comment: its id and *parent* were checked already."""
    values, extra = _COMMENT.take(comment, ctx)
    (comment_id, _, time_text, author_id, author_name, author_url, is_uploader, is_verified,
     timestamp, text, like_count, is_pinned, is_hearted) = values  # fmt: skip
    author = None
    if author_id is not None or author_name is not None or author_url is not None:
        author = _make_author(
            author_id, author_name, author_url, is_uploader is True, is_verified is True
        )
    created = None if timestamp is None else _fromtimestamp(timestamp, UTC)
    precision = None if created is None else _DAY
    edited = False
    if time_text is not None:
        extra["time_text"] = time_text
        # A timestamp of the wrong type is kept in extra: the text is not read then.
        derive = "timestamp" not in extra
        created, precision, edited, anchor = times.interpret(time_text, created, derive=derive)
        if anchor is not None:
            extra["time_anchor"] = dict(anchor)
    provenance = _make_provenance(ctx.provenance_source, ctx.format, index, __version__)
    return _make_reply(
        comment_id,
        video_id,
        parent,
        text or "",
        author,
        created,
        created is not None,
        precision,
        like_count,
        depth,
        is_pinned is True,
        is_hearted is True,
        edited,
        extra,
        provenance,
    )


def _in_cycle(start: str, parents: Mapping[str, str | None]) -> bool:
    """True when following parents from *start* comes back to it."""
    seen: set[str] = set()
    node: str | None = start
    while node is not None and node in parents and node not in seen:
        seen.add(node)
        node = parents[node]
        if node == start:
            return True
    return False


def parse(ctx: ParseContext) -> Iterator[Record]:
    pieces = _open_pieces(ctx)
    try:
        yield from _parse(ctx, _load(ctx) if pieces is None else pieces.info, pieces)
    finally:
        if pieces is not None:
            pieces.close()


def _parse(ctx: ParseContext, info: JsonValue, pieces: _Pieces | None) -> Iterator[Record]:
    """The records of the document *info*; its comments from *pieces* when given (then
    ``info["comments"]`` only stands in for them)."""
    if not isinstance(info, dict):
        raise ParseError(
            ctx.source,
            f"expected a JSON object (a yt-dlp .info.json), got a JSON {json_type(info)}",
        )
    if _is_playlist(info):
        raise ParseError(
            ctx.source,
            "a playlist .info.json holds no comments; read each video's own .info.json",
        )
    video_id = info.get("id")
    if not isinstance(video_id, str) or not video_id:
        raise ParseError(ctx.source, "no video 'id': not a yt-dlp video .info.json")
    # Relative times are counted back from the scrape time the file states.
    times = TimeReader(ctx, epoch_to_utc(info.get("epoch"), strings=False))
    chunks: Iterator[list[JsonValue]]
    if pieces is not None:
        chunks = pieces.lists(ctx)
    else:
        raw = info.get("comments")
        if raw is not None and not isinstance(raw, list):
            raise ParseError(ctx.source, f"'comments' is a JSON {json_type(raw)}, expected a list")
        if raw is None:
            yield _post(ctx, info, video_id)
            ctx.note("no-comments")  # downloaded without --write-comments
            return
        chunks = iter((raw,))
    if ctx.strict:
        # A bad comment raises before any record is handed on.
        raw = _rest([], 0, chunks)
        kept, parents = _comments(ctx, raw)
        yield _post(ctx, info, video_id)
        yield from _listed(ctx, raw, video_id, kept, parents, times)
        return
    yield _post(ctx, info, video_id)
    yield from _replies_of(ctx, chunks, video_id, times)


#: Extractors whose info dict is a playlist or a channel tab, never a video
#: (``extractor`` and ``extractor_key`` spellings, lower case).
_LIST_EXTRACTORS: Final = frozenset(
    {"youtube:tab", "youtube:playlist", "youtubetab", "youtubeplaylist", "youtubechannel"}
)
#: The last part of a playlist's or a channel tab's URL (``webpage_url_basename``).
_LIST_BASENAMES: Final = frozenset(
    {
        "playlist",
        "playlists",
        "videos",
        "streams",
        "shorts",
        "featured",
        "live",
        "podcasts",
        "releases",
        "community",
        "channels",
        "search",
        "results",
    }
)


def _is_playlist(info: Mapping[str, JsonValue]) -> bool:
    """A playlist or channel-tab info dict: ``_type`` says so, or (older yt-dlp, which
    leaves ``_type`` out) its extractor or its URL's last part does."""
    kind = info.get("_type")
    if kind is not None:
        return kind in ("playlist", "multi_video")
    if isinstance(info.get("entries"), list):
        return True
    extractor = info.get("extractor")
    key = info.get("extractor_key")
    names = {v.lower() for v in (extractor, key) if isinstance(v, str)}
    if names & _LIST_EXTRACTORS:
        return True
    basename = info.get("webpage_url_basename")
    return "youtube" not in names and isinstance(basename, str) and basename in _LIST_BASENAMES


def _rest(chunk: list[JsonValue], base: int, chunks: Iterator[list[JsonValue]]) -> list[JsonValue]:
    """The comment list from *chunk* (whose first item is comment *base*) and the
    *chunks* after it, with ``None`` for the *base* comments before: *chunk* itself when
    it is the first and the last."""
    raw = chunk if base == 0 else [None] * base + chunk
    for more in chunks:
        raw += more
    return raw


def _replies_of(
    ctx: ParseContext, chunks: Iterator[list[JsonValue]], video_id: str, times: TimeReader
) -> Iterator[Reply]:
    """The replies of the comment list given as consecutive *chunks*, listed, threaded
    and built in one pass while every reply comes after its parent (as yt-dlp writes
    them): the same records, notes and reports, in the same order, as :func:`_comments`
    then :func:`_listed`, to which the rest of the list (this chunk on, see
    :func:`_rest`) goes at the first reply whose parent is not seen yet.

    One dict (each kept comment's depth, by id) instead of :func:`_comments`' two, and
    one walk over the comments instead of two: at a million comments, most of the time
    of a pass is spent fetching each comment's dict from memory. Each comment built is
    taken out of its chunk (``None`` in its place), so that its dict is freed while
    still in the cache, not in a walk over all of them at the end.
    """
    depths: dict[str, int] = {}
    reply = _reply
    base = 0
    for chunk in chunks:
        for index, comment in enumerate(chunk, base):
            if type(comment) is not dict and not isinstance(comment, dict):
                _reject_comment(ctx, comment, index)
                continue
            cid = comment.get("id")
            if type(cid) is not str or not cid:
                _reject_comment(ctx, comment, index)
                continue
            if cid in depths:
                _drop_repeat(ctx, cid, index)
                continue
            parent = comment.get("parent")
            if type(parent) is not str or not parent or parent == "root":
                parent = None  # a top-level comment
            if parent is None:
                depth = 0
            else:
                above = depths.get(parent)
                if above is None:  # a parent not seen (yet): the general pass decides
                    raw = _rest(chunk, base, chunks)
                    kept, parents = _comments(ctx, raw, index, depths)
                    yield from _listed(ctx, raw, video_id, kept, parents, times, depths)
                    return
                depth = above + 1
            depths[cid] = depth
            record = reply(ctx, comment, index, video_id, depth, parent, times)
            chunk[index - base] = None
            yield record
        base += len(chunk)


def _listed(
    ctx: ParseContext,
    raw: list[JsonValue],
    video_id: str,
    kept: Mapping[str, int],
    parents: Mapping[str, str | None],
    times: TimeReader,
    known: Mapping[str, int] | None = None,
) -> Iterator[Reply]:
    """The replies of the comments :func:`_comments` kept, their depths walked from the
    parent chains (stopping at *known* ones), with the orphans and loops noted."""
    depths = _depths(parents, known)
    for cid, parent in parents.items():
        if parent is not None and parent not in parents:
            ctx.note("orphan-reply")
        elif depths[cid] is None and _in_cycle(cid, parents):
            ctx.note("reply-cycle")
    for cid, index in kept.items():
        comment = raw[index]
        assert type(comment) is dict or isinstance(comment, dict)  # as _comments kept it
        yield _reply(ctx, comment, index, video_id, depths[cid], parents[cid], times)
