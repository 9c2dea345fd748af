"""Hostile input (issue 14, the input side): streams read whole, memory bounded whatever the
input, stray bytes rejected line by line, messages that say what is wrong."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

import tearcorpus
from tearcorpus import InputError
from tearcorpus.report import Report

DATA = Path(__file__).parent / "data" / "hostile"
#: Peak memory allowed to a child process reading a bomb (the DESIGN's streaming bound).
PEAK_LIMIT_MB = 300


def _comment(number: int, body: str | None = None) -> bytes:
    """One Pushshift comment line, about 230 bytes."""
    thing = {
        "id": f"c{number:06d}",
        "author": f"reader_{number % 17}",
        "body": body if body is not None else f"comment number {number}: " + "tea " * 30,
        "created_utc": 1704070800 + number,
        "link_id": "t3_hostile",
        "parent_id": "t3_hostile",
        "score": number % 5,
        "subreddit": "TeaTime",
    }
    return orjson.dumps(thing) + b"\n"


def _dump(count: int) -> bytes:
    return b"".join(_comment(i) for i in range(count))


def _feed_fifo(path: Path, data: bytes) -> threading.Thread:
    """A thread writing *data* into the FIFO *path* like a persistent producer: when the
    reader closes its end, the rest goes to the next reader (what is lost is lost)."""

    def write() -> None:
        start = 0
        while start < len(data):
            try:
                with open(path, "wb") as fifo:
                    while start < len(data):
                        fifo.write(data[start : start + 8192])
                        start += 8192
            except BrokenPipeError:
                start += 8192  # this piece went to a reader that left

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def _read_fifo(path: Path) -> tearcorpus.Corpus:
    """``tearcorpus.read(path)`` in a thread, failing the test rather than hanging when a
    reader opens the FIFO again with no writer left."""
    done: list[tearcorpus.Corpus] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            done.append(tearcorpus.read(path))
        except BaseException as exc:  # handed to the test below
            failed.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(60)
    if failed:
        raise failed[0]
    if not done:
        pytest.fail(f"reading {path} hangs (the FIFO was opened again, with no writer)")
    return done[0]


def _cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "tearcorpus", *args],
        input=stdin,
        capture_output=True,
        check=False,
        timeout=300,
    )


def _cli_peak(*args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run the CLI in a grandchild and return its result and its peak RSS in MB, measured
    by a fresh child process (so no earlier test's children count)."""
    code = (
        "import resource, subprocess, sys, json\n"
        "proc = subprocess.run([sys.executable, '-m', 'tearcorpus', *sys.argv[1:]],"
        " capture_output=True, text=True)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps({'rc': proc.returncode, 'out': proc.stdout, 'err': proc.stderr,"
        " 'peak_kb': peak}))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, timeout=300
    )
    info = orjson.loads(run.stdout)
    proc = subprocess.CompletedProcess(args, info["rc"], info["out"], info["err"])
    return proc, info["peak_kb"] / 1024


# --------------------------------------------------------------------------- 1. streams


@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
def test_fifo_input_is_read_completely(tmp_path: Path, packed: bool) -> None:
    """A FIFO larger than the detection head gives every record (the head is replayed)."""
    data = _dump(1000)
    assert len(data) > 3 * 64 * 1024
    fifo = tmp_path / "RC_fifo.ndjson"
    os.mkfifo(fifo)
    writer = _feed_fifo(fifo, gzip.compress(data) if packed else data)
    corpus = _read_fifo(fifo)
    writer.join(10)
    assert corpus.report.formats == ["pushshift"]
    assert (len(corpus.replies), corpus.report.rejected) == (1000, 0)
    assert [r.id for r in corpus.replies] == [f"c{i:06d}" for i in range(1000)]


def test_fifo_of_own_jsonl_is_read_completely(tmp_path: Path) -> None:
    """tearcorpus JSONL through a FIFO is read whole too (another line format)."""
    out = tmp_path / "out"
    source = tmp_path / "RC_big.ndjson"
    source.write_bytes(_dump(1200))
    tearcorpus.write_jsonl(tearcorpus.read(source), str(out))
    replies = (out / "replies.jsonl").read_bytes()
    assert len(replies) > 64 * 1024
    fifo = tmp_path / "replies.fifo"
    os.mkfifo(fifo)
    writer = _feed_fifo(fifo, replies)
    corpus = _read_fifo(fifo)
    writer.join(10)
    assert corpus.report.formats == ["jsonl"]
    assert len(corpus.replies) == 1200


def test_stdin_dash_is_read_completely() -> None:
    """``-`` is standard input, and every line of it is read."""
    proc = _cli("inspect", "--json", "-", stdin=_dump(1000))
    assert proc.returncode == 0, proc.stderr
    info = orjson.loads(proc.stdout)
    assert (info["replies"], info["rejected"], info["formats"]) == (1000, 0, ["pushshift"])
    assert info["sources"][0]["source"] == "-"


def test_process_substitution_is_read_completely(tmp_path: Path) -> None:
    """``<(cat file)`` (a /dev/fd pipe) gives every record, compressed or not."""
    plain = tmp_path / "RC_sub.ndjson"
    plain.write_bytes(_dump(1000))
    command = f"{sys.executable} -m tearcorpus inspect --json <(cat {plain}) <(gzip -c {plain})"
    proc = subprocess.run(["bash", "-c", command], capture_output=True, check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    info = orjson.loads(proc.stdout)
    assert [s["replies"] for s in info["sources"]] == [1000, 1000]
    assert info["sources"][0]["source"].startswith("/dev/fd/")


def test_stream_needing_two_reads_says_so(tmp_path: Path) -> None:
    """A parser opening a stream again past what is kept fails with a clear message."""
    from tearcorpus import _io

    fifo = tmp_path / "twice.ndjson"
    os.mkfifo(fifo)
    writer = _feed_fifo(fifo, _dump(60_000))  # some 14 MB: more than the replay keeps
    try:
        with _io.open_binary(str(fifo)) as stream:
            while stream.read(1 << 20):
                pass
        failed: list[BaseException] = []

        def again() -> None:
            try:
                _io.open_binary(str(fifo)).close()
            except BaseException as exc:  # checked below
                failed.append(exc)

        thread = threading.Thread(target=again, daemon=True)
        thread.start()
        thread.join(30)
        assert failed, "opening the read stream again hangs or succeeds"
        assert isinstance(failed[0], InputError)
        assert "save the stream to a file first" in str(failed[0])
    finally:
        _io.release_stream(str(fifo))
        writer.join(10)


# --------------------------------------------------------------------------- 2. limits


def _bomb_line(size: int) -> Iterator[bytes]:
    """A Pushshift comment whose body is *size* bytes of one letter, in 1 MiB pieces."""
    yield b'{"id":"huge","body":"'
    piece = b"a" * (1 << 20)
    for _ in range(size >> 20):
        yield piece
    yield b'","created_utc":1704070800,"link_id":"t3_hostile","subreddit":"TeaTime"}\n'


def _write_bomb(path: Path, kind: str, size: int) -> None:
    """Good line, a *size*-byte line, good line; written by streaming compression."""
    parts = [_comment(1), *_bomb_line(size), _comment(3)]
    if kind == "zstd":
        zstandard = pytest.importorskip("zstandard")
        with open(path, "wb") as raw, zstandard.ZstdCompressor().stream_writer(raw) as out:
            for part in parts:
                out.write(part)
    else:
        with gzip.open(path, "wb", compresslevel=1) as out:
            for part in parts:
                out.write(part)


@pytest.mark.parametrize("kind", ["zstd", "gzip"])
def test_bomb_line_is_one_rejected_record_in_bounded_memory(tmp_path: Path, kind: str) -> None:
    """A compressed bomb's endless line is one located record-too-large, memory bounded."""
    path = tmp_path / f"RC_bomb.ndjson.{'zst' if kind == 'zstd' else 'gz'}"
    _write_bomb(path, kind, 400 << 20)
    assert path.stat().st_size < 2 << 20  # small compressed, a huge ratio
    proc, peak = _cli_peak("inspect", "--json", "--max-record-size", "8MiB", str(path))
    assert proc.returncode == 0, proc.stderr
    info = orjson.loads(proc.stdout)
    assert (info["read"], info["replies"], info["rejected"]) == (3, 2, 1)
    assert info["rejected_by_reason"] == {"record-too-large": 1}
    error = info["sources"][0]["errors"][0]
    assert error.startswith(f"{path}:2: record larger than the 8 MiB record size limit")
    assert info["notes"] == {"high-compression-ratio": 1}
    print(f"peak RSS {peak:.0f} MB")
    assert peak < PEAK_LIMIT_MB, f"peak RSS {peak:.0f} MB"


def test_bomb_document_ends_the_input_as_one_rejection(tmp_path: Path) -> None:
    """A whole JSON document past the limit is one rejection and the input stops there."""
    path = tmp_path / "video.info.json.gz"
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(b'{"id": "dQw4w9WgXcQ", "title": "tea", "comments": [')
        item = b'{"id": "Ugx1", "text": "' + b"b" * (1 << 20) + b'", "author": "a"},\n'
        for _ in range(300):
            out.write(item)
        out.write(b"]}")
    proc, peak = _cli_peak(
        "inspect", "--json", "--from", "ytdlp", "--max-record-size", "16MiB", str(path)
    )
    assert proc.returncode == 0, proc.stderr
    info = orjson.loads(proc.stdout)
    assert (info["read"], info["rejected"]) == (1, 1)
    assert info["rejected_by_reason"] == {"record-too-large": 1}
    assert info["sources"][0]["errors"] == [
        f"{path}:1: record larger than the 16 MiB record size limit; not read "
        "(raise the limit with --max-record-size or max_record_bytes=)"
    ]
    print(f"peak RSS {peak:.0f} MB")
    assert peak < PEAK_LIMIT_MB, f"peak RSS {peak:.0f} MB"


def test_zeros_from_stdin_as_pushshift_in_bounded_memory(tmp_path: Path) -> None:
    """``/dev/zero``-like input (NULs, no newline) forced as pushshift: one rejection."""
    command = (
        f"head -c 300M /dev/zero | {sys.executable} -m tearcorpus inspect --json"
        " --from pushshift --max-record-size 4MiB -"
    )
    proc, peak = _cli_peak_shell(command)
    assert proc.returncode == 0, proc.stderr
    info = orjson.loads(proc.stdout)
    assert (info["read"], info["rejected_by_reason"]) == (1, {"record-too-large": 1})
    assert info["sources"][0]["errors"][0].startswith("-:1: record larger than the 4 MiB")
    print(f"peak RSS {peak:.0f} MB")
    assert peak < PEAK_LIMIT_MB, f"peak RSS {peak:.0f} MB"


def _cli_peak_shell(command: str) -> tuple[subprocess.CompletedProcess[str], float]:
    code = (
        "import resource, subprocess, sys, json\n"
        "proc = subprocess.run(['bash', '-c', sys.argv[1]], capture_output=True, text=True)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps({'rc': proc.returncode, 'out': proc.stdout, 'err': proc.stderr,"
        " 'peak_kb': peak}))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, command], capture_output=True, text=True, check=True
    )
    info = orjson.loads(run.stdout)
    proc = subprocess.CompletedProcess(command, info["rc"], info["out"], info["err"])
    return proc, info["peak_kb"] / 1024


def test_record_limit_in_the_library_and_strict_mode(tmp_path: Path) -> None:
    """``max_record_bytes`` rejects a long line alone; strict mode stops at it instead."""
    path = tmp_path / "RC_long.ndjson"
    path.write_bytes(_comment(1) + _comment(2, body="x" * 5000) + _comment(3))
    report = Report()
    records = list(tearcorpus.iter_records(path, max_record_bytes=4096, report=report))
    assert [r.id for r in records] == ["c000001", "c000003"]
    assert report.rejected_by_reason == {"record-too-large": 1}
    assert report.read == report.written + report.rejected == 3
    assert str(report.errors[0]).startswith(f"{path}:2: record larger than the 4 KiB")
    with pytest.raises(tearcorpus.ParseError, match=":2: record larger"):
        tearcorpus.read(path, max_record_bytes=4096, strict=True)
    assert len(tearcorpus.read(path).replies) == 3  # the 64 MiB default keeps it


def test_record_limit_option_is_checked() -> None:
    """``--max-record-size`` takes sizes like 64MiB and refuses nonsense (usage error)."""
    proc = _cli("inspect", "--max-record-size", "lots", str(tearcorpus.sample_path()))
    assert proc.returncode == 2
    assert b"--max-record-size" in proc.stderr
    assert b"Traceback" not in proc.stderr
    with pytest.raises(ValueError, match="at least 1"):
        list(tearcorpus.iter_records(tearcorpus.sample_path(), max_record_bytes=0))


def test_too_large_error_is_typed_and_picklable() -> None:
    """RecordTooLargeError is an InputError carrying the limit, and survives pickling."""
    import pickle

    from tearcorpus.errors import RecordTooLargeError

    error = RecordTooLargeError("x.json", 1 << 20, line=1)
    assert isinstance(error, InputError)
    again = pickle.loads(pickle.dumps(error))
    assert (again.source, again.limit, again.line, str(again)) == (
        "x.json",
        1 << 20,
        1,
        str(error),
    )


# --------------------------------------------------------------------------- 3. zstd


def test_zstd_of_many_long_lines_in_bounded_memory(tmp_path: Path) -> None:
    """A .zst of long lines (a huge ratio) is read in flat memory, every record intact."""
    zstandard = pytest.importorskip("zstandard")
    path = tmp_path / "RC_long.ndjson.zst"
    body = "y" * (6 << 20)
    with open(path, "wb") as raw, zstandard.ZstdCompressor().stream_writer(raw) as out:
        for number in range(60):  # 360 MB of lines, a few hundred KB compressed
            out.write(_comment(number, body=body))
    assert path.stat().st_size < 4 << 20
    proc, peak = _cli_peak("inspect", "--json", "--from", "pushshift", str(path))
    assert proc.returncode == 0, proc.stderr
    info = orjson.loads(proc.stdout)
    assert (info["replies"], info["rejected"]) == (60, 0)
    print(f"peak RSS {peak:.0f} MB")
    assert peak < PEAK_LIMIT_MB, f"peak RSS {peak:.0f} MB"


def test_zstd_reader_returns_what_was_written(tmp_path: Path) -> None:
    """The bounded zstd reader gives back every byte of several frames, in order."""
    zstandard = pytest.importorskip("zstandard")
    from tearcorpus._read import read_bytes

    blob = b"".join(bytes([65 + i % 26]) * (3 << 20) + b"\n" for i in range(5))
    compressor = zstandard.ZstdCompressor()
    path = tmp_path / "frames.zst"
    path.write_bytes(
        b"".join(compressor.compress(blob[i : i + (4 << 20)]) for i in range(0, len(blob), 4 << 20))
    )
    assert read_bytes(str(path)) == blob


# --------------------------------------------------------------------------- 4. NUL


def test_stray_nul_rejects_its_line_only() -> None:
    """One NUL inside an NDJSON line costs that line, not the whole file."""
    path = DATA / "RC_stray_nul.ndjson"
    assert b"\x00" in path.read_bytes()[: 64 * 1024]
    corpus = tearcorpus.read(path)
    assert corpus.report.formats == ["pushshift"]
    assert len(corpus.replies) == 3
    assert corpus.report.rejected_by_reason == {"invalid-json": 1}
    assert corpus.report.errors[0].line == 2


def test_binary_junk_is_still_refused(tmp_path: Path) -> None:
    """Real binary data (many control bytes) is still refused as binary."""
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(InputError, match="binary data"):
        tearcorpus.read(junk)


# --------------------------------------------------------------------------- 5. messages


def test_invalid_utf8_in_a_json_line_is_named() -> None:
    """Bad UTF-8 in an NDJSON line says so, with the byte and its offset, at its line."""
    path = DATA / "RC_bad_utf8.ndjson"
    corpus = tearcorpus.read(path)
    assert len(corpus.replies) == 2
    (error,) = corpus.report.errors
    raw = path.read_bytes().splitlines()[1]
    assert str(error) == f"{path}:2: invalid UTF-8 (byte 0xff at offset {raw.index(0xFF)})"
    assert "surrogates" not in str(error)
    assert corpus.report.rejected_by_reason == {"invalid-utf8": 1}


def test_invalid_utf8_in_a_json_document_is_named(tmp_path: Path) -> None:
    """Bad UTF-8 in a whole JSON document names the line, the byte and its offset."""
    path = tmp_path / "thread.json"
    path.write_bytes(b'[\n {"kind": "Listing",\n  "data": "caf\xe9"}\n]\n')
    with pytest.raises(InputError) as info:
        tearcorpus.read(path, format="reddit")
    assert str(info.value).startswith(f"{path}:3: bytes are not valid utf-8 (tried utf-8)")
    assert str(info.value).endswith("the first bad byte is 0xe9, at offset 14")


def test_symlink_loop_and_broken_link_are_named(tmp_path: Path) -> None:
    """A symbolic link loop says so (not "no such file"); so does a dangling link."""
    loop = tmp_path / "loop.json"
    loop.symlink_to(tmp_path / "loop.json")
    with pytest.raises(InputError) as info:
        tearcorpus.read(loop)
    assert str(info.value) == f"{loop}: symbolic link loop"
    dangling = tmp_path / "gone.json"
    dangling.symlink_to(tmp_path / "missing.json")
    with pytest.raises(InputError, match="broken symbolic link"):
        tearcorpus.read(dangling)
    proc = _cli("inspect", str(loop))
    assert proc.returncode == 1
    assert proc.stderr.decode().strip() == f"tearcorpus: error: {loop}: symbolic link loop"


def test_convert_counts_add_up_with_a_rejected_long_line(tmp_path: Path) -> None:
    """``convert --max-record-size``: read = written + rejected, the long line left out."""
    path = tmp_path / "RC_long.ndjson"
    path.write_bytes(_comment(1) + _comment(2, body="x" * 5000) + _comment(3))
    out = tmp_path / "out"
    proc = _cli(
        "convert", "--to", "jsonl", "-o", str(out), "--json", "--max-record-size", "4KiB", str(path)
    )
    assert proc.returncode == 0, proc.stderr
    info = orjson.loads(proc.stdout)
    assert (info["read"], info["written"], info["rejected"]) == (3, 2, 1)
    assert info["read"] == info["written"] + info["rejected"] + info["dropped"]
    assert info["rejected_by_reason"] == {"record-too-large": 1}
    lines = (out / "replies.jsonl").read_bytes().splitlines()
    assert [orjson.loads(line)["id"] for line in lines] == ["c000001", "c000003"]


def test_record_limit_reaches_the_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--max-record-size holds in worker processes too: the long line is rejected there."""
    from tearcorpus import parallel
    from tearcorpus.cli import main

    monkeypatch.setattr(parallel, "MIN_WORKER_BYTES", 0)
    line = b'{"id":"c%d","body":"%s","link_id":"t3_p","parent_id":"t3_p","created_utc":1}\n'
    inputs = []
    for number in range(2):
        path = tmp_path / f"RC_{number}.ndjson"
        path.write_bytes(line % (number, b"x" * 10) + line % (number + 10, b"y" * 5000))
        inputs.append(str(path))
    out = tmp_path / "out"
    argv = ["convert", *inputs, "--from", "pushshift", "--to", "jsonl", "-o", str(out)]
    assert main([*argv, "--workers", "2", "--max-record-size", "1KiB"]) == 0
    assert len((out / "replies.jsonl").read_bytes().splitlines()) == 2
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    assert manifest["read"]["rejected_by_reason"] == {"record-too-large": 2}
