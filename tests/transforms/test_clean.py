"""Normalisation, filters, dedup and their composition."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tearcorpus import Author, Post, Reply, Report
from tearcorpus.transforms import (
    DroppedWriter,
    ExactDedup,
    Filter,
    NearDedup,
    Normalizer,
    apply_transforms,
    sort_transforms,
)
from tearcorpus.transforms.scrub import Scrubber


def _reply(text: str, n: int = 0, **kw: object) -> Reply:
    return Reply(id=f"r{n}", post_id="p", text=text, **kw)  # type: ignore[arg-type]


def test_normalize_steps_and_provenance() -> None:
    """html, nfc and whitespace run in order and are each recorded."""
    out = Normalizer(["whitespace", "nfc", "html"]).apply(
        _reply("I  cried&amp;cried<br>e\u0301  \n\n\n\nok  "), Report()
    )
    assert isinstance(out, Reply)
    assert out.text == "I cried&cried\né\n\nok"
    assert out.provenance is not None
    assert out.provenance.transforms == ("normalize:html", "normalize:nfc", "normalize:whitespace")


@pytest.mark.parametrize(
    ("mode", "expected"), [("remove", "my answer"), ("mark", "[QUOTE] what you said\n\nmy answer")]
)
def test_quotes_removed_or_marked(mode: str, expected: str) -> None:
    """Reddit '> quoted' lines are removed or marked, and the mode is recorded."""
    out = Normalizer(["quotes"], quotes=mode).apply(
        _reply("> what you said\n\nmy answer"), Report()
    )
    assert out.text == expected  # type: ignore[union-attr]
    assert out.provenance.transforms == (f"normalize:quotes-{mode}",)  # type: ignore[union-attr]


def test_mojibake_repaired() -> None:
    """UTF-8 read as cp1252 is repaired with ftfy."""
    pytest.importorskip("ftfy")
    out = Normalizer(["mojibake"]).apply(_reply("donâ€™t cry"), Report())
    assert out.text == "don’t cry"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (_reply("[deleted]"), "deleted"),
        (_reply("text", is_removed=True), "removed"),
        (_reply("   "), "empty"),
        (_reply("Your post was removed", author=Author(name="AutoModerator")), "bot"),
        (_reply("remind me", author=Author(name="RemindMeBot")), "bot"),
        (_reply("*I am a bot, and this action was performed automatically.*"), "bot"),
        (_reply("https://a.example/x https://b.example/y https://c.example/z"), "spam-links"),
        (_reply("FIRST!!"), "first"),
    ],
)
def test_filter_reasons(reply: Reply, reason: str) -> None:
    """Each rule drops with its own reason."""
    assert Filter().reason(reply) == reason


def test_filter_keeps_ordinary_replies_and_posts() -> None:
    """Ordinary replies pass, and posts are kept unless include_posts is set."""
    assert Filter().reason(_reply("I cried first time in session")) is None
    empty_post = Post(id="p", platform="youtube", text="")
    assert Filter().reason(empty_post) is None
    assert Filter(include_posts=True).reason(empty_post) == "empty"


def test_length_bounds() -> None:
    """Texts outside the bounds are too short or too long."""
    f = Filter((), min_chars=3, max_chars=10)
    assert f.reason(_reply("ok")) == "too-short"
    assert f.reason(_reply("x" * 11)) == "too-long"
    assert f.reason(_reply("fine")) is None


def test_language_filter() -> None:
    """Replies in other languages are dropped; short ones are kept."""
    pytest.importorskip("py3langid")
    f = Filter((), languages=["en"])
    assert f.reason(_reply("Ich habe heute zum ersten Mal vor meiner Therapeutin geweint.")) == (
        "language"
    )
    assert f.reason(_reply("I cried in front of my therapist for the first time today.")) is None
    assert f.reason(_reply("Danke!")) is None


def test_exact_dedup_by_normalised_text() -> None:
    """Later replies with the same normalised text are duplicates."""
    records = [_reply("Thank you!!", 1), _reply("thank   you", 2), _reply("Thanks a lot", 3)]
    report = Report()
    out = list(apply_transforms(records, [ExactDedup()], report))
    assert [r.id for r in out] == ["r1", "r3"]
    assert report.dropped_by_reason == {"duplicate": 1}


def test_near_dedup() -> None:
    """A reply differing by a word from an earlier one is a near duplicate."""
    pytest.importorskip("datasketch")
    base = "I cried so hard in my session today and my therapist just waited quietly for me"
    records = [
        _reply(base, 1),
        _reply(base.replace("today", "yesterday"), 2),
        _reply("A completely different comment about grief and loss and time", 3),
    ]
    report = Report()
    out = list(apply_transforms(records, [NearDedup(threshold=0.5)], report))
    assert [r.id for r in out] == ["r1", "r3"]
    assert report.dropped_by_reason == {"near-duplicate": 1}


def test_composition_counts_and_dropped_aside(tmp_path: Path) -> None:
    """Dropped records are counted by reason and written aside scrubbed, with their reason."""
    records = [
        _reply("mail jo@example.org", 1),
        _reply("first", 2),
        _reply("mail jo@example.org", 3),
    ]
    steps = sort_transforms([Scrubber(), ExactDedup(), Filter()])
    assert [s.name for s in steps] == ["filter", "dedup", "scrub"]
    report = Report()
    path = tmp_path / "dropped.jsonl"
    with DroppedWriter(str(path)) as writer:
        out = list(apply_transforms(records, steps, report, dropped=writer))
    assert [r.text for r in out] == ["mail [EMAIL]"]
    assert report.dropped_by_reason == {"first": 1, "duplicate": 1}
    assert report.scrubbed == {"email": 1}
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(d["id"], d["dropped_reason"]) for d in lines] == [("r2", "first"), ("r3", "duplicate")]
    assert "jo@example.org" not in path.read_text()


def test_dropped_writer_leaves_nothing_on_error(tmp_path: Path) -> None:
    """An error midway leaves no dropped file behind."""
    path = tmp_path / "dropped.jsonl"
    writer = DroppedWriter(str(path))
    writer(_reply("x"), "empty")
    writer.__exit__(RuntimeError, RuntimeError("boom"), None)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_dropped_writer_names_its_file_when_a_write_fails(tmp_path: Path) -> None:
    """A failed write (a full disk) in the writer's block is one ExportError naming the
    dropped file, which is not left behind."""
    import errno

    from tearcorpus.errors import ExportError

    path = tmp_path / "dropped.jsonl"
    failed = pytest.raises(ExportError, match=r"dropped\.jsonl: cannot write: no space left")
    with failed, DroppedWriter(str(path)) as writer:
        writer(_reply("x"), "empty")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert list(tmp_path.iterdir()) == []
