"""The threads shown in the report's thread browser: a bounded number, gathered in a
second pass over the records once the first pass has told which (the largest, and a
sample chosen by a hash of the post id).

Every thread keeps its post and at most *per_thread* replies (the first met, with their
ancestors' links kept as they are: a reply whose parent is not shown is marked so), and
every text is cut to *text_chars* characters: the page stays small whatever the corpus.
A reply seen twice (two scrapes) is merged by id as everywhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final, TypedDict

from attrs import define, field

from ..merge import merge
from ..model import Author, Post, Record, Reply

__all__ = ["TEXT_CHARS", "BrowserReply", "BrowserThread", "ThreadData", "gather_threads"]

#: Characters of a text kept for the browser; the rest is cut with a mark.
TEXT_CHARS: Final = 1_500


class BrowserReply(TypedDict):
    """A reply as the page's script reads it (short keys: the page stays small)."""

    #: The parent's index among the replies shown; -1: the post; ``None``: not shown.
    p: int | None
    #: Author (name, else id), uploader mark, time, likes, text, flags.
    a: str | None
    u: bool
    t: str | None
    l: int | None  # noqa: E741 - the page's key
    x: str
    f: list[str]


class ThreadData(TypedDict):
    """A thread as the page's script reads it (:meth:`BrowserThread.to_json`)."""

    id: str
    why: str
    title: str | None
    text: str | None
    a: str | None
    t: str | None
    l: int | None  # noqa: E741 - the page's key
    platform: str | None
    size: int
    shown: int
    r: list[BrowserReply]


@define
class BrowserThread:
    """One thread for the browser: why it was chosen, its post and its first replies."""

    post_id: str
    #: ``largest`` or ``sample``.
    why: str
    #: Replies in the corpus (from the statistics pass), when known.
    size: int | None
    post: Post | None = None
    replies: dict[str, Reply] = field(factory=dict)
    #: Replies met past the cap (not shown).
    left_out: int = 0

    def to_json(self, text_chars: int) -> ThreadData:
        """The thread as the page's script reads it (short keys: the page stays small)."""
        post = self.post
        shown = list(self.replies.values())
        index = {reply.id: i for i, reply in enumerate(shown)}
        rows: list[BrowserReply] = []
        for reply in shown:
            parent = reply.parent_id
            # -1: the post; None: a reply that is not shown.
            up = -1 if parent is None or parent == self.post_id else index.get(parent)
            rows.append(
                {
                    "p": up,
                    "a": _author(reply.author),
                    "u": bool(reply.author is not None and reply.author.is_uploader),
                    "t": _time(reply),
                    "l": reply.like_count,
                    "x": _cut(reply.text, text_chars),
                    "f": [
                        flag
                        for flag, on in (
                            ("pinned", reply.is_pinned),
                            ("hearted", reply.is_hearted),
                            ("edited", reply.is_edited),
                            ("deleted", reply.is_deleted),
                            ("removed", reply.is_removed),
                        )
                        if on
                    ],
                }
            )
        size = self.size if self.size is not None else len(shown) + self.left_out
        return {
            "id": self.post_id,
            "why": self.why,
            "title": _cut(post.title or "", 300) if post is not None else None,
            "text": _cut(post.text, text_chars) if post is not None else None,
            "a": _author(post.author) if post is not None else None,
            "t": _time(post) if post is not None else None,
            "l": post.like_count if post is not None else None,
            "platform": post.platform.value if post is not None else None,
            "size": size,
            "shown": len(shown),
            "r": rows,
        }


def _author(author: Author | None) -> str | None:
    """The name shown for *author*: the display name (a pseudonym when anonymised),
    else the id."""
    if author is None:
        return None
    return author.name or author.id


def _time(record: Record) -> str | None:
    when = record.created_at
    if when is None:
        return None
    text = when.strftime("%Y-%m-%d %H:%M")
    return f"~{text[:10]}" if record.created_at_estimated else text


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + " […]"


def gather_threads(
    records: Iterable[Record],
    chosen: Mapping[str, tuple[str, int | None]],
    *,
    per_thread: int,
) -> list[BrowserThread]:
    """The threads of *chosen* (post id → (why, size)) from *records*, in the order of
    *chosen*, each with at most *per_thread* replies."""
    threads = {key: BrowserThread(key, why, size) for key, (why, size) in chosen.items()}
    for record in records:
        if type(record) is Reply:
            thread = threads.get(record.post_id)
            if thread is None:
                continue
            old = thread.replies.get(record.id)
            if old is not None:
                merged = merge(old, record)
                assert isinstance(merged, Reply)
                thread.replies[record.id] = merged
            elif len(thread.replies) < per_thread:
                thread.replies[record.id] = record
            else:
                thread.left_out += 1
        elif isinstance(record, Post):
            thread = threads.get(record.id)
            if thread is not None:
                merged_post = record if thread.post is None else merge(thread.post, record)
                assert isinstance(merged_post, Post)
                thread.post = merged_post
    return list(threads.values())
