"""--to messages: chat-format rows that datasets loads and a chat template renders; the Hub
folder's messages config; the same bytes with workers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

import tearcorpus
from tearcorpus import parallel, read, sample_path
from tearcorpus.cli import main
from tearcorpus.errors import TearcorpusError
from tearcorpus.exporters.messages import write_messages

DATA = Path(__file__).parent.parent / "data"
SAMPLE = str(sample_path())
KEY = "5f0c9a2e7b31d84c6a9e0f2b7d4c1a38e6b90d57c2f14a8b3e7d06c9a5f21b4e"
#: Several formats and threads: posts after their replies (RC before RS), a thread without
#: its post, a reply whose parent is absent, a comment seen twice (merged by id).
INPUTS = [
    str(DATA / "pushshift" / "RC_2024-01.ndjson"),
    str(DATA / "pushshift" / "RS_2024-01.ndjson"),
    str(DATA / "reddit" / "thread.json"),
    str(DATA / "ytdlp" / "ytdlp_Xq7Tz0bWc3M.info.json"),
    str(DATA / "ycd" / "ycd_Xq7Tz0bWc3M.jsonl"),
    SAMPLE,
]

#: A ChatML template, as chat models ship them (rendered here without a tokenizer).
CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def _lines(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_the_sample_gives_19_conversations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bundled sample: one row per reply (19), each the post as system and the reply as
    user (no author in a text dump is the uploader), counted in the manifest."""
    out = tmp_path / "msg"
    assert main(["convert", SAMPLE, "--to", "messages", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "wrote 1 posts and 19 replies" in printed
    rows = _lines(out / "messages.jsonl")
    assert len(rows) == 19
    corpus = read(SAMPLE)
    assert [row["id"] for row in rows] == [reply.id for reply in corpus.replies]
    post = corpus.posts[0]
    for row, reply in zip(rows, corpus.replies, strict=True):
        assert row["post_id"] == post.id
        assert row["messages"] == [
            {"role": "system", "content": f"{post.title}\n\n{post.text}", "name": None},
            {"role": "user", "content": reply.text, "name": None},
        ]
        assert row["complete"] is True
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "tearcorpus-messages"
    assert (manifest["conversations"], manifest["posts"], manifest["replies"]) == (19, 1, 19)
    assert (manifest["conversation"], manifest["assistant"]) == ("path", "uploader")
    assert manifest["notes"] == {}
    assert manifest["files"] == {"messages": "messages.jsonl"}
    assert manifest["read"]["written"] == 20


def test_rows_load_with_datasets_and_render_through_a_chat_template(tmp_path: Path) -> None:
    """datasets.load_dataset("json") loads the rows with ``messages`` as a list of
    {role, content, name}, and each goes through a ChatML template as it is."""
    datasets = pytest.importorskip("datasets")
    jinja2 = pytest.importorskip("jinja2.sandbox")
    out = tmp_path / "msg"
    result = write_messages(read(DATA / "reddit" / "thread.json"), str(out))
    assert (result.posts, result.replies) == (1, 6)
    ds = datasets.load_dataset(
        "json", data_files=str(out / "messages.jsonl"), split="train", cache_dir=str(tmp_path)
    )
    assert len(ds) == 6
    assert ds.features["messages"] == datasets.List(
        {
            "role": datasets.Value("string"),
            "content": datasets.Value("string"),
            "name": datasets.Value("string"),
        }
    )
    env = jinja2.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(CHATML)
    by_id = {row["id"]: row for row in ds}
    rendered = template.render(messages=by_id["k0c3"]["messages"], add_generation_prompt=True)
    assert rendered.startswith("<|im_start|>system\nKettles & teapots: which one <3\n\n")
    assert rendered.count("<|im_start|>") == 5  # four turns and the generation prompt
    assert "<|im_start|>assistant\nThanks, I will try that.<|im_end|>\n" in rendered
    assert rendered.endswith(
        "Third level, and the thread goes on.<|im_end|>\n<|im_start|>assistant\n"
    )
    for row in ds:
        text = template.render(messages=row["messages"], add_generation_prompt=False)
        assert text.count("<|im_end|>") == len(row["messages"])


def test_pair_and_no_assistant_from_the_command_line(tmp_path: Path) -> None:
    """--conversation pair --assistant none: two turns, every one user, named."""
    out = tmp_path / "msg"
    argv = ["convert", str(DATA / "reddit" / "thread.json"), "--to", "messages", "-o", str(out)]
    assert main([*argv, "--conversation", "pair", "--assistant", "none"]) == 0
    rows = {row["id"]: row for row in _lines(out / "messages.jsonl")}
    assert [(m["role"], m["name"]) for m in rows["k0c3"]["messages"]] == [
        ("user", "kettle_fan"),
        ("user", "leaf_reader"),
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["conversation"], manifest["assistant"]) == ("pair", "none")


def test_incomplete_threads_are_flagged_counted_and_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A thread without its post and a reply without its parent: rows written, flagged,
    counted in the manifest and in the command's output."""
    out = tmp_path / "msg"
    inputs = [
        str(DATA / "pushshift" / "RC_2024-01.ndjson"),
        str(DATA / "pushshift" / "RS_2024-01.ndjson"),
    ]
    assert main(["convert", *inputs, "--to", "messages", "-o", str(out)]) == 0
    assert "noted missing-parent 1, missing-post 1" in capsys.readouterr().out
    rows = {row["id"]: row for row in _lines(out / "messages.jsonl")}
    assert [row["id"] for row in rows.values() if not row["complete"]] == ["kaaa005"]
    assert rows["kaaa005"]["messages"] == [
        {"role": "user", "content": rows["kaaa005"]["messages"][0]["content"], "name": "far_away"}
    ]
    # The post came after its replies in the input: their rows still start with it.
    assert rows["kaaa003"]["messages"][0]["role"] == "system"
    assert [m["role"] for m in rows["kaaa003"]["messages"]] == [
        "system",
        "user",
        "assistant",
        "user",
    ]
    assert json.loads((out / "manifest.json").read_text())["notes"] == {
        "missing-parent": 1,
        "missing-post": 1,
    }


def test_anonymised_names_are_pseudonyms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--anonymize: every turn's name and author id is a pseudonym; no source name left."""
    monkeypatch.setenv("TEARCORPUS_KEY", KEY)
    out = tmp_path / "msg"
    thread = str(DATA / "reddit" / "thread.json")
    assert main(["convert", thread, "--to", "messages", "--anonymize", "-o", str(out)]) == 0
    text = (out / "messages.jsonl").read_text()
    for name in ("kettle_fan", "leaf_reader", "t2_op111", "t2_leaf3"):
        assert name not in text
    rows = {row["id"]: row for row in _lines(out / "messages.jsonl")}
    names = [m["name"] for m in rows["k0c3"]["messages"]]
    assert names[0] == names[2] != names[1] == names[3]  # the OP twice, the other reader twice
    assert names[1] == rows["k0c3"]["author_id"]
    assert [m["role"] for m in rows["k0c3"]["messages"]] == ["system", "user", "assistant", "user"]


@pytest.mark.parametrize("fmt", ["messages", "convokit"])
def test_two_workers_write_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """--workers 2 (records parsed in processes, merged back in input order) writes the
    same files as one process, for both conversation exports."""
    monkeypatch.setattr(parallel, "MIN_WORKER_BYTES", 0)
    job = tearcorpus.ConvertJob(INPUTS, to=fmt, out=str(tmp_path / "two"), workers=2)
    assert tearcorpus.pipeline.worth_workers(job)  # processes really start
    one = tearcorpus.convert(INPUTS, to=fmt, out=tmp_path / "one")
    two = tearcorpus.pipeline.run(job)
    assert (one.posts, one.replies, one.notes) == (two.posts, two.replies, two.notes)
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tearcorpus-")]


def test_a_spilled_run_writes_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a memory limit of a few records (threads spilled to disk and cut again), the
    file is the same as in memory."""
    from tearcorpus import _groups

    whole = tearcorpus.convert(INPUTS, to="messages", out=tmp_path / "whole")
    monkeypatch.setattr(_groups, "HELD_VALUES", 3)
    spilled = tearcorpus.convert(INPUTS, to="messages", out=tmp_path / "spilled")
    assert _files(tmp_path / "whole") == _files(tmp_path / "spilled")
    assert whole.replies == spilled.replies == len(_lines(tmp_path / "whole" / "messages.jsonl"))


def test_options_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Bad values fail before any work: a usage error on the command line, a one-line
    error from Python; --messages belongs to the Hub folder."""
    with pytest.raises(SystemExit) as usage:
        main(
            [
                "convert",
                SAMPLE,
                "--to",
                "messages",
                "-o",
                str(tmp_path / "a"),
                "--conversation",
                "tree",
            ]
        )
    assert usage.value.code == 2
    assert "--conversation" in capsys.readouterr().err
    with pytest.raises(TearcorpusError, match="unknown conversation 'tree'"):
        tearcorpus.convert(SAMPLE, to="messages", out=tmp_path / "b", conversation="tree")  # type: ignore[arg-type]
    with pytest.raises(TearcorpusError, match="unknown assistant 'op'"):
        tearcorpus.convert(SAMPLE, to="messages", out=tmp_path / "b", assistant="op")  # type: ignore[arg-type]
    assert main(["convert", SAMPLE, "--to", "jsonl", "--messages", "-o", str(tmp_path / "c")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--messages" in err
    assert not (tmp_path / "b").exists()
    assert not (tmp_path / "c").exists()


def test_nothing_is_left_when_the_records_fail(tmp_path: Path) -> None:
    """An error while the records stream in leaves no file and no scratch folder."""

    def failing() -> Any:
        yield from read(SAMPLE)
        raise TearcorpusError("the input broke")

    out = tmp_path / "msg"
    with pytest.raises(TearcorpusError, match="the input broke"):
        write_messages(failing(), str(out))
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_overwrite_replaces_another_export(tmp_path: Path) -> None:
    """--overwrite from JSON Lines to messages and back: no file of the other run stays."""
    out = tmp_path / "out"
    assert main(["convert", SAMPLE, "--to", "jsonl", "-o", str(out)]) == 0
    assert main(["convert", SAMPLE, "--to", "messages", "-o", str(out), "--overwrite"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "messages.jsonl"]
    assert main(["convert", SAMPLE, "--to", "jsonl", "-o", str(out), "--overwrite"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json",
        "posts.jsonl",
        "replies.jsonl",
    ]
    assert main(["convert", SAMPLE, "--to", "messages", "-o", str(out)]) == 1  # not empty


def test_a_corpus_without_replies_writes_no_rows(tmp_path: Path) -> None:
    """Posts alone: no conversation, no empty messages.jsonl, the manifest says so."""
    result = write_messages(read(DATA / "ytdlp" / "no_comments.info.json"), str(tmp_path / "m"))
    assert (result.posts, result.replies) == (1, 0)
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["manifest.json"]


# -- the Hub folder's messages config ------------------------------------------------------


@pytest.fixture
def offline_datasets(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``datasets``, with the Hub and datasets offline (no network in these tests)."""
    datasets = pytest.importorskip("datasets")
    pytest.importorskip("huggingface_hub")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    return datasets


def test_hub_folder_messages_config_loads_offline(tmp_path: Path, offline_datasets: Any) -> None:
    """--to hub --messages: a messages config, split by thread like the others, that
    load_dataset(folder, "messages") loads offline with its declared features; the card
    lists and describes it. Without --messages there is none."""
    from tearcorpus.schema import features

    datasets = offline_datasets
    out = tmp_path / "hub"
    argv = ["convert", *INPUTS, "--to", "hub", "-o", str(out), "--split-ratios", "0.5,0.5,0"]
    assert main([*argv, "--messages"]) == 0
    dd = datasets.load_dataset(str(out), "messages", cache_dir=str(tmp_path / "cache"))
    expected = {row["id"]: row for row in tearcorpus.conversations.iter_messages(read(INPUTS))}
    rows = [row for split in dd.values() for row in split]
    assert len(rows) == len(expected)
    for split in dd.values():
        assert split.features == features("messages")
    for row in rows:
        want = expected[row["id"]]
        assert row["messages"] == want["messages"]
        assert row["complete"] == want["complete"]
    # Split by thread: each split's messages are the replies of that split's threads.
    for name, split in dd.items():
        replies = datasets.load_dataset(
            str(out), "replies", split=name, cache_dir=str(tmp_path / "c2")
        )
        assert sorted(split["id"]) == sorted(replies["id"])
    from tearcorpus.publish import check_hub_folder

    _, uploaded = check_hub_folder(str(out))  # publish takes the new config's shards too
    assert sorted(f for f in uploaded if f.startswith("messages/")) == [
        f"messages/{split}-00000-of-00001.parquet" for split in ("train", "validation")
    ]
    readme = (out / "README.md").read_text()
    assert "### `messages`" in readme
    assert "| `messages` | list of {role, content, name} | no |" in readme
    plain = tmp_path / "plain"
    assert main(["convert", *INPUTS, "--to", "hub", "-o", str(plain)]) == 0
    assert not (plain / "messages").exists()


def test_hub_messages_with_workers_are_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline_datasets: Any
) -> None:
    """--workers 2 (Arrow batches from the workers) writes the same messages shards."""
    monkeypatch.setattr(parallel, "MIN_WORKER_BYTES", 0)
    one = tearcorpus.convert(INPUTS, to="hub", out=tmp_path / "one", messages=True)
    two = tearcorpus.convert(INPUTS, to="hub", out=tmp_path / "two", messages=True, workers=2)
    assert one.notes == two.notes == {"missing-parent": 1, "missing-post": 1}
    assert _files(tmp_path / "one") == _files(tmp_path / "two")
    assert any(name.startswith("messages/") for name in _files(tmp_path / "one"))
