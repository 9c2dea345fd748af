"""Thread and corpus assembly: trees, depth, and integrity reports."""

from __future__ import annotations

from tearcorpus import Corpus, Post, Record, Reply


def _reply(rid: str, parent: str | None, post: str = "p") -> Reply:
    return Reply(id=rid, post_id=post, parent_id=parent, text=rid)


def test_tree_walk_and_depth() -> None:
    """walk() is depth-first in input order with depths; depth() agrees."""
    corpus = Corpus(
        [
            Post(id="p", platform="reddit"),
            _reply("a", None),
            _reply("b", None),
            _reply("a1", "a"),
            _reply("a1x", "a1"),
            _reply("a2", "a"),
            _reply("b1", "p"),  # parent given as the post id counts as top level
        ]
    )
    (thread,) = corpus.threads()
    walked = [(r.id, d) for r, d in thread.walk()]
    assert walked == [("a", 0), ("a1", 1), ("a1x", 2), ("a2", 1), ("b", 0), ("b1", 0)]
    assert thread.depth("a1x") == 2
    assert [r.id for r in thread.children("a")] == ["a1", "a2"]
    assert [r.id for r in thread.roots()] == ["a", "b", "b1"]
    parent = thread.parent(_reply("a1", "a"))
    assert parent is not None
    assert parent.id == "a"
    assert corpus.integrity().ok


def test_orphans_cycles_duplicates_and_missing_posts_are_reported() -> None:
    """Assembly reports problems instead of crashing, and walks every reply once."""
    corpus = Corpus(
        [
            Post(id="p", platform="youtube"),
            _reply("a", None),
            _reply("a", None),  # duplicate id: dropped
            _reply("lost", "gone"),  # parent not in input
            _reply("x", "y"),
            _reply("y", "x"),  # x <-> y cycle
            _reply("c", None, post="elsewhere"),  # post not in input
        ]
    )
    integrity = corpus.integrity()
    assert integrity.duplicate_ids == ("a",)
    assert integrity.orphans == ("lost",)
    assert integrity.cycles == (("x", "y"),)
    assert integrity.missing_posts == ("elsewhere",)
    assert not integrity.ok
    threads = list(corpus.threads())
    assert [t.post_id for t in threads] == ["p", "elsewhere"]
    assert threads[1].post is None
    walked = [r.id for r, _ in threads[0].walk()]
    assert sorted(walked) == ["a", "lost", "x", "y"]
    assert len(walked) == len(set(walked))
    assert threads[0].depth("x") in (0, 1)


def test_corpus_iterates_posts_then_replies() -> None:
    """Iteration yields every record once, posts first; len counts both."""
    records: list[Record] = [_reply("a", None), Post(id="p", platform="youtube"), _reply("b", "a")]
    corpus = Corpus(records)
    assert [r.id for r in corpus] == ["p", "a", "b"]
    assert len(corpus) == 3
    assert corpus.thread("p").post is not None


def test_real_post_replaces_placeholder() -> None:
    """A placeholder post (made from an id alone) gives way to the real one, in place."""
    stand_in = Post(id="v", platform="youtube", extra={"placeholder": True})
    real = Post(id="v", platform="youtube", title="The video")
    for order in ([stand_in, real, stand_in], [real, stand_in]):
        corpus = Corpus([*order, _reply("a", None, post="v")])
        assert corpus.posts == [real]
        assert corpus.integrity().ok
