"""Byte-range shards of one NDJSON file: cut on line boundaries, read with their line
numbers, and converted by several workers into the bytes one worker writes."""

from __future__ import annotations

import gzip
import io
import itertools
import multiprocessing
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tearcorpus import _spans, parallel
from tearcorpus._spans import Span, count_lines, cuttable, open_span, plan_spans
from tearcorpus.cli import main

DATA = Path(__file__).parent / "data"
COMMENTS = (DATA / "pushshift" / "RC_2024-01.ndjson").read_bytes()


def _covers(data: bytes, spans: list[Span]) -> None:
    assert spans[0].start == 0
    assert spans[-1].end == len(data)
    for before, after in itertools.pairwise(spans):
        assert before.end == after.start
        assert data[after.start - 1 : after.start] == b"\n"  # a line starts there


@given(
    lines=st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"x")), min_size=1),
    parts=st.integers(2, 6),
    min_bytes=st.integers(1, 64),
    newline_at_end=st.booleans(),
)
def test_spans_cover_the_file_on_line_boundaries(
    tmp_path_factory: pytest.TempPathFactory,
    lines: list[bytes],
    parts: int,
    min_bytes: int,
    newline_at_end: bool,
) -> None:
    """The ranges are contiguous, start on lines, and their lines are the file's lines."""
    data = b"\n".join(lines) + (b"\n" if newline_at_end else b"")
    path = tmp_path_factory.mktemp("spans") / "f.ndjson"
    path.write_bytes(data)
    spans = plan_spans(str(path), parts, min_bytes)
    if spans is None:
        return
    assert 2 <= len(spans) <= parts
    _covers(data, spans)
    read: list[bytes] = []
    for span in spans:
        with open_span(str(path), span) as stream:
            read.extend(stream)
        assert count_lines(str(path), span) == data[span.start : span.end].count(b"\n")
    assert b"".join(read) == data
    assert read == io.BytesIO(data).readlines()


def test_small_compressed_and_remote_files_are_not_cut(tmp_path: Path) -> None:
    """Only a local plain file of at least two minimum-size parts is cut."""
    plain = tmp_path / "RC.ndjson"
    plain.write_bytes(COMMENTS * 200)
    assert plan_spans(str(plain), 2, min_bytes=len(COMMENTS) * 50) is not None
    assert plan_spans(str(plain), 2) is None  # far below MIN_SPAN_BYTES
    assert plan_spans(str(plain), 1, min_bytes=1) is None
    packed = tmp_path / "RC.ndjson.gz"
    packed.write_bytes(gzip.compress(COMMENTS * 200))
    assert plan_spans(str(packed), 2, min_bytes=1) is None
    assert plan_spans("s3://bucket/RC.ndjson", 2, min_bytes=1) is None
    assert plan_spans(str(tmp_path / "missing.ndjson"), 2, min_bytes=1) is None


def test_cuttable_is_the_size_check_of_plan_spans(tmp_path: Path) -> None:
    """``cuttable`` says no exactly where ``plan_spans`` gives nothing for the file."""
    plain = tmp_path / "RC.ndjson"
    plain.write_bytes(COMMENTS * 200)
    packed = tmp_path / "RC.ndjson.gz"
    packed.write_bytes(gzip.compress(COMMENTS * 200))
    cases = [
        (str(plain), 2, len(COMMENTS) * 50),
        (str(plain), 2, None),
        (str(plain), 1, 1),
        (str(packed), 2, 1),
        ("s3://bucket/RC.ndjson", 2, 1),
        (str(tmp_path / "missing.ndjson"), 2, 1),
    ]
    assert [cuttable(*case) for case in cases] == [True, False, False, False, False, False]
    for case in cases:
        if not cuttable(*case):
            assert plan_spans(*case) is None


@pytest.mark.parametrize("scan", [1, 3, 1 << 16])
def test_line_starts_are_found_in_small_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scan: int
) -> None:
    """A cut goes to the next line start however far it is, and a file of one long line
    (a JSON document) has none to cut at."""
    monkeypatch.setattr(_spans, "_SCAN", scan)
    long_line = b"x" * 5000 + b"\n" + b"y" * 100 + b"\n"
    path = tmp_path / "long.ndjson"
    path.write_bytes(long_line)
    assert plan_spans(str(path), 2, min_bytes=10) == [Span(0, 5001), Span(5001, 5102)]
    one_line = tmp_path / "info.json"
    one_line.write_bytes(b'{"comments": [' + b'{"id": "c"}, ' * 1000 + b"{}]}")
    assert plan_spans(str(one_line), 4, min_bytes=10) is None
    one_line.write_bytes(one_line.read_bytes() + b"\n")
    assert plan_spans(str(one_line), 4, min_bytes=10) is None


@pytest.fixture
def dump(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Pushshift comment file of a few hundred lines with a BOM, CRLF line ends in
    places, blank lines, bad lines past the middle and no newline at the end; files of
    4 KB and more are cut into ranges."""
    monkeypatch.setattr(_spans, "MIN_SPAN_BYTES", 4096)
    monkeypatch.setattr(parallel, "MIN_WORKER_BYTES", 0)
    rows = [orjson.loads(line) for line in COMMENTS.splitlines()[:6]]
    out = bytearray(b"\xef\xbb\xbf")
    for number in range(300):
        row = dict(rows[number % len(rows)], id=f"k{number:05d}", name=f"t1_k{number:05d}")
        out += orjson.dumps(row) + (b"\r\n" if number % 7 == 0 else b"\n")
        if number == 200:
            out += b'{"author": "cut_off", "body": "cut by the dow\n'
        if number == 250:
            out += b"\n[1, 2]\n"
    out += orjson.dumps(dict(rows[0], id="klast", name="t1_klast"))
    path = tmp_path / "RC_2024-02.ndjson"
    path.write_bytes(bytes(out))
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main([*argv, "--json"]) == 0
    data: dict[str, Any] = orjson.loads(capsys.readouterr().out)
    for key in ("output", "files"):
        data.pop(key, None)
    return data


def _same_as_one_worker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], workers: str
) -> dict[str, Any]:
    """Run *argv* with one worker and with *workers*: equal reports, byte-equal files, no
    scratch folder left; the one-worker report."""
    one = _run([*argv, "-o", str(tmp_path / "one")], capsys)
    many = _run([*argv, "-o", str(tmp_path / "many"), "--workers", workers], capsys)
    assert many == one
    names = sorted(str(p.relative_to(tmp_path / "one")) for p in (tmp_path / "one").rglob("*"))
    assert names == sorted(
        str(p.relative_to(tmp_path / "many")) for p in (tmp_path / "many").rglob("*")
    )
    for name in names:
        if (tmp_path / "one" / name).is_file():
            written = (tmp_path / "many" / name).read_bytes()
            assert written == (tmp_path / "one" / name).read_bytes(), name
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tearcorpus-shards-")]
    return one


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "hub"])
@pytest.mark.parametrize("workers", ["2", "3"])
def test_ranges_of_one_file_give_one_workers_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], dump: Path, fmt: str, workers: str
) -> None:
    """One file cut into ranges converts to the bytes, counts and located errors of one
    worker, with one report for the file."""
    shards = parallel.shard_count([str(dump)], int(workers), None, None)
    assert shards == int(workers) * _spans.SPANS_PER_WORKER  # the file really is cut
    one = _same_as_one_worker(tmp_path, capsys, ["convert", str(dump), "--to", fmt], workers)
    assert len(one["sources"]) == 1
    assert one["read"] == one["written"] + one["rejected"] == 303
    assert one["rejected"] == 2
    assert [e.split(":")[1] for e in one["sources"][0]["errors"]] == ["202", "254"]
    if fmt == "jsonl":
        last = (tmp_path / "one" / "replies.jsonl").read_bytes().splitlines()[-1]
        assert orjson.loads(last)["provenance"]["line"] == 304


def test_strict_error_in_a_later_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], dump: Path
) -> None:
    """--strict: a bad line in the second range gives one worker's error, and no output."""
    argv = ["convert", str(dump), "--to", "jsonl", "--strict"]
    assert main([*argv, "-o", str(tmp_path / "one")]) == 1
    expected = capsys.readouterr().err
    assert main([*argv, "-o", str(tmp_path / "two"), "--workers", "2"]) == 1
    assert capsys.readouterr().err == expected
    assert f"{dump}:202: " in expected
    assert not (tmp_path / "two").exists()


def test_library_stream_of_ranges_equals_the_reader(dump: Path) -> None:
    """parallel.iter_records over one cut file yields the reader's records and report."""
    import tearcorpus

    serial_report, sharded_report = tearcorpus.Report(), tearcorpus.Report()
    serial = list(tearcorpus.iter_records(str(dump), report=serial_report))
    sharded = list(parallel.iter_records(str(dump), workers=2, report=sharded_report))
    assert sharded == serial
    assert [r.provenance for r in sharded] == [r.provenance for r in serial]
    assert sharded_report.to_dict() == serial_report.to_dict()


@pytest.mark.parametrize("kernel_copy", ["refused", "missing"])
def test_parts_are_copied_by_hand_without_kernel_copy(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    dump: Path,
    kernel_copy: str,
) -> None:
    """Where os.copy_file_range is refused or missing, the parts are copied by hand."""
    import os

    if kernel_copy == "missing":
        monkeypatch.delattr(os, "copy_file_range", raising=False)
    else:

        def refuse(*_: object) -> int:
            raise OSError(18, "Invalid cross-device link")

        monkeypatch.setattr(os, "copy_file_range", refuse)
    _same_as_one_worker(tmp_path, capsys, ["convert", str(dump), "--to", "jsonl"], "2")
    assert (tmp_path / "many" / "replies.jsonl").stat().st_size > 100_000


def test_excel_safe_csv_from_workers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], dump: Path
) -> None:
    """--excel-safe CSV written by workers: the BOM once, at the start, and the same bytes."""
    argv = ["convert", str(dump), "--to", "csv", "--excel-safe"]
    _same_as_one_worker(tmp_path, capsys, argv, "2")
    written = (tmp_path / "many" / "replies.csv").read_bytes()
    assert written.startswith(b"\xef\xbb\xbfid,")
    assert written.count(b"\xef\xbb\xbf") == 1


@pytest.mark.parametrize("workers", ["2", "3"])
def test_parquet_from_workers_has_one_workers_row_groups(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    dump: Path,
    workers: str,
) -> None:
    """Parquet from workers' Arrow batches: the same row groups and bytes as one worker."""
    pq = pytest.importorskip("pyarrow.parquet")
    from tearcorpus.exporters import parquet

    monkeypatch.setattr(parquet, "BATCH_SIZE", 64)  # row groups that cross the ranges
    one = _same_as_one_worker(tmp_path, capsys, ["convert", str(dump), "--to", "parquet"], workers)
    assert one["written"] == 301
    groups = pq.ParquetFile(tmp_path / "many" / "replies.parquet").metadata
    assert [groups.row_group(i).num_rows for i in range(groups.num_row_groups)] == [64] * 4 + [45]


def test_workers_show_progress_by_shard(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], dump: Path
) -> None:
    """--progress always with workers: a bar over the shards on stderr, nothing on stdout
    but the summary; --progress never: no bar."""
    argv = ["convert", str(dump), "--to", "jsonl", "--workers", "2"]
    assert main([*argv, "-o", str(tmp_path / "shown"), "--progress", "always"]) == 0
    shown = capsys.readouterr()
    assert "converting to jsonl" in shown.err
    assert f"{2 * _spans.SPANS_PER_WORKER}/{2 * _spans.SPANS_PER_WORKER}" in shown.err
    assert "records=301" in shown.err
    assert shown.out.startswith("read 303 records")
    assert main([*argv, "-o", str(tmp_path / "quiet"), "--progress", "never"]) == 0
    assert capsys.readouterr().err == ""


def test_one_shard_runs_in_one_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--workers with a single small (or compressed, or one-document) input starts no
    worker: one shard gains nothing."""
    sample = str(DATA / "pushshift" / "RC_2024-01.ndjson")

    def no_pool(*_: object, **__: object) -> None:
        raise AssertionError("workers started for one shard")

    monkeypatch.setattr(multiprocessing, "get_context", no_pool)
    assert parallel.shard_count([sample], 2, None, None) == 1
    for fmt in ("jsonl", "parquet", "hub"):
        argv = ["convert", sample, "--to", fmt, "-o", str(tmp_path / fmt), "--workers", "2"]
        assert main(argv) == 0
    assert main(["inspect", sample, "--workers", "2"]) == 0
    assert "read 7 records" in capsys.readouterr().out


@pytest.mark.parametrize("fmt", ["parquet", "hub"])
def test_value_beyond_its_column_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """A like count beyond 64 bits (a CSV holds any integer) stops the Arrow exports with
    one line naming the table, exit 1, and no output left."""
    pytest.importorskip("pyarrow")
    import tearcorpus

    post = tearcorpus.Post(id="p1", platform="reddit", title="t", text="x")
    reply = tearcorpus.Reply(id="r1", post_id="p1", platform="reddit", like_count=2**70)
    tearcorpus.write_csv([post, reply], str(tmp_path / "c"))
    replies = tmp_path / "c" / "replies.csv"
    capsys.readouterr()
    out = tmp_path / "out"
    assert main(["convert", str(replies), "--to", fmt, "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tearcorpus: error: replies: a value does not fit its column")
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()
