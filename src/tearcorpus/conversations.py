"""Threads as conversations: each reply with the turns that lead to it, in the chat format.

One row per reply (:func:`iter_messages`; ``convert --to messages`` writes them), with the
columns of :data:`tearcorpus.schema.MESSAGES`: ``id``, ``post_id``, ``parent_id``,
``platform``, ``messages`` (a list of ``{"role", "content", "name"}``, the shape chat
templates and TRL take), ``author_id``, ``author_is_uploader``, ``created_at``,
``like_count``, ``depth`` and ``complete``.

Which turns (``conversation``):

- ``path`` (the default): the post, then every reply on the way from the post down to
  this reply, oldest first, ending with the reply;
- ``pair``: the parent (the parent reply, or the post for a direct reply), then the reply.

Who speaks (``assistant``):

- ``uploader`` (the default): turns written by the uploader of the video or the OP of the
  submission are ``assistant``, every other reply is ``user``, and the post is the
  ``system`` turn (it sets the scene the conversation answers; a ``pair`` whose parent is
  the post starts with it too);
- ``none``: every turn, the post's included, is ``user``.

Every turn carries its author's name in ``name`` (the display name, else the author id;
the pseudonym when anonymised; ``null`` when the source has no author). A reply is the
uploader's when the source marks it (``author.is_uploader``: YouTube's uploader badge,
Reddit's ``is_submitter``) or when its author id is the post author's.

The post's turn is ``title``, a blank line and ``text`` (either alone when the other is
empty); a post with neither (a placeholder for a video known only by its id) gives no
turn. Turns are never merged: two ``user`` turns may follow each other.

Incomplete input is written, not dropped, and flagged (``complete`` is false) and counted
(:data:`NOTES`, in the manifest):

- a thread whose post is missing (a comments dump without its submissions) or a
  placeholder: no post turn (``missing-post``);
- a reply whose parent is not in the input: a ``path`` starts at the earliest ancestor
  present (after the post's turn), a ``pair`` is the reply alone (``missing-parent``);
- parent links that loop: the path stops before the first reply it would repeat
  (``parent-cycle``).

Bounded memory: records are gathered by thread and spilled to disk past a limit
(:class:`tearcorpus._groups.Groups`), then built a thread at a time; the rows come in the
order of the replies in the input, the same with ``--workers`` as with one process.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Final, Literal, TypeAlias, TypedDict

from .merge import is_placeholder
from .model import Author, Post, Record, Reply

if TYPE_CHECKING:
    from ._groups import Built, Group

__all__ = [
    "ASSISTANTS",
    "CONVERSATIONS",
    "MISSING_PARENT",
    "MISSING_POST",
    "NOTES",
    "PARENT_CYCLE",
    "Assistant",
    "Conversation",
    "MessageBuilder",
    "MessageRow",
    "Turn",
    "as_assistant",
    "as_conversation",
    "is_uploader",
    "iter_messages",
    "json_row",
    "post_content",
    "speaker_name",
    "thread_id",
]

#: ``conversation``: which turns a row holds.
Conversation: TypeAlias = Literal["path", "pair"]
#: The values of ``conversation`` (``--conversation``).
CONVERSATIONS: Final[tuple[Conversation, ...]] = ("path", "pair")
#: ``assistant``: whose turns are ``assistant``.
Assistant: TypeAlias = Literal["uploader", "none"]
#: The values of ``assistant`` (``--assistant``).
ASSISTANTS: Final[tuple[Assistant, ...]] = ("uploader", "none")

#: Notes: conversations flagged incomplete, by reason (a row may have two).
MISSING_POST: Final = "missing-post"
#: Note: a reply's parent is not in the input; the conversation starts from the
#: earliest ancestor present.
MISSING_PARENT: Final = "missing-parent"
#: Note: parent links loop (broken input); the path stops before the first reply it
#: would repeat.
PARENT_CYCLE: Final = "parent-cycle"
#: Every note a conversation row can carry.
NOTES: Final = (MISSING_POST, MISSING_PARENT, PARENT_CYCLE)


class Turn(TypedDict):
    """One turn of a conversation, the shape chat templates take."""

    #: ``system``, ``user`` or ``assistant``.
    role: str
    content: str
    #: The author's display name, else id; ``None`` when the source has no author.
    name: str | None


class MessageRow(TypedDict):
    """One reply with the conversation that leads to it (:func:`iter_messages`)."""

    id: str
    post_id: str
    parent_id: str | None
    platform: str
    messages: list[Turn]
    author_id: str | None
    author_is_uploader: bool
    created_at: datetime | None
    like_count: int | None
    depth: int | None
    #: No turn is missing (see :data:`NOTES`).
    complete: bool


def as_conversation(value: str) -> Conversation:
    """*value* as a ``conversation``; a ``ValueError`` naming the choices otherwise."""
    if value in CONVERSATIONS:
        return value
    raise ValueError(f"conversation: expected one of {', '.join(CONVERSATIONS)}, got {value!r}")


def as_assistant(value: str) -> Assistant:
    """*value* as an ``assistant``; a ``ValueError`` naming the choices otherwise."""
    if value in ASSISTANTS:
        return value
    raise ValueError(f"assistant: expected one of {', '.join(ASSISTANTS)}, got {value!r}")


def thread_id(record: Record) -> str:
    """The id of the thread *record* belongs to: a post's own id, a reply's ``post_id``."""
    return record.post_id if isinstance(record, Reply) else record.id


def post_content(post: Post) -> str:
    """The text of a post's turn: its title, a blank line and its text (either alone when
    the other is empty); empty for a post with neither."""
    return "\n\n".join(part for part in (post.title or "", post.text) if part.strip())


def speaker_name(author: Author | None) -> str | None:
    """The name a turn carries: the author's display name, else its id (a pseudonym when
    anonymised), else ``None``."""
    if author is None:
        return None
    return author.name or author.id


def is_uploader(reply: Reply, post: Post | None) -> bool:
    """Whether *reply* is by the uploader / OP: marked so, or by the post's author id."""
    author = reply.author
    if author is None:
        return False
    if author.is_uploader:
        return True
    owner = post.author if post is not None else None
    return owner is not None and owner.id is not None and author.id == owner.id


class MessageBuilder:
    """The rows of one thread (a :data:`tearcorpus._groups.Build`): given the thread's
    records as ``(number, record)`` in input order, each reply's row as
    ``(number, 0, row)``. Counts the incomplete ones in :attr:`notes`."""

    def __init__(
        self, conversation: Conversation = "path", assistant: Assistant = "uploader"
    ) -> None:
        self.conversation = as_conversation(conversation)
        self.assistant = as_assistant(assistant)
        #: Incomplete conversations by reason (:data:`NOTES`).
        self.notes: Counter[str] = Counter()

    def __call__(self, group: Group[Record]) -> Iterator[Built[MessageRow]]:
        post: Post | None = None
        replies: list[tuple[int, Reply]] = []
        for number, record in group:
            if isinstance(record, Post):
                post = record
            else:
                replies.append((number, record))
        if not replies:
            return
        thread = post.id if post is not None else replies[0][1].post_id
        by_id = {reply.id: reply for _, reply in replies}
        has_post = post is not None and not is_placeholder(post)
        post_turn = self._post_turn(post) if post is not None else None
        for number, reply in replies:
            missing: list[str] = []
            chain, stop = self._chain(reply, thread, by_id)
            if stop:
                missing.append(stop)
            # A path always starts with the post; a pair only when the post is the parent.
            with_post = self.conversation == "path" or (stop is None and len(chain) == 1)
            if with_post and not has_post:
                missing.append(MISSING_POST)
            turns = [self._turn(r, post) for r in chain]
            if with_post and post_turn is not None:
                turns.insert(0, post_turn)
            self.notes.update(missing)
            author = reply.author
            yield (
                number,
                0,
                {
                    "id": reply.id,
                    "post_id": reply.post_id,
                    "parent_id": reply.parent_id,
                    "platform": reply.platform.value,
                    "messages": turns,
                    "author_id": author.id if author is not None else None,
                    "author_is_uploader": is_uploader(reply, post),
                    "created_at": reply.created_at,
                    "like_count": reply.like_count,
                    "depth": reply.depth,
                    "complete": not missing,
                },
            )

    def _chain(
        self, reply: Reply, thread: str, by_id: dict[str, Reply]
    ) -> tuple[list[Reply], str | None]:
        """The replies of the conversation, oldest first, and why it stops short of the
        post (``None``: it reaches it)."""
        chain = [reply]
        seen = {reply.id}
        current = reply
        while current.parent_id is not None and current.parent_id != thread:
            parent = by_id.get(current.parent_id)
            if parent is None:
                return chain[::-1], MISSING_PARENT
            if parent.id in seen:
                return chain[::-1], PARENT_CYCLE
            chain.append(parent)
            if self.conversation == "pair":
                return chain[::-1], None
            seen.add(parent.id)
            current = parent
        return chain[::-1], None

    def _post_turn(self, post: Post) -> Turn | None:
        content = post_content(post)
        if not content:
            return None
        role = "system" if self.assistant == "uploader" else "user"
        return {"role": role, "content": content, "name": speaker_name(post.author)}

    def _turn(self, reply: Reply, post: Post | None) -> Turn:
        return {
            "role": "assistant"
            if self.assistant == "uploader" and is_uploader(reply, post)
            else "user",
            "content": reply.text,
            "name": speaker_name(reply.author),
        }


def iter_messages(
    records: Iterable[Record],
    *,
    conversation: Conversation = "path",
    assistant: Assistant = "uploader",
    folder: str | None = None,
    notes: Counter[str] | None = None,
) -> Iterator[MessageRow]:
    """One row per reply of *records* (one record per id, any order), in the order of the
    replies (see the module docs). *folder* is where scratch files go on a large input
    (default: the system's temporary folder); *notes*, when given, counts the incomplete
    conversations by reason."""
    from ._groups import Groups

    build = MessageBuilder(conversation, assistant)
    with Groups(folder) as groups:
        for record in records:
            groups.add(thread_id(record), record)
        for _channel, row in groups.build(build):
            yield row
    if notes is not None:
        notes.update(build.notes)


def json_row(row: Mapping[str, object]) -> Mapping[str, object]:
    """*row* as JSON takes it: ``created_at`` as ISO 8601 with ``Z``."""
    from .serialize import format_time

    when = row["created_at"]
    if isinstance(when, datetime):
        row = {**row, "created_at": format_time(when)}
    return row
