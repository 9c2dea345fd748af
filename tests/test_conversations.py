"""Threads as conversations: which turns, who speaks, and what happens to incomplete input."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tearcorpus import Author, Platform, Post, Record, Reply, read
from tearcorpus import _groups as groups_module
from tearcorpus.conversations import (
    MISSING_PARENT,
    MISSING_POST,
    PARENT_CYCLE,
    MessageBuilder,
    MessageRow,
    iter_messages,
    post_content,
)

DATA = Path(__file__).parent / "data"

OP = Author(id="t2_op", name="op_name", is_uploader=True)
ANN = Author(id="t2_ann", name="ann")
BOB = Author(id="t2_bob")  # no display name: the id is the name


def _post(**more: Any) -> Post:
    fields: dict[str, Any] = {
        "id": "p1",
        "platform": Platform.REDDIT,
        "title": "Crying at work",
        "text": "Does anyone else?",
        "author": OP,
    }
    fields.update(more)
    return Post(**fields)


def _reply(id: str, parent: str | None, author: Author | None, **more: Any) -> Reply:
    fields: dict[str, Any] = {"post_id": "p1", "platform": Platform.REDDIT, "text": f"text {id}"}
    fields.update(more)
    return Reply(id=id, parent_id=parent, author=author, **fields)


# p1 <- a (ann) <- b (op) <- c (bob); p1 <- d (bob)
THREAD: list[Record] = [
    _post(),
    _reply("a", None, ANN),
    _reply("b", "a", OP),
    _reply("c", "b", BOB),
    _reply("d", "p1", BOB),  # a parent id naming the post is a direct reply too
]


def _rows(records: list[Record], **options: Any) -> dict[str, MessageRow]:
    return {row["id"]: row for row in iter_messages(records, **options)}


def _turns(row: MessageRow) -> list[tuple[str, str, str | None]]:
    return [(m["role"], m["content"], m["name"]) for m in row["messages"]]


POST_TURN = "Crying at work\n\nDoes anyone else?"


def test_path_with_the_uploader_as_assistant() -> None:
    """path: the post (system), then every reply down to this one; the OP's turns are
    assistant, the others user; each turn names its author (name, else id)."""
    rows = _rows(THREAD)
    assert _turns(rows["c"]) == [
        ("system", POST_TURN, "op_name"),
        ("user", "text a", "ann"),
        ("assistant", "text b", "op_name"),
        ("user", "text c", "t2_bob"),
    ]
    assert _turns(rows["d"]) == [("system", POST_TURN, "op_name"), ("user", "text d", "t2_bob")]
    assert rows["b"]["author_is_uploader"] is True
    assert rows["c"]["author_is_uploader"] is False
    assert all(row["complete"] for row in rows.values())


def test_path_with_no_assistant() -> None:
    """--assistant none: every turn user, the post's too, names kept."""
    rows = _rows(THREAD, assistant="none")
    assert _turns(rows["c"]) == [
        ("user", POST_TURN, "op_name"),
        ("user", "text a", "ann"),
        ("user", "text b", "op_name"),
        ("user", "text c", "t2_bob"),
    ]


def test_pair_is_the_parent_and_the_reply() -> None:
    """pair: the parent reply and the reply; the post and the reply for a direct reply."""
    rows = _rows(THREAD, conversation="pair")
    assert _turns(rows["c"]) == [("assistant", "text b", "op_name"), ("user", "text c", "t2_bob")]
    assert _turns(rows["a"]) == [("system", POST_TURN, "op_name"), ("user", "text a", "ann")]
    assert [
        m["role"] for m in _rows(THREAD, conversation="pair", assistant="none")["b"]["messages"]
    ] == [
        "user",
        "user",
    ]


def test_rows_keep_the_reply_metadata() -> None:
    """A row: the reply's id, thread, parent, platform, author, time, likes, depth."""
    row = _rows([_post(), _reply("a", None, ANN, like_count=7, depth=0)])["a"]
    assert {k: v for k, v in row.items() if k != "messages"} == {
        "id": "a",
        "post_id": "p1",
        "parent_id": None,
        "platform": "reddit",
        "author_id": "t2_ann",
        "author_is_uploader": False,
        "created_at": None,
        "like_count": 7,
        "depth": 0,
        "complete": True,
    }


def test_the_post_author_id_makes_an_uploader_turn() -> None:
    """A reply whose author id is the post author's is the uploader's, flag or not."""
    plain_op = Author(id="t2_op", name="op_name")
    rows = _rows([_post(), _reply("a", None, ANN), _reply("b", "a", plain_op)])
    assert rows["b"]["messages"][-1]["role"] == "assistant"
    assert rows["b"]["author_is_uploader"] is True


@pytest.mark.parametrize(
    ("title", "text", "content"),
    [
        ("Title", "Body", "Title\n\nBody"),
        ("Title", "", "Title"),
        (None, "Body", "Body"),
        ("  ", "Body", "Body"),
        (None, "", ""),
    ],
)
def test_post_content(title: str | None, text: str, content: str) -> None:
    """The post's turn: title, a blank line, text; either alone; nothing without both."""
    assert post_content(_post(title=title, text=text)) == content


def test_a_post_without_title_or_text_gives_no_turn() -> None:
    """An empty post: the conversation starts with the first reply, still complete."""
    rows = _rows([_post(title=None, text=""), _reply("a", None, ANN)])
    assert _turns(rows["a"]) == [("user", "text a", "ann")]
    assert rows["a"]["complete"] is True


def test_a_missing_post_is_flagged_and_counted() -> None:
    """Replies whose post is not in the input (or is a placeholder): no post turn,
    complete false, counted as missing-post."""
    cases: list[list[Record]] = [
        [_reply("a", None, ANN), _reply("b", "a", OP)],
        [_post(title=None, text="", extra={"placeholder": True}), _reply("a", None, ANN)],
    ]
    for records in cases:
        notes: Counter[str] = Counter()
        rows = list(iter_messages(records, notes=notes))
        assert rows[0]["messages"][0]["content"] == "text a"
        assert not any(row["complete"] for row in rows)
        assert notes == {MISSING_POST: len(rows)}


def test_a_missing_parent_starts_the_path_at_the_earliest_ancestor_present() -> None:
    """A reply whose parent is absent: the post, then the replies from the earliest one
    present; a pair is the reply alone; both flagged missing-parent."""
    records: list[Record] = [_post(), _reply("b", "gone", OP), _reply("c", "b", BOB)]
    notes: Counter[str] = Counter()
    rows = {row["id"]: row for row in iter_messages(records, notes=notes)}
    assert _turns(rows["c"]) == [
        ("system", POST_TURN, "op_name"),
        ("assistant", "text b", "op_name"),
        ("user", "text c", "t2_bob"),
    ]
    assert (rows["b"]["complete"], rows["c"]["complete"]) == (False, False)
    assert notes == {MISSING_PARENT: 2}
    pairs = _rows(records, conversation="pair")
    assert _turns(pairs["b"]) == [("assistant", "text b", "op_name")]
    assert pairs["b"]["complete"] is False
    assert pairs["c"]["complete"] is True  # its parent is present


def test_parent_links_that_loop_stop_before_repeating() -> None:
    """x -> y -> x and z -> z: every reply has a finite row, flagged parent-cycle."""
    records: list[Record] = [
        _post(),
        _reply("x", "y", ANN),
        _reply("y", "x", BOB),
        _reply("z", "z", ANN),
    ]
    notes: Counter[str] = Counter()
    rows = {row["id"]: row for row in iter_messages(records, notes=notes)}
    assert [m["content"] for m in rows["x"]["messages"]] == [POST_TURN, "text y", "text x"]
    assert [m["content"] for m in rows["z"]["messages"]] == [POST_TURN, "text z"]
    assert notes == {PARENT_CYCLE: 3}
    assert not any(row["complete"] for row in rows.values())


def test_rows_follow_the_replies_in_input_order_across_threads() -> None:
    """Interleaved threads (a Pushshift month): rows in the order of the replies, each
    with its own thread's turns, whether the records were spilled or not."""
    other = Post(id="p2", platform=Platform.REDDIT, title="Other", author=ANN)
    records: list[Record] = [
        _reply("c1", None, BOB, post_id="p2"),
        *THREAD,
        _reply("c2", "c1", ANN, post_id="p2"),
        other,
    ]
    in_memory = list(iter_messages(records))
    assert [row["id"] for row in in_memory] == ["c1", "a", "b", "c", "d", "c2"]
    assert _turns(in_memory[-1]) == [
        ("system", "Other", "ann"),
        ("user", "text c1", "t2_bob"),
        ("assistant", "text c2", "ann"),  # ann wrote that thread's post
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(groups_module, "HELD_VALUES", 2)
        assert list(iter_messages(records)) == in_memory


def test_a_sample_thread_from_reddit() -> None:
    """The OP's answer deep in a Reddit thread is the assistant turn of its path."""
    rows = _rows(list(read(DATA / "reddit" / "thread.json")))
    assert [m["role"] for m in rows["k0c3"]["messages"]] == ["system", "user", "assistant", "user"]
    assert [m["name"] for m in rows["k0c3"]["messages"]] == [
        "kettle_fan",
        "leaf_reader",
        "kettle_fan",
        "leaf_reader",
    ]
    assert rows["k0c6"]["messages"][-1] == {"role": "user", "content": "[removed]", "name": None}


def test_bad_options_are_refused() -> None:
    """Unknown conversation or assistant values: a ValueError naming the choices."""
    with pytest.raises(ValueError, match="path, pair"):
        MessageBuilder("tree", "uploader")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="uploader, none"):
        MessageBuilder("path", "op")  # type: ignore[arg-type]
