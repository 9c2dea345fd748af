"""tearcorpus JSON Lines: lossless round trip, bad lines, atomic writes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tearcorpus
from tearcorpus import ExportError, ParseError, Post, Record, Reply
from tearcorpus.serialize import from_dict, to_dict

from .strategies import posts, records, replies


def _full(records: list[Record]) -> list[tuple[Record, object]]:
    """Records with their provenance, which equality leaves out."""
    return [(r, r.provenance) for r in records]


@given(st.lists(records, max_size=5))
def test_jsonl_round_trip(tmp_path_factory: pytest.TempPathFactory, items: list[Record]) -> None:
    """Records -> JSONL -> records gives equal records, provenance and extra included."""
    out = tmp_path_factory.mktemp("jsonl")
    result = tearcorpus.write_jsonl(items, str(out), overwrite=True)
    merged = tearcorpus.Corpus(items)  # one record per id, as the writer keeps
    expected_posts = list(merged.posts)
    expected_replies = list(merged.replies)
    assert (result.posts, result.replies) == (len(expected_posts), len(expected_replies))
    back = list(tearcorpus.iter_records(sorted(out.glob("*.jsonl")), format="jsonl"))
    assert _full(back) == _full([*expected_posts, *expected_replies])
    expected: list[Record] = [*expected_posts, *expected_replies]
    assert [r.extra for r in back] == [r.extra for r in expected]


@given(posts | replies)
def test_dict_round_trip(record: Record) -> None:
    """to_dict / from_dict are inverse, and the dict is JSON-serialisable."""
    data = to_dict(record)
    again = from_dict(orjson.loads(orjson.dumps(data)))
    assert again == record
    assert again.provenance == record.provenance


def test_written_files_are_detected_and_summarised(tmp_path: Path) -> None:
    """convert output is read back by format detection, with its original provenance."""
    corpus = tearcorpus.read(tearcorpus.sample_path())
    corpus.to_jsonl(str(tmp_path / "out"))
    back = tearcorpus.read(sorted((tmp_path / "out").glob("*.jsonl")))
    assert back.report.formats == ["jsonl"]
    assert list(back) == list(corpus)
    assert back.replies[0].provenance == corpus.replies[0].provenance
    manifest = orjson.loads((tmp_path / "out" / "manifest.json").read_bytes())
    assert manifest["posts"] == 1
    assert manifest["replies"] == 19
    assert manifest["read"]["read"] == 20


def _broken_file(tmp_path: Path) -> Path:
    good = [to_dict(Reply(id=f"r{i}", post_id="p")) for i in range(3)]
    lines = [orjson.dumps(good[0]), b'{"schema": "tearcorpus/1", "kind": "reply", "id": "x"']
    lines += [b"[1, 2]", orjson.dumps(good[1]), b'{"schema": "tearcorpus/9", "kind": "reply"}']
    lines += [b'{"schema": "tearcorpus/1", "kind": "reply", "id": "y", "post_id": "p", "bogus": 1}']
    lines += [orjson.dumps(good[2])]
    path = tmp_path / "replies.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_lenient_reading_skips_and_locates_bad_lines(tmp_path: Path) -> None:
    """Bad lines are skipped, counted by reason and located; read = kept + rejected."""
    corpus = tearcorpus.read(_broken_file(tmp_path))
    assert [r.id for r in corpus.replies] == ["r0", "r1", "r2"]
    report = corpus.report
    assert report.rejected == 4
    assert report.read == report.posts + report.replies + report.rejected == 7
    assert report.rejected_by_reason == {
        "invalid-json": 1,
        "not-a-record": 1,
        "unsupported-schema": 1,
        "invalid-record": 1,
    }
    located = [str(e).split(": ", 1)[0] for e in report.errors]
    assert located == [f"{tmp_path / 'replies.jsonl'}:{n}" for n in (2, 3, 5, 6)]
    assert "extra fields found (bogus)" in str(report.errors[-1])


def test_strict_reading_stops_at_first_bad_line(tmp_path: Path) -> None:
    """strict=True raises a ParseError naming file and line."""
    path = _broken_file(tmp_path)
    with pytest.raises(ParseError) as info:
        tearcorpus.read(path, strict=True)
    assert info.value.line == 2
    assert info.value.source == str(path)
    assert str(info.value).startswith(f"{path}:2: invalid JSON")


def test_non_empty_output_is_refused(tmp_path: Path) -> None:
    """An existing non-empty output directory is refused unless overwrite=True."""
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ExportError, match="not empty"):
        tearcorpus.write_jsonl([], str(tmp_path))
    tearcorpus.write_jsonl([Reply(id="r", post_id="p")], str(tmp_path), overwrite=True)
    assert (tmp_path / "keep.txt").read_text() == "mine"
    assert not (tmp_path / "posts.jsonl").exists()  # no posts: no empty file
    assert (tmp_path / "replies.jsonl").exists()


def test_failed_export_leaves_nothing_half_written(tmp_path: Path) -> None:
    """An error midway leaves neither target files nor temporary files behind."""

    def exploding() -> Iterator[Record]:
        yield Post(id="p", platform="youtube")
        raise RuntimeError("disk on fire")

    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        tearcorpus.write_jsonl(exploding(), str(out))
    assert not out.exists()  # made by the export, removed with it


def test_unwritable_output_is_an_export_error(tmp_path: Path) -> None:
    """A file where the output directory should be gives a clear ExportError."""
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ExportError, match="not a directory"):
        tearcorpus.write_jsonl([], str(target))


def test_very_long_text_round_trip(tmp_path: Path) -> None:
    """A multi-megabyte text with every kind of line break survives the round trip."""
    text = ('long 👩‍👩‍👧 \r\n\u2028\x00 "q" ' * 200_000)[:3_000_000]
    record = Reply(id="r", post_id="p", text=text)
    tearcorpus.write_jsonl([record], str(tmp_path / "o"))
    (back,) = tearcorpus.read(tmp_path / "o" / "replies.jsonl").replies
    assert back.text == text
