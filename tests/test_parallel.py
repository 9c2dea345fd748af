"""``--workers N``: parsing in processes gives byte-identical output and equal counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

import tearcorpus
from tearcorpus import parallel
from tearcorpus.cli import build_parser, main

DATA = Path(__file__).parent / "data"
SAMPLE = str(tearcorpus.sample_path())
KEY = "5f0c9a2e7b31d84c6a9e0f2b7d4c1a38e6b90d57c2f14a8b3e7d06c9a5f21b4e"

#: Inputs of several formats, one with bad lines and one with a repeated comment.
INPUTS = [
    str(DATA / "pushshift" / "RC_2024-01.ndjson"),
    str(DATA / "pushshift" / "RS_2024-01.ndjson"),
    str(DATA / "reddit" / "thread.json"),
    str(DATA / "ytdlp" / "ytdlp_Xq7Tz0bWc3M.info.json"),
    str(DATA / "ycd" / "ycd_Xq7Tz0bWc3M.jsonl"),
    str(DATA / "text" / "weddings.txt"),
    SAMPLE,
]


@pytest.fixture(autouse=True)
def _workers_on_small_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The inputs here are small: let ``--workers`` start processes for them anyway."""
    monkeypatch.setattr(parallel, "MIN_WORKER_BYTES", 0)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _convert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, *argv: str
) -> tuple[dict[str, bytes], dict[str, Any]]:
    out = tmp_path / name
    assert main(["convert", *INPUTS, "-o", str(out), "--json", *argv]) == 0
    data = orjson.loads(capsys.readouterr().out)
    for key in ("output", "files"):
        data.pop(key)
    return _files(out), data


def _no_scratch_left(tmp_path: Path) -> None:
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tearcorpus-shards-")]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet", "hub"])
def test_two_workers_write_the_same_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """convert --workers 2 writes byte-identical files and equal counts to one worker."""
    if fmt in ("parquet", "hub"):
        pytest.importorskip("pyarrow")
    one, counts_one = _convert(tmp_path, capsys, "one", "--to", fmt)
    two, counts_two = _convert(tmp_path, capsys, "two", "--to", fmt, "--workers", "2")
    assert one.keys() == two.keys()
    for name in one:
        assert one[name] == two[name], name
    assert counts_one == counts_two
    assert counts_one["read"] == (
        counts_one["written"] + counts_one["rejected"] + counts_one["merged"]
    )
    assert counts_one["merged"] >= 1  # the placeholder post of the ycd file, at least
    assert counts_one["rejected"] >= 1  # the truncated Pushshift line, counted in both
    _no_scratch_left(tmp_path)


def test_inputs_keep_their_order_in_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Per-input counts come back in input order, with their located errors."""
    _, one = _convert(tmp_path, capsys, "one", "--to", "jsonl")
    _, three = _convert(tmp_path, capsys, "three", "--to", "jsonl", "--workers", "3")
    sources = three["sources"]
    assert isinstance(sources, list)
    assert [s["source"] for s in sources] == INPUTS
    assert sources == one["sources"]
    assert any(s["errors"] for s in sources)


@pytest.mark.parametrize(
    "transforms",
    [
        ["--normalize", "--filter", "--dedup"],
        ["--anonymize"],
        ["--filter", "--dedup", "--anonymize"],
        ["--anonymize", "--one-pass", "--normalize"],
        ["--filter", "--scrub", "email,url", "--min-chars", "12"],
    ],
    ids=["normalize-filter-dedup", "anonymize", "dedup-anonymize", "one-pass", "scrub"],
)
def test_transforms_give_the_same_corpus(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    transforms: list[str],
) -> None:
    """Shard-safe transforms in workers and stateful ones in the parent: same bytes, counts."""
    monkeypatch.setenv("TEARCORPUS_KEY", KEY)
    one, counts_one = _convert(tmp_path, capsys, "one", "--to", "jsonl", *transforms)
    two, counts_two = _convert(
        tmp_path, capsys, "two", "--to", "jsonl", "--workers", "2", *transforms
    )
    assert one == two
    assert counts_one == counts_two


def test_dropped_records_are_written_aside_in_input_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--write-dropped gives the same dropped file with several workers."""
    argv = ["--to", "jsonl", "--filter", "--dedup"]
    one, _ = _convert(tmp_path, capsys, "one", *argv, "--write-dropped", str(tmp_path / "d1.jsonl"))
    two, _ = _convert(
        tmp_path,
        capsys,
        "two",
        *argv,
        "--write-dropped",
        str(tmp_path / "d2.jsonl"),
        "--workers",
        "2",
    )
    assert one == two
    dropped = (tmp_path / "d1.jsonl").read_bytes()
    assert dropped
    assert (tmp_path / "d2.jsonl").read_bytes() == dropped


def test_inspect_with_workers_gives_the_same_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """inspect --workers 2 --json prints the same object as one worker."""
    assert main(["inspect", "--json", *INPUTS]) == 0
    one = capsys.readouterr().out
    assert main(["inspect", "--json", "--workers", "2", *INPUTS]) == 0
    assert capsys.readouterr().out == one


def test_library_stream_equals_the_reader() -> None:
    """parallel.iter_records yields the reader's records, in order, with the same report."""
    serial_report, parallel_report = tearcorpus.Report(), tearcorpus.Report()
    serial = list(tearcorpus.iter_records(INPUTS, report=serial_report))
    sharded = list(parallel.iter_records(INPUTS, workers=2, report=parallel_report))
    assert sharded == serial
    assert [r.provenance for r in sharded] == [r.provenance for r in serial]
    assert parallel_report.to_dict() == serial_report.to_dict()


def test_strict_error_in_one_shard(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--strict: a bad line in one shard gives the serial run's one-line error, exit 1."""
    argv = ["convert", *INPUTS, "--to", "jsonl", "--strict"]
    assert main([*argv, "-o", str(tmp_path / "one")]) == 1
    expected = capsys.readouterr().err
    assert main([*argv, "-o", str(tmp_path / "two"), "--workers", "2"]) == 1
    err = capsys.readouterr().err
    assert err == expected
    assert err.startswith(f"tearcorpus: error: {INPUTS[0]}:7: ")
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "two").exists()
    _no_scratch_left(tmp_path)


def test_missing_input_among_shards(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing file among the inputs fails as with one worker, leaving nothing behind."""
    missing = str(tmp_path / "nope.ndjson")
    inputs = [INPUTS[1], missing, INPUTS[2]]
    out = tmp_path / "out"
    assert main(["convert", *inputs, "--to", "csv", "-o", str(out), "--workers", "2"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"tearcorpus: error: {missing}: ")
    assert "no such file" in err
    assert not out.exists()
    _no_scratch_left(tmp_path)


def test_missing_key_fails_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--anonymize without a key: the serial run's message, exit 1, with workers too."""
    monkeypatch.delenv("TEARCORPUS_KEY", raising=False)
    argv = ["convert", *INPUTS, "--to", "jsonl", "--anonymize", "--workers", "2"]
    assert main([*argv, "-o", str(tmp_path / "out")]) == 1
    assert "TEARCORPUS_KEY" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_workers_option_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    """--workers takes a count; 0 means one per CPU, a negative number is a usage error."""
    args = build_parser().parse_args(["inspect", SAMPLE, "--workers", "0"])
    assert args.workers == parallel.default_workers() >= 1
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["inspect", SAMPLE, "--workers", "-1"])
    assert exit_info.value.code == 2
    assert "--workers" in capsys.readouterr().err


def test_single_input_and_one_worker_use_the_reader() -> None:
    """With one input or one worker the library call is the plain reader: no processes."""
    import psutil

    from tearcorpus.reader import iter_records

    this = psutil.Process()
    for inputs, workers in (([SAMPLE], 4), (INPUTS, 1)):
        before = {child.pid for child in this.children(recursive=True)}
        stream = parallel.iter_records(inputs, workers=workers)
        first = next(stream)
        assert {child.pid for child in this.children(recursive=True)} <= before
        got = [first, *stream]
        assert got == list(iter_records(inputs))
        assert [r.provenance for r in got] == [r.provenance for r in iter_records(inputs)]


def test_small_inputs_are_read_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--workers starts processes only for enough input, counting compressed and remote
    inputs as large, and never for one worker or one shard."""
    monkeypatch.setattr(parallel, "MIN_WORKER_BYTES", 1 << 20)

    def workers(*inputs: str, count: int = 2) -> bool:
        return parallel.worth_workers(list(inputs), count, None, None)

    assert not workers(*INPUTS)  # a few KB in all
    big = tmp_path / "big.txt"
    big.write_bytes(b"Title\n\nBody.\n\n\n" + b"A reply.\n\n\n" * 100_000)
    assert workers(*INPUTS, str(big))
    assert not workers(*INPUTS, str(big), count=1)
    assert not workers(str(big))  # one shard: a text dump is not cut
    packed = tmp_path / "RC.ndjson.zst"
    packed.write_bytes(bytes.fromhex("28b52ffd") + b"\0" * 16)
    assert workers(SAMPLE, str(packed))
    assert workers(SAMPLE, "s3://bucket/RC_2024-01.ndjson")
    monkeypatch.setattr(parallel, "MIN_WORKER_BYTES", 0)
    assert workers(*INPUTS)
