"""Thread and corpus views over records: reply trees assembled and checked.

Assembly needs every record in memory (:class:`Corpus` says so in its name); the
streaming path (:func:`tearcorpus.iter_records` into an exporter) never builds one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypedDict

from attrs import define, field, frozen

from .merge import PLACEHOLDER, merge, merge_reason
from .model import Post, Record, Reply
from .report import Report

if TYPE_CHECKING:
    from .exporters import ExportResult

__all__ = ["Corpus", "Integrity", "IntegrityDict", "Thread"]


@define
class Thread:
    """A post and its reply tree.

    ``post`` is ``None`` when the input held replies to a post it did not include (a
    Pushshift comments month without its submissions): the thread is then known only by
    ``post_id``.
    """

    post_id: str
    post: Post | None
    #: Every reply of the thread, in input order.
    replies: tuple[Reply, ...]
    _by_id: dict[str, Reply] = field(init=False, repr=False)
    _children: dict[str | None, list[Reply]] = field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        self._by_id = {r.id: r for r in self.replies}
        children: dict[str | None, list[Reply]] = {}
        for reply in self.replies:
            parent = reply.parent_id
            if parent == self.post_id:
                parent = None
            children.setdefault(parent, []).append(reply)
        self._children = children

    def __len__(self) -> int:
        return len(self.replies)

    def get(self, reply_id: str) -> Reply | None:
        """The reply of the thread with id *reply_id*, or ``None``."""
        return self._by_id.get(reply_id)

    def roots(self) -> list[Reply]:
        """Direct replies to the post."""
        return list(self._children.get(None, ()))

    def children(self, reply_id: str) -> list[Reply]:
        """Direct replies to the reply *reply_id*, in input order."""
        return list(self._children.get(reply_id, ()))

    def parent(self, reply: Reply) -> Reply | None:
        """The reply *reply* answers, or ``None`` for a direct reply to the post."""
        return None if reply.parent_id is None else self._by_id.get(reply.parent_id)

    @property
    def orphans(self) -> tuple[Reply, ...]:
        """Replies whose parent is neither the post nor a reply of this thread."""
        return tuple(
            r
            for r in self.replies
            if r.parent_id not in (None, self.post_id) and r.parent_id not in self._by_id
        )

    def walk(self) -> Iterator[tuple[Reply, int]]:
        """Depth-first ``(reply, depth)`` pairs; depth 0 is a direct reply to the post.

        Orphans are walked as roots of their own subtrees after the real roots; replies
        caught in a parent cycle come last, at depth 0. Every reply is yielded once.
        """
        seen: set[str] = set()
        starts = self.roots() + list(self.orphans)
        for root in starts:
            yield from self._walk_from(root, seen)
        for reply in self.replies:
            if reply.id not in seen:
                yield from self._walk_from(reply, seen)

    def _walk_from(self, root: Reply, seen: set[str]) -> Iterator[tuple[Reply, int]]:
        stack: list[tuple[Reply, int]] = [(root, 0)]
        while stack:
            reply, depth = stack.pop()
            if reply.id in seen:
                continue
            seen.add(reply.id)
            yield reply, depth
            kids = self._children.get(reply.id, ())
            stack.extend((kid, depth + 1) for kid in reversed(kids))

    def depth(self, reply_id: str) -> int:
        """Steps from the post to *reply_id* (0 for a direct reply); cycles stop the count."""
        depth = 0
        reply = self._by_id[reply_id]
        visited = {reply.id}
        while reply.parent_id not in (None, self.post_id):
            parent = self._by_id.get(reply.parent_id) if reply.parent_id else None
            if parent is None or parent.id in visited:
                break
            visited.add(parent.id)
            reply = parent
            depth += 1
        return depth

    def cycles(self) -> list[tuple[str, ...]]:
        """Groups of reply ids whose parent links loop (never reachable from the post)."""
        found: list[tuple[str, ...]] = []
        done: set[str] = set()
        for reply in self.replies:
            path: list[str] = []
            on_path: set[str] = set()
            current: Reply | None = reply
            while current is not None and current.id not in done and current.id not in on_path:
                path.append(current.id)
                on_path.add(current.id)
                current = self.parent(current)
            if current is not None and current.id in on_path:
                found.append(tuple(path[path.index(current.id) :]))
            done.update(path)
        return found


class IntegrityDict(TypedDict):
    """:meth:`Integrity.to_dict`: the findings as plain JSON data."""

    duplicate_ids: list[str]
    orphans: list[str]
    cycles: list[list[str]]
    missing_posts: list[str]


@frozen
class Integrity:
    """What assembly found: nothing here is fatal, everything is reported."""

    #: Ids observed more than once (placeholders aside), merged into one record each.
    duplicate_ids: tuple[str, ...] = ()
    #: Replies whose parent is missing from the input.
    orphans: tuple[str, ...] = ()
    #: Reply-id loops.
    cycles: tuple[tuple[str, ...], ...] = ()
    #: Post ids that replies point to but the input does not hold.
    missing_posts: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """No duplicate id, orphan, cycle or missing post was found."""
        return not (self.duplicate_ids or self.orphans or self.cycles or self.missing_posts)

    def to_dict(self) -> IntegrityDict:
        """The findings as plain JSON data."""
        return {
            "duplicate_ids": list(self.duplicate_ids),
            "orphans": list(self.orphans),
            "cycles": [list(c) for c in self.cycles],
            "missing_posts": list(self.missing_posts),
        }


class Corpus:
    """Many threads, in memory. Iterating yields every record: posts, then replies.

    One record per id: a record whose id was seen before is folded into it by the merge
    policy of :mod:`tearcorpus.merge` (a real post replaces its placeholder; otherwise the
    newest observation's text and counts win, the earliest time is kept, a changed text
    sets ``is_edited`` and keeps the earlier one in ``extra["earlier_texts"]``). Each fold
    is counted in ``report.merged_by_reason``; the ids merged from real duplicates are listed in
    :meth:`integrity`. Records keep the place of their id's first observation.
    """

    def __init__(self, records: Iterable[Record] = (), *, report: Report | None = None) -> None:
        #: Counts from reading, when the corpus came from :func:`tearcorpus.read`, and the
        #: merges made here.
        self.report = report if report is not None else Report()
        self.posts: list[Post] = []
        self.replies: list[Reply] = []
        self._duplicates: dict[str, None] = {}  # ordered, without repeats
        post_index: dict[str, int] = {}
        reply_index: dict[str, int] = {}
        merged = self.report.merged_by_reason
        for record in records:
            if type(record) is Post:
                table: list[Any] = self.posts
                index = post_index
            else:
                table = self.replies
                index = reply_index
            at = index.get(record.id)
            if at is None:
                index[record.id] = len(table)
                table.append(record)
                continue
            old = table[at]
            reason = merge_reason(old, record)
            merged[reason] += 1
            if reason != PLACEHOLDER:
                self._duplicates[record.id] = None
            table[at] = merge(old, record)

    def __iter__(self) -> Iterator[Record]:
        yield from self.posts
        yield from self.replies

    def __len__(self) -> int:
        return len(self.posts) + len(self.replies)

    def __repr__(self) -> str:
        return f"<Corpus posts={len(self.posts)} replies={len(self.replies)}>"

    def threads(self) -> Iterator[Thread]:
        """One :class:`Thread` per post (in input order), then one per unknown post id."""
        by_post: dict[str, list[Reply]] = {}
        for reply in self.replies:
            by_post.setdefault(reply.post_id, []).append(reply)
        for post in self.posts:
            yield Thread(post.id, post, tuple(by_post.pop(post.id, ())))
        for post_id, replies in by_post.items():
            yield Thread(post_id, None, tuple(replies))

    def thread(self, post_id: str) -> Thread:
        """The thread of *post_id*; ``KeyError`` if no post or reply names it."""
        post = next((p for p in self.posts if p.id == post_id), None)
        replies = tuple(r for r in self.replies if r.post_id == post_id)
        if post is None and not replies:
            raise KeyError(post_id)
        return Thread(post_id, post, replies)

    def integrity(self) -> Integrity:
        """Check every thread: duplicate ids, orphans, cycles, replies to absent posts."""
        orphans: list[str] = []
        cycles: list[tuple[str, ...]] = []
        missing: list[str] = []
        for thread in self.threads():
            if thread.post is None:
                missing.append(thread.post_id)
            orphans.extend(r.id for r in thread.orphans)
            cycles.extend(thread.cycles())
        return Integrity(
            duplicate_ids=tuple(self._duplicates),
            orphans=tuple(orphans),
            cycles=tuple(cycles),
            missing_posts=tuple(missing),
        )

    def to_jsonl(self, outdir: str, *, overwrite: bool = False) -> ExportResult:
        """Write this corpus with :func:`tearcorpus.write_jsonl`; returns its result."""
        from .exporters.jsonl import write_jsonl

        return write_jsonl(self, outdir, overwrite=overwrite, report=self.report)
