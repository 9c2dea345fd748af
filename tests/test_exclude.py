"""Consent that sticks: the opt-out list leaves records and authors out on every path,
counted as withdrawn, and publish refuses a folder built without it."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

import tearcorpus
from tearcorpus import ExcludeStep, Post, parallel
from tearcorpus.cli import main
from tearcorpus.transforms import Excluder, pseudonym
from tearcorpus.transforms.exclude import digest

DATA = Path(__file__).parent / "data"
THREAD = DATA / "reddit" / "thread.json"
KEY = b"0123456789abcdef-a-test-key"


def _opt_out(tmp_path: Path, corpus: tearcorpus.Corpus, *, pseudonymous: bool = False) -> Path:
    """A list naming one comment, and the author of another (raw or as a pseudonym)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    first, other = (
        corpus.replies[0],
        next(
            r
            for r in corpus.replies[1:]
            if r.author
            and r.author.id
            and r.author.id != (corpus.replies[0].author.id if corpus.replies[0].author else None)
        ),
    )
    assert other.author is not None
    assert other.author.id is not None
    author = pseudonym(KEY, other.platform, other.author.id) if pseudonymous else other.author.id
    path = tmp_path / "opt-out.txt"
    path.write_text(f"# requests received\n{first.id}\n\nauthor:{author}\n")
    return path


def _expected(corpus: tearcorpus.Corpus, path: Path) -> list[str]:
    ids, authors = tearcorpus.transforms.exclude.read_list(str(path))
    return [
        r.id
        for r in corpus.replies
        if r.id not in ids and not (r.author and r.author.id in authors)
    ]


def test_excluder_drops_ids_posts_with_their_replies_and_authors() -> None:
    """A comment id, a post id (with every reply under it) and an author are withdrawn."""
    corpus = tearcorpus.read(THREAD)
    post = corpus.posts[0]
    report = tearcorpus.Report()
    excluder = Excluder(frozenset({post.id}), frozenset())
    kept = [r for r in corpus if not isinstance(excluder.apply(r, report), tearcorpus.Drop)]
    assert kept == []
    reply = corpus.replies[3]
    assert reply.author is not None
    assert reply.author.id is not None
    by_author = Excluder(frozenset(), frozenset({reply.author.id}))
    assert isinstance(by_author.apply(reply, report), tearcorpus.Drop)
    hidden = Excluder(
        frozenset(), frozenset({pseudonym(KEY, reply.platform, reply.author.id)}), KEY
    )
    assert isinstance(hidden.apply(reply, report), tearcorpus.Drop)
    assert not isinstance(Excluder(frozenset(), frozenset()).apply(reply, report), tearcorpus.Drop)


@pytest.mark.parametrize("pseudonymous", [False, True])
def test_convert_withdraws_on_one_process_and_workers_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pseudonymous: bool
) -> None:
    """--exclude drops the listed records as 'withdrawn', with raw ids or pseudonyms,
    the same with two workers; the counts add up."""
    corpus = tearcorpus.read(THREAD)
    path = _opt_out(tmp_path, corpus, pseudonymous=pseudonymous)
    expected = len(corpus.replies) - len(_expected(corpus, _opt_out(tmp_path / "raw", corpus)))
    monkeypatch.setenv("TEARCORPUS_KEY", KEY.decode())
    monkeypatch.setattr(parallel, "MIN_WORKER_BYTES", 0)
    outputs = []
    for workers in (1, 2):
        out = tmp_path / f"out-{workers}"
        argv = ["convert", str(THREAD), str(THREAD), "--to", "jsonl", "-o", str(out)]
        assert main([*argv, "--exclude", str(path), "--anonymize", "--workers", str(workers)]) == 0
        outputs.append((out / "replies.jsonl").read_bytes())
        read = orjson.loads((out / "manifest.json").read_bytes())["read"]
        # The thread given twice is merged first: each record is withdrawn once.
        assert read["dropped_by_reason"] == {"withdrawn": expected}
        assert read["read"] == read["written"] + read["rejected"] + read["dropped"] + read["merged"]
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) == len(corpus.replies) - expected


def test_environment_list_applies_and_the_card_counts_without_naming(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TEARCORPUS_EXCLUDE applies to convert by default; the Hub card states how many
    records were withdrawn (not which) and the list's digest."""
    pytest.importorskip("pyarrow")
    corpus = tearcorpus.read(THREAD)
    path = _opt_out(tmp_path, corpus)
    monkeypatch.setenv("TEARCORPUS_EXCLUDE", str(path))
    result = tearcorpus.convert(
        [THREAD], to="hub", out=tmp_path / "hub", transforms=(ExcludeStep(str(path)),)
    )
    report = result.report
    assert report is not None
    withdrawn = report.dropped_by_reason["withdrawn"]
    assert withdrawn == len(corpus.replies) - len(_expected(corpus, path))
    assert report.read == result.written + report.rejected + report.dropped + (report.merged)
    card = (tmp_path / "hub" / "README.md").read_text()
    assert f"{withdrawn} records were withdrawn" in card
    assert digest(str(path)) in card
    assert corpus.replies[0].id not in card
    assert main(["convert", str(THREAD), "--to", "jsonl", "-o", str(tmp_path / "env")]) == 0
    env = tearcorpus.read(tmp_path / "env")
    assert corpus.replies[0].id not in {r.id for r in env.replies}


def test_publish_refuses_a_folder_built_without_the_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With an opt-out list configured, publish refuses a folder built without it or with
    an older version of it, before any request."""
    pytest.importorskip("huggingface_hub")
    corpus = tearcorpus.read(THREAD)
    path = _opt_out(tmp_path, corpus)
    monkeypatch.setenv("TEARCORPUS_KEY", KEY.decode())
    monkeypatch.delenv("TEARCORPUS_EXCLUDE", raising=False)
    without = tmp_path / "without"
    assert main(["convert", str(THREAD), "--to", "hub", "-o", str(without), "--anonymize"]) == 0
    with pytest.raises(tearcorpus.ExportError, match="built without the opt-out list"):
        tearcorpus.publish(without, "me/corpus", exclude=path, endpoint="http://127.0.0.1:9")
    built = tmp_path / "built"
    argv = ["convert", str(THREAD), "--to", "hub", "-o", str(built), "--anonymize"]
    assert main([*argv, "--exclude", str(path)]) == 0
    path.write_text(path.read_text() + "someone-else\n")
    monkeypatch.setenv("TEARCORPUS_EXCLUDE", str(path))
    with pytest.raises(tearcorpus.ExportError, match="another version of the opt-out list"):
        tearcorpus.publish(built, "me/corpus", endpoint="http://127.0.0.1:9")
    assert isinstance(corpus.posts[0], Post)
