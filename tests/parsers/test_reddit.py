"""The Reddit thread JSON / morechildren parser."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tearcorpus
from tearcorpus import Author, ParseError, Platform, Post, Reply, TearcorpusError
from tearcorpus.parsers import detect_format, reddit

from ..conftest import SHARED_SAMPLES as SAMPLES
from ..conftest import with_samples

ROOT = Path(__file__).parents[2]
OWN = ROOT / "tests" / "data" / "reddit"


def _replies(corpus: tearcorpus.Corpus) -> dict[str, Reply]:
    return {r.id: r for r in corpus.replies}


def test_thread_post_fields(data_dir: Path) -> None:
    """The t3 becomes a Post: unescaped title and selftext, author, counts, url, edited."""
    corpus = tearcorpus.read(data_dir / "reddit" / "thread.json")
    (post,) = corpus.posts
    assert post.id == "1abc2de"
    assert post.platform is Platform.REDDIT
    assert post.title == "Kettles & teapots: which one <3"
    assert post.text == "I steep it for 4 minutes > 3 minutes.\n\nMilk & honey <3"
    assert post.author == Author(id="t2_op111", name="kettle_fan", is_uploader=True)
    assert post.created_at == datetime.fromtimestamp(1704100000, tz=UTC)
    assert post.url == "https://www.reddit.com/r/TeaTime/comments/1abc2de/kettles_teapots/"
    assert post.like_count == 42
    assert post.comment_count == 30
    assert post.view_count is None
    assert post.is_edited is True
    assert post.extra["edited_at"] == "2024-01-01T12:00:00Z"
    assert post.extra["subreddit"] == "TeaTime"
    assert post.extra["url"] == "https://www.reddit.com/r/TeaTime/comments/1abc2de/kettles_teapots/"
    assert "selftext" not in post.extra
    assert "name" not in post.extra
    assert post.extra["missing_children"] == {"count": 12, "ids": ["k0m1", "k0m2", "k0m3"]}
    assert post.provenance is not None
    assert post.provenance.index == 0
    assert post.provenance.format == "reddit"


def test_thread_nesting_parents_and_depths(data_dir: Path) -> None:
    """Nested Listings give parent ids (None for top level) and depths; "" replies end a branch."""
    corpus = tearcorpus.read(data_dir / "reddit" / "thread.json")
    replies = _replies(corpus)
    assert [r.id for r in corpus.replies] == ["k0c8", "k0c1", "k0c2", "k0c3", "k0c6", "k0c7"]
    assert {k: (r.parent_id, r.depth) for k, r in replies.items()} == {
        "k0c8": (None, 0),
        "k0c1": (None, 0),
        "k0c2": ("k0c1", 1),
        "k0c3": ("k0c2", 2),
        "k0c6": (None, 0),
        "k0c7": (None, 0),
    }
    assert all(r.post_id == "1abc2de" and r.platform is Platform.REDDIT for r in corpus.replies)
    thread = corpus.thread("1abc2de")
    assert [(r.id, d) for r, d in thread.walk()] == [
        ("k0c8", 0),
        ("k0c1", 0),
        ("k0c2", 1),
        ("k0c3", 2),
        ("k0c6", 0),
        ("k0c7", 0),
    ]
    assert corpus.integrity().ok


def test_comment_fields_entities_edited_and_op(data_dir: Path) -> None:
    """Body entities are unescaped; edited keeps its time; is_submitter marks the OP."""
    replies = _replies(tearcorpus.read(data_dir / "reddit" / "thread.json"))
    first = replies["k0c1"]
    assert first.text == "> 4 minutes\n\nToo long & bitter for me <3"
    assert first.author == Author(id="t2_leaf3", name="leaf_reader", is_uploader=False)
    assert first.like_count == 7
    assert first.is_edited is True
    assert first.extra["edited_at"] == "2024-01-01T11:00:00Z"
    assert first.created_at == datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
    assert first.extra["created"] == 1704106800.0
    assert first.extra["permalink"] == "/r/TeaTime/comments/1abc2de/a_slug/k0c1/"
    assert "replies" not in first.extra
    assert "body" not in first.extra
    op = replies["k0c2"]
    assert op.author is not None
    assert op.author.is_uploader is True
    assert op.is_edited is False
    assert "edited_at" not in op.extra


def test_more_stubs_are_missing_children_not_comments(data_dir: Path) -> None:
    """``more`` stubs (count above the ids, and ``_`` continue-this-thread) go to the parent."""
    corpus = tearcorpus.read(data_dir / "reddit" / "thread.json")
    replies = _replies(corpus)
    assert "k0m4" not in replies
    assert "_" not in replies
    assert replies["k0c2"].extra["missing_children"] == {"count": 5, "ids": ["k0m4", "k0m5"]}
    assert replies["k0c3"].extra["missing_children"] == {
        "count": 0,
        "ids": [],
        "continue_thread": True,
    }
    assert "missing_children" not in replies["k0c1"].extra
    notes = corpus.report.notes
    assert notes["more-stub"] == 3
    assert notes["continue-thread-stub"] == 1
    assert corpus.report.rejected == 0


def test_deleted_removed_and_pinned(data_dir: Path) -> None:
    """[removed] and [deleted] comments stay, flagged, text as the source has it."""
    replies = _replies(tearcorpus.read(data_dir / "reddit" / "thread.json"))
    removed = replies["k0c6"]
    assert (removed.text, removed.is_removed, removed.is_deleted) == ("[removed]", True, False)
    assert removed.author is None
    assert removed.extra["author"] == "[deleted]"
    deleted = replies["k0c7"]
    assert (deleted.text, deleted.is_removed, deleted.is_deleted) == ("[deleted]", False, True)
    mod = replies["k0c8"]
    assert mod.is_pinned is True
    assert mod.extra["distinguished"] == "moderator"
    assert mod.text == "Please keep it civil & on topic."
    assert not replies["k0c1"].is_pinned


def test_2013_thread_without_depth(data_dir: Path) -> None:
    """Old threads have no depth (computed from nesting) and no is_submitter (author match)."""
    corpus = tearcorpus.read(data_dir / "reddit" / "thread_2013.json")
    (post,) = corpus.posts
    assert post.author == Author(id="old_poster", name="old_poster", is_uploader=True)
    assert post.created_at == datetime.fromtimestamp(1365990000, tz=UTC)
    assert post.is_edited is False
    assert post.extra["missing_children"] == {"count": 2, "ids": ["c9o5", "c9o6"]}
    replies = _replies(corpus)
    assert {k: (r.parent_id, r.depth) for k, r in replies.items()} == {
        "c9o1": (None, 0),
        "c9o2": ("c9o1", 1),
        "c9o3": ("c9o2", 2),
        "c9o4": (None, 0),
    }
    assert replies["c9o1"].text == "First & foremost: hugs."
    assert replies["c9o2"].author == Author(id="old_poster", name="old_poster", is_uploader=True)
    assert replies["c9o2"].extra["edited_at"] == "2013-04-15T04:41:40Z"
    assert replies["c9o3"].author is not None
    assert not replies["c9o3"].author.is_uploader
    gone = replies["c9o4"]
    assert (gone.author, gone.is_deleted, gone.is_removed) == (None, True, False)
    assert gone.text == "Someone who left."
    assert (
        replies["c9o1"].extra["body_html"]
        == '&lt;div class="md"&gt;&lt;p&gt;...&lt;/p&gt;&lt;/div&gt;'
    )


def test_morechildren_alone(data_dir: Path) -> None:
    """A morechildren answer gives flat Replies with their stated parents, and no Post."""
    corpus = tearcorpus.read(data_dir / "reddit" / "morechildren.json")
    assert corpus.posts == []
    replies = _replies(corpus)
    assert {k: (r.post_id, r.parent_id, r.depth) for k, r in replies.items()} == {
        "k0m4": ("1abc2de", "k0c2", 2),
        "k0m5": ("1abc2de", "k0c2", 2),
        "k0m6": ("1abc2de", "k0m4", 3),
    }
    assert replies["k0m4"].text == "Loaded later: a sibling & friend."
    assert replies["k0m4"].extra["missing_children"] == {"count": 3, "ids": ["k0m7"]}
    notes = corpus.report.notes
    assert notes["more-stub"] == 2
    assert notes["more-stub-detached"] == 1


def test_thread_and_morechildren_make_one_thread(data_dir: Path) -> None:
    """Read together, the morechildren comments re-attach under the right parents."""
    corpus = tearcorpus.read(
        [data_dir / "reddit" / "thread.json", data_dir / "reddit" / "morechildren.json"]
    )
    threads = list(corpus.threads())
    assert len(threads) == 1
    thread = threads[0]
    assert thread.post is not None
    assert len(thread) == 9
    assert [r.id for r in thread.children("k0c2")] == ["k0c3", "k0m4", "k0m5"]
    assert [r.id for r in thread.children("k0m4")] == ["k0m6"]
    assert thread.depth("k0m6") == 3
    assert corpus.integrity().ok
    # the OP is known only through is_submitter in a morechildren answer
    assert thread.get("k0m5") is not None
    k0m5 = thread.get("k0m5")
    assert k0m5 is not None
    assert k0m5.author is not None
    assert k0m5.author.is_uploader


def test_raw_json_option_keeps_entities(data_dir: Path) -> None:
    """With the raw_json=1 option the text is taken as already unescaped."""
    corpus = tearcorpus.read(data_dir / "reddit" / "thread.json", options={"raw_json": "1"})
    assert corpus.posts[0].title == "Kettles &amp; teapots: which one &lt;3"


def test_detection_picks_reddit(data_dir: Path) -> None:
    """Without format=, thread and morechildren files are detected as reddit."""
    for name in ("thread.json", "thread_2013.json", "morechildren.json"):
        head = (data_dir / "reddit" / name).read_bytes()[:65536]
        assert detect_format(head, name) == "reddit"
        assert reddit.sniff(head, name) >= 90
    assert reddit.sniff(b'{"author": "x", "body": "y", "link_id": "t3_a"}\n', "x") == 0
    assert reddit.sniff(b"[1, 2, 3]", "x") == 0


def _write(tmp_path: Path, doc: Any, name: str = "t.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_bad_items_are_rejected_with_their_index(tmp_path: Path, data_dir: Path) -> None:
    """Non-dict things, things without data or id, unknown kinds: rejected, located, counted."""
    doc = json.loads((data_dir / "reddit" / "thread.json").read_text())
    comments = doc[1]["data"]["children"]
    comments.insert(0, "junk")
    comments.insert(1, {"kind": "t1", "data": {"body": "no id", "link_id": "t3_1abc2de"}})
    comments.insert(2, {"kind": "t5", "data": {"id": "x"}})
    comments.insert(3, {"kind": "t1"})
    path = _write(tmp_path, doc)
    corpus = tearcorpus.read(path)
    assert len(corpus.replies) == 6
    report = corpus.report
    assert dict(report.rejected_by_reason) == {
        "not-a-thing": 2,
        "missing-id": 1,
        "unknown-kind": 1,
    }
    assert report.read == 1 + 6 + 4
    assert [str(e) for e in report.errors][:2] == [
        f"{path}[item 1]: a JSON str, not a thing",
        f"{path}[item 2]: comment has no id",
    ]
    with pytest.raises(ParseError, match=r"\[item 1\]"):
        tearcorpus.read(path, strict=True)


def test_not_a_thread_raises_a_parse_error(tmp_path: Path) -> None:
    """JSON of another shape forced to reddit fails with one clear ParseError."""
    for doc in ([], [1, 2], {"a": 1}, 3, {"json": {"errors": [["RATELIMIT", "slow down"]]}}):
        path = _write(tmp_path, doc)
        with pytest.raises(ParseError):
            tearcorpus.read(path, format="reddit")
    broken = tmp_path / "broken.json"
    broken.write_text('[{"kind": "Listing", "data": {"children": [', encoding="utf-8")
    with pytest.raises(ParseError, match="truncated"):
        tearcorpus.read(broken)


def test_invalid_times_and_counts_stay_in_extra(tmp_path: Path) -> None:
    """A created_utc or score that is not a number keeps its raw value in extra."""
    thing = {
        "kind": "t1",
        "data": {
            "id": "z1",
            "link_id": "t3_p",
            "parent_id": "t3_p",
            "body": "x",
            "author": "a",
            "created_utc": "soon",
            "score": "lots",
            "edited": "maybe",
        },
    }
    path = _write(tmp_path, {"kind": "Listing", "data": {"children": [thing]}})
    corpus = tearcorpus.read(path)
    (reply,) = corpus.replies
    assert reply.created_at is None
    assert reply.like_count is None
    assert not reply.is_edited
    assert reply.extra == {"created_utc": "soon", "score": "lots", "edited": "maybe"}
    assert corpus.report.notes["invalid-created-utc"] == 1


@pytest.mark.parametrize(
    ("path", "posts", "replies"),
    with_samples(
        [
            (OWN / "thread.json", 1, 6),
            (OWN / "thread_2013.json", 1, 4),
            (OWN / "morechildren.json", 0, 3),
        ],
        [
            (SAMPLES / "reddit" / "reddit_thread_2023.json", 1, 10),
            (SAMPLES / "reddit" / "reddit_thread_2013.json", 1, 25),
            (SAMPLES / "reddit" / "reddit_morechildren.json", 0, 4),
        ],
    ),
)
def test_samples_counts_through_read_and_cli(path: Path, posts: int, replies: int) -> None:
    """Threads of the real shapes (ours; the shared samples too, when beside the clone)
    give their counts, through read() and the CLI."""
    corpus = tearcorpus.read(path)
    assert (len(corpus.posts), len(corpus.replies), corpus.report.rejected) == (posts, replies, 0)
    assert not any(r.id == "_" for r in corpus.replies)
    cli = ROOT / ".venv" / "bin" / "tearcorpus"
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "tearcorpus"]
    done = subprocess.run(
        [*command, "inspect", "--json", str(path)], capture_output=True, text=True, check=True
    )
    data = json.loads(done.stdout)
    assert (data["posts"], data["replies"], data["rejected"]) == (posts, replies, 0)
    assert data["formats"] == ["reddit"]


@pytest.mark.parametrize(
    "path",
    with_samples([OWN / "thread_2013.json"], [SAMPLES / "reddit" / "reddit_thread_2013.json"]),
)
def test_sample_2013_depths_match_the_tree(path: Path) -> None:
    """In a depth-less 2013 thread, computed depths equal the assembled tree's depths."""
    corpus = tearcorpus.read(path)
    thread = next(corpus.threads())
    assert any(reply.depth for reply in thread.replies)  # replies below the top level
    assert all(reply.depth == depth for reply, depth in thread.walk())
    assert not thread.orphans


_MUTATIONS = st.sampled_from(["drop-id", "junk", "no-data", "bad-kind", "bad-replies", "null"])


def _mutate(doc: list[Any], choices: list[tuple[int, str]]) -> None:
    things: list[tuple[list[Any], int]] = []
    stack = [doc[1]["data"]["children"]]
    while stack:
        children = stack.pop()
        for i, thing in enumerate(children):
            things.append((children, i))
            replies = thing.get("data", {}).get("replies") if isinstance(thing, dict) else None
            if isinstance(replies, dict):
                stack.append(replies["data"]["children"])
    for pick, how in choices:
        children, i = things[pick % len(things)]
        thing = children[i]
        data = thing.get("data") if isinstance(thing, dict) else None
        if how == "junk":
            children[i] = 17
        elif how == "no-data" and isinstance(thing, dict):
            thing["data"] = "x"
        elif how == "bad-kind" and isinstance(thing, dict):
            thing["kind"] = "t9"
        elif isinstance(data, dict):
            key = {"drop-id": "id", "bad-replies": "replies", "null": "created_utc"}.get(how, "id")
            data[key] = {"drop-id": None, "bad-replies": 5, "null": [1]}.get(how)


@given(st.lists(st.tuples(st.integers(0, 100), _MUTATIONS), max_size=6))
def test_mutated_thread_never_raises_in_lenient_mode(choices: list[tuple[int, str]]) -> None:
    """Damaged things in a valid thread are rejected and counted, never raised."""
    base = Path(__file__).parent.parent / "data" / "reddit" / "thread.json"
    doc = json.loads(base.read_text())
    _mutate(doc, choices)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), doc)
        corpus = tearcorpus.read(path, format="reddit")
    report = corpus.report
    assert report.read == len(corpus.posts) + len(corpus.replies) + report.rejected
    assert len(corpus.posts) == 1


@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_tearcorpus_errors(data: bytes) -> None:
    """Any bytes forced through the reddit parser raise nothing but TearcorpusError."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.json"
        path.write_bytes(data)
        with contextlib.suppress(TearcorpusError):
            list(tearcorpus.iter_records(path, format="reddit"))


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(["kind", "data", "children", "id", "replies", "json", "things"]),
                inner,
                max_size=4,
            )
        ),
        max_leaves=20,
    )
)
def test_arbitrary_json_shapes_raise_only_tearcorpus_errors(doc: Any) -> None:
    """Any JSON value forced through the reddit parser raises nothing but TearcorpusError."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = _write(Path(tmp), [{"kind": "Listing", "data": {"children": [doc]}}, doc])
        records = list(tearcorpus.iter_records(path, format="reddit"))
        assert all(isinstance(r, Post | Reply) for r in records)
        with contextlib.suppress(TearcorpusError):
            list(tearcorpus.iter_records(_write(Path(tmp), doc, "b.json"), format="reddit"))


def test_inbox_comments_without_link_id_take_their_post_from_parent_or_context(
    data_dir: Path,
) -> None:
    """Inbox items have no link_id: a t3_ parent_id or the context link names the post, and
    an item naming neither is rejected with a reason that says so."""
    corpus = tearcorpus.read(data_dir / "reddit" / "inbox.json")
    replies = _replies(corpus)
    assert set(replies) == {"kx1a001", "kx1a002"}
    direct = replies["kx1a001"]
    assert (direct.post_id, direct.parent_id, direct.depth) == ("1b2c3d", None, None)
    assert direct.text == "Two minutes for green, never more."
    assert direct.created_at == datetime(2024, 1, 1, tzinfo=UTC)
    assert direct.created_at_precision is tearcorpus.TimePrecision.EXACT
    nested = replies["kx1a002"]
    assert (nested.post_id, nested.parent_id) == ("1b2c3d", "kx0z999")
    assert nested.extra["context"] == (
        "/r/TeaTime/comments/1b2c3d/how_long_do_you_steep/kx1a002/?context=3"
    )
    assert corpus.report.rejected_by_reason == {"missing-link-id": 1}
    (error,) = corpus.report.errors
    assert "kx1a003" in error.reason
    assert "neither its parent_id ('t1_kx0z998', not a t3_ post)" in error.reason


def test_inbox_item_without_post_fails_in_strict_mode(data_dir: Path) -> None:
    """In strict mode the item whose post nothing names stops the read with its reason."""
    with pytest.raises(ParseError, match="no link_id"):
        tearcorpus.read(data_dir / "reddit" / "inbox.json", strict=True)
