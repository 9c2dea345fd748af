"""Tasks for Label Studio, doccano and a sheet: sampled by thread, with context and hashes."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import tearcorpus
from tearcorpus import AnonymizeStep, annotate
from tearcorpus.annotate import text_sha1

from .conftest import LABELS, THREADS


def test_label_studio_tasks_and_config(tmp_path: Path) -> None:
    """Label Studio's import format: a list of {"data": ...} with the record id, the text,
    its context and its hash; a config whose Choices named label points at Text text."""
    corpus = tearcorpus.read(THREADS)
    result = annotate.export_tasks(THREADS, tmp_path / "t", tool="label-studio", labels=LABELS)
    assert (result.items, result.threads, result.eligible) == (9, 2, 9)
    tasks = json.loads((tmp_path / "t" / "tasks.json").read_text())
    assert [set(t) for t in tasks] == [{"data"}] * 9
    by_id = {r.id: r for r in corpus.replies}
    posts = {p.id: p for p in corpus.posts}
    for task in tasks:
        data = task["data"]
        reply = by_id[data["id"]]
        assert data["text"] == reply.text
        assert data["text_sha1"] == text_sha1(reply.text)
        assert data["post_title"] == posts[reply.post_id].title
        assert data["parent_text"] == posts[reply.post_id].text  # direct replies
        assert "author" not in data  # not anonymised: no author at all
    config = ET.fromstring((tmp_path / "t" / "label_config.xml").read_text())
    choices = config.find("Choices")
    assert choices is not None
    assert (choices.get("name"), choices.get("toName"), choices.get("choice")) == (
        "label",
        "text",
        "single-radio",
    )
    assert [c.get("value") for c in choices.findall("Choice")] == list(LABELS)
    text = [t for t in config.findall("Text") if t.get("name") == "text"]
    assert text
    assert text[0].get("value") == "$text"
    # Every $field of the config is in every task.
    fields = {e.get("value", "")[1:] for e in config.iter() if e.get("value", "").startswith("$")}
    assert all(fields <= set(task["data"]) for task in tasks)


def test_multi_config_and_label_escaping(tmp_path: Path) -> None:
    """--multi makes a multiple-choice control; label text is escaped in the XML."""
    annotate.export_tasks(
        THREADS, tmp_path, tool="label-studio", labels=("a&b", 'say "hi"', "<x>"), multi=True
    )
    choices = ET.fromstring((tmp_path / "label_config.xml").read_text()).find("Choices")
    assert choices is not None
    assert choices.get("choice") == "multiple"
    assert [c.get("value") for c in choices.findall("Choice")] == ["a&b", 'say "hi"', "<x>"]


def test_doccano_tasks_keep_id_and_context(tmp_path: Path) -> None:
    """doccano's text-classification import: one JSON object a line with text, id, context."""
    annotate.export_tasks(THREADS, tmp_path, tool="doccano", labels=LABELS, context=("parent",))
    lines = [json.loads(line) for line in (tmp_path / "tasks.jsonl").read_text().splitlines()]
    assert len(lines) == 9
    assert all(set(line) == {"id", "text", "parent_text", "text_sha1"} for line in lines)
    assert not (tmp_path / "tasks.json").exists()


def test_csv_sheet_is_excel_safe(tmp_path: Path) -> None:
    """The sheet has a BOM, one row per item, an empty label column, and defused cells."""
    corpus = tearcorpus.Corpus(
        [
            tearcorpus.Post(id="p", platform="youtube", title="=HYPERLINK(1)", text="post"),
            tearcorpus.Reply(id="r1", post_id="p", text="-1 for this", platform="youtube"),
            tearcorpus.Reply(id="r2", post_id="p", text="plain", platform="youtube"),
        ]
    )
    annotate.export_tasks(corpus, tmp_path, tool="csv", labels=LABELS)
    raw = (tmp_path / "tasks.csv").read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == ["r1", "r2"]
    assert rows[0]["text"] == "'-1 for this"
    assert rows[0]["post_title"] == "'=HYPERLINK(1)"
    assert rows[1]["text"] == "plain"
    assert rows[1]["label"] == ""
    assert rows[1]["rater"] == ""


def test_sample_keeps_threads_together_and_is_seeded(tmp_path: Path) -> None:
    """--sample takes whole threads in a seeded order, cutting at most one; same seed,
    same items; each thread's items are contiguous."""
    corpus = tearcorpus.read(THREADS)
    sizes = {t.post_id: len(t) for t in corpus.threads()}
    picks = {}
    for seed in range(6):
        items, _ = annotate.select_items(corpus, sample=6, seed=seed)
        again, _ = annotate.select_items(corpus, sample=6, seed=seed)
        assert items == again
        assert len(items) == 6
        threads = [i.post_id for i in items]
        # contiguous: a thread's items are never interrupted by another's
        assert threads == sorted(threads, key=threads.index)
        first = threads[0]
        assert threads.count(first) == min(6, sizes[first])  # the first thread whole
        picks[seed] = tuple(i.id for i in items)
    assert len(set(picks.values())) > 1  # the seed matters


def test_stratified_sample_spreads_over_threads() -> None:
    """--stratify post spreads the sample evenly over the threads."""
    corpus = tearcorpus.read(THREADS)
    items, _ = annotate.select_items(corpus, sample=4, seed=3, stratify="post")
    assert sorted(i.post_id for i in items).count(items[0].post_id) == 2
    assert len({i.post_id for i in items}) == 2


def test_deleted_and_empty_replies_are_skipped_and_counted() -> None:
    """Deleted, removed or empty replies are not items; they are counted."""
    corpus = tearcorpus.Corpus(
        [
            tearcorpus.Post(id="p", platform="reddit", title="t"),
            tearcorpus.Reply(id="a", post_id="p", text="kept", platform="reddit"),
            tearcorpus.Reply(id="b", post_id="p", text="[deleted]", is_deleted=True),
            tearcorpus.Reply(id="c", post_id="p", text="  "),
            tearcorpus.Reply(id="d", post_id="p", parent_id="a", text="child", platform="reddit"),
        ]
    )
    items, skipped = annotate.select_items(corpus)
    assert [i.id for i in items] == ["a", "d"]
    assert skipped == 2
    assert items[1].parent_text == "kept"  # the parent reply's text


def test_anonymized_tasks_carry_pseudonyms_and_record_ids(tmp_path: Path) -> None:
    """With anonymisation the tasks carry pseudonyms only, and the record ids unchanged."""
    corpus = tearcorpus.Corpus(
        [
            tearcorpus.Post(id="p", platform="youtube", title="t", text="post"),
            tearcorpus.Reply(
                id="Ugx1",
                post_id="p",
                platform="youtube",
                text="thanks @RealName for this",
                author=tearcorpus.Author(id="UC-real", name="RealName"),
            ),
        ]
    )
    key = bytes(range(32))
    annotate.export_tasks(
        corpus, tmp_path, tool="label-studio", labels=LABELS, transforms=[AnonymizeStep(key=key)]
    )
    data = json.loads((tmp_path / "tasks.json").read_text())[0]["data"]
    assert data["id"] == "Ugx1"
    assert data["author"].startswith("anon-")
    assert "RealName" not in json.dumps(data)
    assert data["author"] == tearcorpus.transforms.pseudonym(key, "youtube", "UC-real")


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    """Unknown tools, repeated labels and empty corpora are refused before writing."""
    with pytest.raises(tearcorpus.TearcorpusError, match="unknown annotation tool"):
        annotate.export_tasks(THREADS, tmp_path / "a", tool="prodigy", labels=LABELS)
    with pytest.raises(tearcorpus.TearcorpusError, match="given twice"):
        annotate.export_tasks(THREADS, tmp_path / "b", tool="csv", labels=("x", "x"))
    with pytest.raises(tearcorpus.TearcorpusError, match="no reply"):
        annotate.export_tasks(tearcorpus.Corpus(), tmp_path / "c", tool="csv", labels=LABELS)
    assert not any((tmp_path / name).exists() for name in "abc")
