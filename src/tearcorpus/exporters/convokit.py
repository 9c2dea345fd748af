"""ConvoKit corpus folder: what ``convokit.Corpus(filename=OUTDIR)`` loads.

The five files of ConvoKit's corpus format, written as its loader reads them (and as its
``Corpus.dump`` writes them), plus our ``manifest.json``, which ConvoKit ignores:

- ``utterances.jsonl``: one utterance a line, every post and reply, in input order:
  ``id``, ``speaker`` (the author's id, else name, else ``[unknown]``; pseudonyms when
  anonymised), ``conversation_id`` (the post id: a conversation is a thread, the post its
  root utterance), ``reply_to`` (``null`` for the post, the post id for a direct reply,
  else the parent reply's id), ``timestamp`` (Unix seconds, or ``null``), ``text``,
  ``meta`` and ``vectors`` (empty);
- ``speakers.json``: ``{speaker id: {"meta": {"name": ...}, "vectors": []}}``;
- ``conversations.json``: ``{post id: {"meta": {title, url, platform, ...}, "vectors": []}}``;
- ``corpus.json``: the corpus's metadata (counts, tearcorpus version);
- ``index.json``: the metadata index ConvoKit reads first: ``utterances-index``,
  ``speakers-index``, ``conversations-index``, ``overall-index`` (each metadata key with
  the Python types of its values, ``["<class 'int'>"]``, an empty list for a key whose
  values are all ``null``, as ConvoKit records them), ``version`` and ``vectors``.

Every conversation is a tree ConvoKit can walk: exactly one root, every ``reply_to``
found in the corpus. Input that would break that is repaired and flagged, never dropped:

- a thread whose post is missing (or a placeholder known by its id) gets a placeholder
  root utterance (id the post id, speaker ``[unknown]``, empty text,
  ``meta.placeholder`` true): ``missing-post``, counted once a thread;
- a reply whose parent is not in the input answers the post instead
  (``meta.reattached`` is ``"missing-parent"``, ``meta.parent_id`` keeps the parent):
  ``missing-parent``;
- parent links that loop: the loop's earliest reply (in input order) answers the post
  (``meta.reattached`` is ``"parent-cycle"``): ``parent-cycle``.

Utterance ids must be unique across a ConvoKit corpus; a post and a reply sharing an id
(possible on Reddit, whose submissions and comments have separate id spaces) stop the
export with an error, and nothing is written.

Memory is bounded as for ``--to messages``: records are gathered by thread (and
speakers by id) and spilled beside the output past a limit (:mod:`tearcorpus._groups`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Final, TypedDict

import orjson

from .._atomic import OutputDir
from .._byid import KEYS_IN_MEMORY, KeyCheck, beside
from .._groups import Built, ByKey, Group, Groups
from .._version import __version__
from ..conversations import (
    MISSING_PARENT,
    MISSING_POST,
    PARENT_CYCLE,
    is_uploader,
    thread_id,
)
from ..errors import ExportError
from ..merge import is_placeholder
from ..model import Author, Post, Record, Reply
from ..report import Report
from ._base import ExportOptions, ExportResult, export_records, manifest

__all__ = [
    "FILES",
    "UNKNOWN_SPEAKER",
    "ConvoKitExport",
    "description",
    "export",
    "name",
    "open",
    "speaker_id",
    "write_convokit",
]

name = "convokit"
description = (
    "ConvoKit corpus folder: utterances.jsonl, speakers.json, conversations.json, "
    "corpus.json, index.json"
)

#: The corpus files, as ConvoKit names them.
FILES: Final = (
    "utterances.jsonl",
    "speakers.json",
    "conversations.json",
    "corpus.json",
    "index.json",
)
#: The speaker of an utterance whose author the source does not name.
UNKNOWN_SPEAKER: Final = "[unknown]"
#: ``index.json``'s ``version`` (what ConvoKit writes for a corpus dumped once).
INDEX_VERSION: Final = 1

# Output channels of a thread's build, in the order they interleave.
_UTTERANCE: Final = 0
_CONVERSATION: Final = 1


class UtteranceMeta(TypedDict):
    """An utterance's ``meta``: the same keys, in the same order, for posts and replies
    (the reply-only ones ``null`` on posts)."""

    kind: str
    platform: str | None
    title: str | None
    url: str | None
    parent_id: str | None
    reattached: str | None
    placeholder: bool
    is_uploader: bool
    like_count: int | None
    depth: int | None
    created_at_estimated: bool
    is_pinned: bool
    is_hearted: bool
    is_edited: bool
    is_deleted: bool
    is_removed: bool


class Utterance(TypedDict):
    """A line of ``utterances.jsonl``."""

    id: str
    speaker: str
    conversation_id: str
    reply_to: str | None
    #: Unix seconds.
    timestamp: int | None
    text: str
    meta: UtteranceMeta
    vectors: list[str]


class ConversationMeta(TypedDict):
    """A conversation's ``meta`` in ``conversations.json``."""

    title: str | None
    url: str | None
    platform: str | None
    author: str | None
    view_count: int | None
    comment_count: int | None
    like_count: int | None
    has_post: bool


class _Conversation(TypedDict):
    """A thread's conversation entry, as its build gives it."""

    id: str
    meta: ConversationMeta


def speaker_id(author: Author | None) -> str:
    """An utterance's speaker: the author's id, else name, else :data:`UNKNOWN_SPEAKER`."""
    if author is None:
        return UNKNOWN_SPEAKER
    return author.id or author.name or UNKNOWN_SPEAKER


def open(outdir: str, options: ExportOptions) -> ConvoKitExport:
    """Start a ConvoKit export into *outdir*."""
    return ConvoKitExport(outdir, options)


def export(records: Iterable[Record], outdir: str, options: ExportOptions) -> ExportResult:
    from . import convokit  # this module, the Exporter

    return export_records(convokit, records, outdir, options)


class _TypeIndex:
    """The types of each metadata key's values, as ConvoKit's index records them: in the
    order first seen, ``None`` never listed (a key seen only with ``None`` has none)."""

    def __init__(self) -> None:
        self.types: dict[str, list[str]] = {}

    def note(self, meta: Mapping[str, object]) -> None:
        types = self.types
        for key, value in meta.items():
            seen = types.get(key)
            if seen is None:
                types[key] = seen = []
            if value is not None:
                kind = str(type(value))
                if kind not in seen:
                    seen.append(kind)


def _timestamp(record: Record) -> int | None:
    when = record.created_at
    return None if when is None else int(when.timestamp())


class _ThreadBuilder:
    """The utterances and the conversation entry of one thread (a
    :data:`tearcorpus._groups.Build`). Orders: a record numbered *n* is ``2n + 2``, a
    placeholder root and the conversation entry ``2f + 1`` (*f* the thread's first)."""

    def __init__(self) -> None:
        self.notes: Counter[str] = Counter()
        self.placeholders = 0

    def __call__(self, group: Group[Record]) -> Iterator[Built[Utterance | _Conversation]]:
        post: Post | None = None
        post_number = 0
        replies: list[tuple[int, Reply]] = []
        for number, record in group:
            if isinstance(record, Post):
                post, post_number = record, number
            else:
                replies.append((number, record))
        first = group[0][0]
        thread = thread_id(group[0][1])
        real = post is not None and not is_placeholder(post)
        if not real:
            self.notes[MISSING_POST] += 1
            self.placeholders += 1
        yield 2 * post_number + 2 if real else 2 * first + 1, _UTTERANCE, _root(thread, post, real)
        yield 2 * first + 1, _CONVERSATION, {"id": thread, "meta": _conversation_meta(post, real)}
        answers = self._answers(thread, replies)
        for number, reply in replies:
            reply_to, reason = answers[reply.id]
            if reason is not None:
                self.notes[reason] += 1
            yield 2 * number + 2, _UTTERANCE, _reply_utterance(reply, post, reply_to, reason)

    def _answers(
        self, thread: str, replies: list[tuple[int, Reply]]
    ) -> dict[str, tuple[str, str | None]]:
        """Each reply's ``reply_to`` and, when it is not the source's parent, why."""
        ids = {reply.id for _, reply in replies}
        answers: dict[str, tuple[str, str | None]] = {}
        for _, reply in replies:
            parent = reply.parent_id
            if parent is None or parent == thread:
                answers[reply.id] = (thread, None)
            elif parent == reply.id:
                answers[reply.id] = (thread, PARENT_CYCLE)
            elif parent in ids:
                answers[reply.id] = (parent, None)
            else:
                answers[reply.id] = (thread, MISSING_PARENT)
        # Loops: walk up from each reply in input order; a walk that comes back on itself
        # found a loop, broken at its earliest reply.
        order = {reply.id: index for index, (_, reply) in enumerate(replies)}
        done: set[str] = set()
        for _, reply in replies:
            path: list[str] = []
            on_path: set[str] = set()
            current = reply.id
            while current != thread and current not in done and current not in on_path:
                path.append(current)
                on_path.add(current)
                current = answers[current][0]
            if current in on_path:
                loop = path[path.index(current) :]
                earliest = min(loop, key=order.__getitem__)
                answers[earliest] = (thread, PARENT_CYCLE)
            done.update(path)
        return answers


def _root(thread: str, post: Post | None, real: bool) -> Utterance:
    """The thread's root utterance: its post; where the post is missing (or a placeholder
    known by its id), an empty one by :data:`UNKNOWN_SPEAKER`, marked ``placeholder``."""
    shown = post if real else None
    meta = _meta(
        post,
        kind="post",
        title=shown.title if shown else None,
        url=shown.url if shown else None,
        uploader=real,
    )
    meta["placeholder"] = not real
    return {
        "id": thread,
        "speaker": speaker_id(shown.author) if shown else UNKNOWN_SPEAKER,
        "conversation_id": thread,
        "reply_to": None,
        "timestamp": _timestamp(shown) if shown else None,
        "text": shown.text if shown else "",
        "meta": meta,
        "vectors": [],
    }


def _reply_utterance(
    reply: Reply, post: Post | None, reply_to: str, reason: str | None
) -> Utterance:
    meta = _meta(reply, kind="reply", title=None, url=None, uploader=is_uploader(reply, post))
    meta["parent_id"] = reply.parent_id
    meta["reattached"] = reason
    meta["depth"] = reply.depth
    meta["is_pinned"] = reply.is_pinned
    meta["is_hearted"] = reply.is_hearted
    return {
        "id": reply.id,
        "speaker": speaker_id(reply.author),
        "conversation_id": reply.post_id,
        "reply_to": reply_to,
        "timestamp": _timestamp(reply),
        "text": reply.text,
        "meta": meta,
        "vectors": [],
    }


def _meta(
    record: Record | None, *, kind: str, title: str | None, url: str | None, uploader: bool
) -> UtteranceMeta:
    """The metadata every utterance has, in one order (a post's lacks nothing a reply's
    has: the reply-only keys are ``null`` on posts)."""
    return {
        "kind": kind,
        "platform": record.platform.value if record is not None else None,
        "title": title,
        "url": url,
        "parent_id": None,
        "reattached": None,
        "placeholder": False,
        "is_uploader": uploader,
        "like_count": record.like_count if record is not None else None,
        "depth": None,
        "created_at_estimated": record.created_at_estimated if record is not None else False,
        "is_pinned": False,
        "is_hearted": False,
        "is_edited": record.is_edited if record is not None else False,
        "is_deleted": record.is_deleted if record is not None else False,
        "is_removed": record.is_removed if record is not None else False,
    }


def _conversation_meta(post: Post | None, real: bool) -> ConversationMeta:
    return {
        "title": post.title if post is not None else None,
        "url": post.url if post is not None else None,
        "platform": post.platform.value if post is not None else None,
        "author": speaker_id(post.author) if post is not None and real else None,
        "view_count": post.view_count if post is not None else None,
        "comment_count": post.comment_count if post is not None else None,
        "like_count": post.like_count if post is not None else None,
        "has_post": real,
    }


def _speaker_build(
    group: Group[tuple[str, str | None]],
) -> Iterator[Built[tuple[str, dict[str, str | None]]]]:
    """One speaker's entry (a :data:`~tearcorpus._groups.Build`): the first name seen."""
    number, (speaker, name) = group[0]
    if name is None:
        name = next((n for _, (_, n) in group if n is not None), None)
    yield number, 0, (speaker, {"name": name})


class _JsonObject:
    """A JSON object written a member at a time to *handle*."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.count = 0
        handle.write(b"{")

    def add(self, key: str, value: object) -> None:
        self.handle.write(b"," if self.count else b"")
        self.handle.write(orjson.dumps(key) + b":" + orjson.dumps(value))
        self.count += 1

    def close(self) -> None:
        self.handle.write(b"}\n")


class ConvoKitExport:
    """A ConvoKit export under way (an :class:`~tearcorpus.exporters.ExportWriter`)."""

    def __init__(self, outdir: str, options: ExportOptions) -> None:
        self.outdir = outdir
        self.options = options
        self.posts = self.replies = 0
        self.out = OutputDir(outdir, overwrite=options.overwrite)
        self.threads = Groups(beside(outdir))
        self.speakers: ByKey[str, tuple[str, str | None]] = ByKey(beside(outdir))

    def write(self, records: Iterable[Record]) -> None:
        add_record, add_speaker = self.threads.add, self.speakers.add
        for record in records:
            if isinstance(record, Post):
                self.posts += 1
                if record.extra.get("placeholder") is True:
                    add_record(record.id, record)
                    continue  # its speaker is the placeholder root's
            else:
                self.replies += 1
            add_record(thread_id(record), record)
            author = record.author
            speaker = speaker_id(author)
            add_speaker(speaker, (speaker, None if author is None else author.name))

    def close(self) -> ExportResult:
        try:
            return self._finish()
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        self.threads.close()
        self.speakers.close()
        self.out.abort()

    def _finish(self) -> ExportResult:
        out = self.out
        # ConvoKit's index names, in the order of its index.json.
        kinds = ("utterances", "speakers", "conversations", "overall")
        indexes = {kind: _TypeIndex() for kind in kinds}
        check = KeyCheck(beside(self.outdir))
        builder = _ThreadBuilder()
        utterances = out.open("utterances.jsonl")
        conversations = _JsonObject(out.open("conversations.json"))
        count = 0
        try:
            keys = check.keys
            for channel, item in self.threads.build(builder):
                if channel == _UTTERANCE:
                    indexes["utterances"].note(item["meta"])
                    utterances.write(orjson.dumps(item, option=orjson.OPT_APPEND_NEWLINE))
                    keys.append(hash(item["id"]))
                    count += 1
                    if len(keys) >= KEYS_IN_MEMORY:
                        check.spill()
                        keys = check.keys
                else:
                    indexes["conversations"].note(item["meta"])
                    conversations.add(item["id"], {"meta": item["meta"], "vectors": []})
            conversations.close()
            self.threads.close()
            if check.repeated():
                raise ExportError(
                    f"{self.outdir}: two utterances share an id (a post and a reply with "
                    "the same id, which ConvoKit cannot tell apart); nothing was written"
                )
        finally:
            check.close()
        if builder.placeholders:
            self.speakers.add(UNKNOWN_SPEAKER, (UNKNOWN_SPEAKER, None))
        speakers = _JsonObject(out.open("speakers.json"))
        for _channel, (speaker, meta) in self.speakers.build(_speaker_build):
            indexes["speakers"].note(meta)
            speakers.add(speaker, {"meta": meta, "vectors": []})
        speakers.close()
        self.speakers.close()
        corpus = {
            "generator": "tearcorpus",
            "tearcorpus_version": __version__,
            "num_conversations": conversations.count,
            "num_utterances": count,
            "num_speakers": speakers.count,
            "num_posts": self.posts,
            "num_replies": self.replies,
            "num_placeholder_roots": builder.placeholders,
        }
        indexes["overall"].note(corpus)
        out.open("corpus.json").write(orjson.dumps(corpus) + b"\n")
        index = {
            **{f"{kind}-index": seen.types for kind, seen in indexes.items()},
            "version": INDEX_VERSION,
            "vectors": [],
        }
        out.open("index.json").write(orjson.dumps(index) + b"\n")
        notes = dict(sorted(builder.notes.items()))
        out.open("manifest.json").write(
            manifest(
                name,
                self.posts,
                self.replies,
                {file.split(".")[0]: file for file in FILES},
                self.options,
                utterances=count,
                conversations=conversations.count,
                speakers=speakers.count,
                notes=notes,
            )
        )
        written = out.commit()
        return ExportResult(name, self.outdir, written, self.posts, self.replies, notes=notes)


def write_convokit(
    records: Iterable[Record],
    outdir: str,
    *,
    overwrite: bool = False,
    report: Report | None = None,
) -> ExportResult:
    """Write *records* (a :class:`~tearcorpus.Corpus` or any iterable) as a ConvoKit corpus
    folder in *outdir* (see the module docs), atomically. *report* (by default a corpus's
    own) goes into the manifest."""
    return export(records, outdir, ExportOptions(overwrite=overwrite, report=report))
