"""--to convokit: a corpus folder in ConvoKit's format, checked against what its loader
reads (and, where convokit is installed, loaded by ``convokit.Corpus``)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import tearcorpus
from tearcorpus import Author, Platform, Post, Record, Reply, read, sample_path
from tearcorpus.cli import main
from tearcorpus.errors import ExportError
from tearcorpus.exporters.convokit import FILES, UNKNOWN_SPEAKER, write_convokit

DATA = Path(__file__).parent.parent / "data"
SAMPLE = str(sample_path())
PUSHSHIFT = [
    str(DATA / "pushshift" / "RC_2024-01.ndjson"),
    str(DATA / "pushshift" / "RS_2024-01.ndjson"),
]
THREAD = str(DATA / "reddit" / "thread.json")


def _utterances(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "utterances.jsonl").read_text().splitlines()]


def _types(objects: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Each metadata key with the types of its values other than None."""
    found: dict[str, set[str]] = {}
    for meta in objects:
        for key, value in meta.items():
            kinds = found.setdefault(key, set())
            if value is not None:
                kinds.add(str(type(value)))
    return found


def check_convokit_folder(folder: Path) -> dict[str, Any]:
    """What ConvoKit's loader (``Corpus(filename=...)`` from a folder) reads, checked: the
    five files; each utterance line with ``id``, ``speaker``, ``conversation_id``,
    ``reply_to``, ``timestamp``, ``text``, ``meta``; ``speakers.json`` and
    ``conversations.json`` mapping ids to ``{"meta": ..., "vectors": [...]}``; ``corpus.json``
    a mapping; ``index.json`` with the four indexes, ``version`` and ``vectors``, every
    metadata key listed with the types of its values. And what ConvoKit's
    ``Conversation.check_integrity`` and tree walks need: unique utterance ids, each
    conversation with exactly one root (``reply_to`` null) whose id is the conversation
    id, every ``reply_to`` an utterance of the same conversation, no loop."""
    for name in FILES:
        assert (folder / name).is_file(), name
    utterances = _utterances(folder)
    speakers = json.loads((folder / "speakers.json").read_text())
    conversations = json.loads((folder / "conversations.json").read_text())
    corpus = json.loads((folder / "corpus.json").read_text())
    index = json.loads((folder / "index.json").read_text())
    assert isinstance(corpus, dict)
    by_id: dict[str, dict[str, Any]] = {}
    for utt in utterances:
        assert {"id", "speaker", "conversation_id", "reply_to", "timestamp", "text", "meta"} <= set(
            utt
        )
        assert isinstance(utt["id"], str)
        assert utt["id"] not in by_id
        assert isinstance(utt["speaker"], str)
        assert utt["speaker"] in speakers
        assert isinstance(utt["text"], str)
        assert utt["timestamp"] is None or isinstance(utt["timestamp"], int)
        assert isinstance(utt["meta"], dict)
        assert "meta" not in utt["meta"]
        by_id[utt["id"]] = utt
    roots: Counter[str] = Counter()
    for utt in utterances:
        conversation = utt["conversation_id"]
        assert conversation in conversations
        if utt["reply_to"] is None:
            roots[conversation] += 1
            assert utt["id"] == conversation
        else:
            parent = by_id[utt["reply_to"]]  # resolves
            assert parent["conversation_id"] == conversation
        # Walks up to the root without a loop.
        seen = {utt["id"]}
        current = utt
        while current["reply_to"] is not None:
            current = by_id[current["reply_to"]]
            assert current["id"] not in seen
            seen.add(current["id"])
    assert roots == dict.fromkeys(conversations, 1)
    for table in (speakers, conversations):
        for entry in table.values():
            assert set(entry) == {"meta", "vectors"}
            assert entry["vectors"] == []
    assert set(index) == {
        "utterances-index",
        "speakers-index",
        "conversations-index",
        "overall-index",
        "version",
        "vectors",
    }
    assert isinstance(index["version"], int)
    assert index["vectors"] == []
    expected = {
        "utterances-index": _types([u["meta"] for u in utterances]),
        "speakers-index": _types([s["meta"] for s in speakers.values()]),
        "conversations-index": _types([c["meta"] for c in conversations.values()]),
        "overall-index": _types([corpus]),
    }
    for name, types in expected.items():
        listed = index[name]
        assert {key: set(value) for key, value in listed.items()} == types, name
        assert all(len(value) == len(set(value)) for value in listed.values())
    return {
        "utterances": by_id,
        "speakers": speakers,
        "conversations": conversations,
        "corpus": corpus,
    }


def test_the_sample_gives_20_utterances_whose_reply_to_resolve(tmp_path: Path) -> None:
    """The bundled sample: the post as root and 19 replies answering it, all resolved."""
    out = tmp_path / "ck"
    assert main(["convert", SAMPLE, "--to", "convokit", "-o", str(out)]) == 0
    found = check_convokit_folder(out)
    utterances = found["utterances"]
    assert len(utterances) == 20
    corpus = read(SAMPLE)
    post = corpus.posts[0]
    assert list(utterances) == [post.id, *(r.id for r in corpus.replies)]
    assert utterances[post.id]["reply_to"] is None
    assert utterances[post.id]["text"] == post.text
    assert utterances[post.id]["meta"]["title"] == post.title
    assert all(utterances[r.id]["reply_to"] == post.id for r in corpus.replies)
    assert all(u["speaker"] == UNKNOWN_SPEAKER for u in utterances.values())
    assert found["corpus"]["num_utterances"] == 20
    assert found["conversations"][post.id]["meta"]["has_post"] is True
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "tearcorpus-convokit"
    assert (manifest["utterances"], manifest["conversations"], manifest["speakers"]) == (20, 1, 1)


def test_a_reddit_thread_keeps_its_tree_speakers_and_times(tmp_path: Path) -> None:
    """Nested replies answer their parents, speakers are author ids with their names,
    timestamps are Unix seconds, the OP's utterances are marked."""
    write_convokit(read(THREAD), str(tmp_path / "ck"))
    found = check_convokit_folder(tmp_path / "ck")
    utterances = found["utterances"]
    assert utterances["k0c3"]["reply_to"] == "k0c2"
    assert utterances["k0c2"]["reply_to"] == "k0c1"
    assert utterances["k0c1"]["reply_to"] == "1abc2de"
    assert utterances["k0c2"]["speaker"] == "t2_op111"
    assert utterances["k0c2"]["meta"]["is_uploader"] is True
    assert utterances["k0c3"]["meta"]["is_uploader"] is False
    assert utterances["k0c3"]["timestamp"] == 1704103200  # 2024-01-01T10:00:00Z
    assert utterances["k0c6"]["speaker"] == UNKNOWN_SPEAKER  # a removed comment
    assert found["speakers"]["t2_op111"]["meta"] == {"name": "kettle_fan"}
    assert found["conversations"]["1abc2de"]["meta"]["author"] == "t2_op111"


def test_missing_posts_and_parents_are_repaired_and_flagged(tmp_path: Path) -> None:
    """A thread without its post gets a placeholder root; a reply whose parent is absent
    answers the post, its parent kept in meta; both counted. The post after its replies in
    the input keeps its place in input order."""
    out = tmp_path / "ck"
    result = tearcorpus.convert(PUSHSHIFT, to="convokit", out=out)
    assert result.notes == {"missing-parent": 1, "missing-post": 1}
    found = check_convokit_folder(out)
    utterances = found["utterances"]
    root = utterances["18zzzz9"]
    assert (root["reply_to"], root["speaker"], root["text"]) == (None, UNKNOWN_SPEAKER, "")
    assert root["meta"]["placeholder"] is True
    orphan = utterances["kaaa005"]
    assert orphan["reply_to"] == "18zzzz9"
    assert orphan["meta"]["parent_id"] == "kzzz001"
    assert orphan["meta"]["reattached"] == "missing-parent"
    assert found["conversations"]["18zzzz9"]["meta"]["has_post"] is False
    assert found["corpus"]["num_placeholder_roots"] == 1
    assert UNKNOWN_SPEAKER in found["speakers"]
    ids = list(utterances)
    assert ids.index("18zzzz9") == ids.index("kaaa005") - 1  # just before its thread
    assert ids.index("19aaaa1") > ids.index("kaaa006")  # the posts came last


def test_parent_loops_are_broken_at_their_earliest_reply(tmp_path: Path) -> None:
    """x -> y -> x (and w under y), z -> z: the earliest reply of each loop answers the post
    instead, flagged; the rest keep their parents; the tree is whole."""
    post = Post(id="p1", platform=Platform.REDDIT, title="t", author=Author(id="op"))
    records: list[Record] = [
        post,
        Reply(id="x", post_id="p1", parent_id="y", author=Author(id="a")),
        Reply(id="y", post_id="p1", parent_id="x", author=Author(id="b")),
        Reply(id="w", post_id="p1", parent_id="y", author=Author(id="a")),
        Reply(id="z", post_id="p1", parent_id="z"),
    ]
    result = write_convokit(records, str(tmp_path / "ck"))
    assert result.notes == {"parent-cycle": 2}
    utterances = check_convokit_folder(tmp_path / "ck")["utterances"]
    assert utterances["x"]["reply_to"] == "p1"
    assert utterances["x"]["meta"]["reattached"] == "parent-cycle"
    assert utterances["y"]["reply_to"] == "x"
    assert utterances["y"]["meta"]["reattached"] is None
    assert utterances["w"]["reply_to"] == "y"
    assert utterances["z"]["reply_to"] == "p1"


def test_a_post_and_a_reply_sharing_an_id_stop_the_export(tmp_path: Path) -> None:
    """ConvoKit needs unique utterance ids: a clash is an error, and nothing is written."""
    records: list[Record] = [
        Post(id="same", platform=Platform.REDDIT, title="t"),
        Post(id="p2", platform=Platform.REDDIT, title="u"),
        Reply(id="same", post_id="p2"),
    ]
    out = tmp_path / "ck"
    with pytest.raises(ExportError, match="share an id"):
        write_convokit(records, str(out))
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_anonymised_speakers_are_pseudonyms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--anonymize: speakers, their names and the conversations' authors are pseudonyms."""
    monkeypatch.setenv(
        "TEARCORPUS_KEY", "5f0c9a2e7b31d84c6a9e0f2b7d4c1a38e6b90d57c2f14a8b3e7d06c9a5f21b4e"
    )
    out = tmp_path / "ck"
    assert main(["convert", THREAD, "--to", "convokit", "--anonymize", "-o", str(out)]) == 0
    found = check_convokit_folder(out)
    everything = "".join((out / name).read_text() for name in FILES)
    for name in ("kettle_fan", "leaf_reader", "t2_op111", "t2_leaf3"):
        assert name not in everything
    op = found["utterances"]["k0c2"]["speaker"]
    assert found["conversations"]["1abc2de"]["meta"]["author"] == op
    assert found["speakers"][op]["meta"]["name"] == op


def test_spilled_and_in_memory_runs_write_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Threads and speakers spilled to disk past a tiny limit: the same files."""
    from tearcorpus import _groups

    inputs = [*PUSHSHIFT, THREAD, SAMPLE]
    tearcorpus.convert(inputs, to="convokit", out=tmp_path / "whole")
    monkeypatch.setattr(_groups, "HELD_VALUES", 2)
    tearcorpus.convert(inputs, to="convokit", out=tmp_path / "spilled")
    for name in FILES:
        assert (tmp_path / "whole" / name).read_bytes() == (
            tmp_path / "spilled" / name
        ).read_bytes()
    check_convokit_folder(tmp_path / "spilled")


@pytest.mark.convokit
def test_convokit_loads_the_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ConvoKit's own loader, ``Corpus(filename=...)``, reads every folder: the counts,
    each conversation's integrity, and tree walks where the comments have times."""
    convokit = pytest.importorskip("convokit")
    monkeypatch.setenv("HOME", str(tmp_path))  # ConvoKit writes its config file there
    cases = {"sample": [SAMPLE], "pushshift": PUSHSHIFT, "thread": [THREAD]}
    for name, inputs in cases.items():
        out = tmp_path / name
        tearcorpus.convert(inputs, to="convokit", out=out)
        ours = check_convokit_folder(out)
        corpus = convokit.Corpus(filename=str(out))
        assert {u.id for u in corpus.iter_utterances()} == set(ours["utterances"])
        assert {c.id for c in corpus.iter_conversations()} == set(ours["conversations"])
        assert {s.id for s in corpus.iter_speakers()} == set(ours["speakers"])
        assert dict(corpus.meta) == ours["corpus"]
        for conversation in corpus.iter_conversations():
            assert conversation.check_integrity(verbose=False), conversation.id
        for utt_id, utt in ours["utterances"].items():
            loaded = corpus.get_utterance(utt_id)
            assert (loaded.reply_to, loaded.speaker.id, loaded.text) == (
                utt["reply_to"],
                utt["speaker"],
                utt["text"],
            )
            assert dict(loaded.meta) == utt["meta"]
        # ConvoKit's own dump of what it loaded holds what we wrote (its dump names
        # ``reply_to`` ``reply-to``, which its loader reads too, and counts the version up).
        corpus.dump(f"{name}-dumped", base_path=str(tmp_path))
        dumped = tmp_path / f"{name}-dumped"
        for file in ("speakers.json", "conversations.json", "corpus.json"):
            assert json.loads((dumped / file).read_text()) == json.loads((out / file).read_text())
        index = json.loads((dumped / "index.json").read_text())
        assert index == {**json.loads((out / "index.json").read_text()), "version": 2}
        again = {u["id"]: u for u in _utterances(dumped)}
        for utt in _utterances(out):
            other = dict(again[utt["id"]])
            other["reply_to"] = other.pop("reply-to")
            assert other == utt
    corpus = convokit.Corpus(filename=str(tmp_path / "thread"))
    walked = [u.id for u in corpus.get_conversation("1abc2de").traverse("dfs")]
    assert walked[0] == "1abc2de"
    assert len(walked) == 7
    assert walked.index("k0c3") == walked.index("k0c2") + 1 == walked.index("k0c1") + 2
