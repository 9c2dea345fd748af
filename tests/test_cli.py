"""The command line: the contract in DESIGN.md, and one clear line for bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

import tearcorpus
from tearcorpus._process import GC_YOUNG
from tearcorpus.cli import main

SAMPLE = str(tearcorpus.sample_path())


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tearcorpus", *args], capture_output=True, text=True, check=False
    )


def test_inspect_json_on_the_reference_dump(capsys: pytest.CaptureFixture[str]) -> None:
    """inspect --json prints one object with posts, replies, rejected and the format."""
    assert main(["inspect", "--json", SAMPLE]) == 0
    data = orjson.loads(capsys.readouterr().out)
    assert (data["posts"], data["replies"], data["rejected"]) == (1, 19, 0)
    assert data["format"] == "text"
    assert data["formats"] == ["text"]
    assert data["threads"] == 1


def test_inspect_human_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """The human summary names the input, its format and the counts."""
    assert main(["inspect", SAMPLE]) == 0
    out = capsys.readouterr().out
    assert f"{SAMPLE}  [text]" in out
    assert "posts 1  replies 19  rejected 0" in out


def test_several_inputs_form_one_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two inputs are counted together and per input."""
    other = tmp_path / "other.txt"
    other.write_text("Another video\n\nbody\n\n\nreply one\n\n\nreply two\n", encoding="utf-8")
    assert main(["inspect", "--json", SAMPLE, str(other)]) == 0
    data = orjson.loads(capsys.readouterr().out)
    assert (data["posts"], data["replies"], data["threads"]) == (2, 21, 2)
    assert [s["replies"] for s in data["sources"]] == [19, 2]


def test_convert_to_jsonl_and_inspect_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """convert writes JSONL that inspect reads back with the same counts."""
    out = tmp_path / "out"
    assert main(["convert", SAMPLE, "--to", "jsonl", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "read 20 records from 1 input(s): wrote 1 posts and 19 replies, rejected 0" in printed
    assert main(["inspect", "--json", str(out / "posts.jsonl"), str(out / "replies.jsonl")]) == 0
    data = orjson.loads(capsys.readouterr().out)
    assert (data["posts"], data["replies"], data["format"]) == (1, 19, "jsonl")


def test_convert_refuses_non_empty_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second convert into the same folder needs --overwrite."""
    out = str(tmp_path / "out")
    assert main(["convert", SAMPLE, "--to", "jsonl", "-o", out]) == 0
    assert main(["convert", SAMPLE, "--to", "jsonl", "-o", out]) == 1
    assert "pass --overwrite" in capsys.readouterr().err
    assert main(["convert", SAMPLE, "--to", "jsonl", "-o", out, "--overwrite"]) == 0


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[str, str]]:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Title\n\nCaf\u00e9 body\n".encode("latin-1"))
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 8)
    unknown = tmp_path / "unknown.json"
    unknown.write_bytes(b'{"what": "is this"}')
    truncated = tmp_path / "trunc.gz"
    import gzip

    packed = gzip.compress(("Title\n\n" + "\n".join(str(i**3) for i in range(50_000))).encode())
    truncated.write_bytes(packed[: len(packed) // 2])
    return {
        "missing": (str(tmp_path / "nope.txt"), "no such file"),
        "directory": (str(tmp_path), "is a directory"),
        "empty": (str(empty), "is empty"),
        "undecodable": (str(latin), "not valid utf-8 (tried utf-8); pass --encoding"),
        "binary": (str(junk), "binary data"),
        "unknown format": (str(unknown), "--from FORMAT"),
        "truncated gzip": (str(truncated), "corrupt or truncated gzip"),
    }


@pytest.mark.parametrize(
    "case",
    ["missing", "directory", "empty", "undecodable", "binary", "unknown format", "truncated gzip"],
)
def test_bad_input_gives_one_clear_line(tmp_path: Path, case: str) -> None:
    """Bad input: exit 1, one stderr line naming the file, never a traceback."""
    path, expected = _bad_inputs(tmp_path)[case]
    proc = _run("inspect", path)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"tearcorpus: error: {path}")
    assert expected in lines[0]
    assert "Traceback" not in proc.stderr


def test_strict_stops_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--strict exits non-zero at the first bad record, printing file:line: reason."""
    path = tmp_path / "replies.jsonl"
    good = orjson.dumps(tearcorpus.to_dict(tearcorpus.Reply(id="r", post_id="p")))
    path.write_bytes(good + b"\n" + good[:-5] + b"\n")
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "rejected 1" in out
    assert f"{path}:2: invalid JSON" in out
    assert main(["inspect", "--strict", str(path)]) == 1
    assert f"tearcorpus: error: {path}:2: invalid JSON" in capsys.readouterr().err


def test_forced_format_and_encoding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--from forces a parser; --encoding reads other encodings."""
    path = tmp_path / "latin.txt"
    path.write_bytes("Caf\u00e9\n\nbody\n\n\nr\u00e9ponse\n".encode("latin-1"))
    assert main(["inspect", "--json", "--from", "text", "--encoding", "latin-1", str(path)]) == 0
    data = orjson.loads(capsys.readouterr().out)
    assert (data["posts"], data["replies"]) == (1, 1)


def test_demo_builds_a_corpus_from_the_bundled_sample(tmp_path: Path) -> None:
    """The demo command (the README's first command) converts the sample and says so."""
    proc = _run("demo", "-o", str(tmp_path / "demo"))
    assert proc.returncode == 0, proc.stderr
    assert "read 20 records: 1 post, 19 replies, 0 rejected" in proc.stdout
    assert (tmp_path / "demo" / "replies.jsonl").exists()
    again = _run("demo", "-o", str(tmp_path / "demo"))  # may replace its own output
    assert again.returncode == 0, again.stderr


def test_demo_never_replaces_another_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """demo -o DIR where DIR holds another export's manifest.json: one line, nothing touched."""
    out = tmp_path / "mine"
    tearcorpus.write_jsonl([tearcorpus.Reply(id="r", post_id="p", text="my data")], str(out))
    (out / "notes.txt").write_text("mine too")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert main(["demo", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"tearcorpus: error: {out}: is not empty and not the demo's own output; use another -o"
    ]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    # A folder holding files but no manifest is refused the same way.
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.txt").write_text("x")
    assert main(["demo", "-o", str(other)]) == 1
    assert "not the demo's own output" in capsys.readouterr().err
    assert [p.name for p in other.iterdir()] == ["a.txt"]
    # Its own output it replaces.
    demo = tmp_path / "demo"
    assert main(["demo", "-o", str(demo)]) == 0
    assert main(["demo", "-o", str(demo)]) == 0
    assert sorted(p.name for p in demo.iterdir()) == [
        "manifest.json",
        "posts.jsonl",
        "replies.jsonl",
    ]


def test_inspect_does_not_import_heavy_libraries() -> None:
    """inspect starts fast: no datasets, pyarrow, pandas or huggingface_hub imported."""
    code = (
        "import sys; from tearcorpus.cli import main; "
        f"main(['inspect', {SAMPLE!r}]); "
        "heavy = [m for m in ('datasets', 'pyarrow', 'pandas', 'huggingface_hub', 'tqdm') "
        "if m in sys.modules]; print('HEAVY', heavy)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in proc.stdout


@pytest.mark.parametrize("to", ["parquet", "hub"])
def test_convert_to_arrow_formats_leaves_pandas_unimported(tmp_path: Path, to: str) -> None:
    """pyarrow imports pandas on its first array unless told there is none; the command
    tells it (tearcorpus._process) in its own process and in its --workers processes
    (every process reports its imports here), and pandas still works when asked for."""
    pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    data = Path(__file__).parent / "data"
    inputs = [str(data / "pushshift" / n) for n in ("RC_2024-01.ndjson", "RS_2024-01.ndjson")]
    command = "from tearcorpus.cli import main; sys.argv[1:] = {}; main()".format
    code = (
        "import gc, sys; from tearcorpus import parallel; parallel.MIN_WORKER_BYTES = 0; "
        + command(["convert", *inputs, "--to", to, "-o", str(tmp_path / "one")])
        + "; "
        + command(["convert", *inputs, "--to", to, "-o", str(tmp_path / "two"), "--workers", "2"])
        + "; print('YOUNG', gc.get_threshold()[0]); "
        "import pyarrow as pa; table = pa.table({'a': [1, 2]}); "
        "print('FRAME', table.to_pandas()['a'].tolist())"
    )
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    lines = [line.rsplit("|", 1)[-1] for line in proc.stderr.splitlines()]
    imported = [line.strip() for line in lines]
    assert "pyarrow" in imported
    assert imported.count("tearcorpus.hf") == 3  # the parent and two workers
    # Once: neither pyarrow's check nor the workers imported it (their "pandas" lines are
    # the refused attempts, which import nothing). Parquet: by to_pandas() at the end.
    # The Hub folder: in the parent, by datasets (which writes the card's YAML) as it is
    # imported, the first convert's shards written.
    frame = "pandas.core.frame"
    assert imported.count(frame) == 1
    at = imported.index(frame)
    if to == "parquet":
        assert at > max(i for i, m in enumerate(imported) if m == "tearcorpus.hf")
    else:
        # Import-time lines come as each import ends, nested ones indented further: the
        # top-level import that brought pandas in is the first line after it at depth 1.
        depth = [len(line) - len(line.lstrip()) for line in lines]
        top = next(i for i in range(at, len(lines)) if depth[i] == min(depth[at:]))
        assert imported[top] == "datasets"
    assert f"YOUNG {GC_YOUNG}" in proc.stdout
    assert "FRAME [1, 2]" in proc.stdout
    one = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*"))
    assert one == sorted(p.relative_to(tmp_path / "two") for p in (tmp_path / "two").rglob("*"))
    for path in one:
        if (tmp_path / "one" / path).is_file() and path.name != "manifest.json":
            assert (tmp_path / "one" / path).read_bytes() == (tmp_path / "two" / path).read_bytes()


def test_convert_called_from_python_leaves_the_process_alone(tmp_path: Path) -> None:
    """main() with arguments (a library user's process) changes neither pyarrow nor the GC."""
    pytest.importorskip("pyarrow")
    code = (
        "import gc, sys; from tearcorpus.cli import main; "
        f"main(['convert', {SAMPLE!r}, '--to', 'parquet', '-o', {str(tmp_path / 'out')!r}]); "
        "print('YOUNG', gc.get_threshold()[0], 'FROZEN', gc.get_freeze_count())"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "YOUNG 700 FROZEN 0" in proc.stdout


def test_arrow_without_pandas_leaves_an_imported_pandas_alone() -> None:
    """In a process that already has pandas (a notebook), nothing is changed."""
    code = (
        "import sys, pandas; from tearcorpus._process import pyarrow_without_pandas; "
        "print('SETTLED', pyarrow_without_pandas()); import pyarrow as pa; "
        "print('SERIES', pa.array(pandas.Series([1.0, None])).null_count)"
    )
    pytest.importorskip("pandas")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "SETTLED False" in proc.stdout
    assert "SERIES 1" in proc.stdout  # pandas' NaN read as null: pyarrow saw a Series


def test_formats_lists_parsers_and_exporters(capsys: pytest.CaptureFixture[str]) -> None:
    """formats names every registered input and output format."""
    assert main(["formats"]) == 0
    out = capsys.readouterr().out
    for name in [*tearcorpus.PARSERS, *tearcorpus.EXPORTERS]:
        assert f"  {name} " in out


def test_progress_goes_to_stderr_only_when_asked() -> None:
    """--progress always draws on stderr; auto stays quiet when stderr is not a terminal."""
    shown = _run("inspect", "--progress", "always", SAMPLE)
    assert shown.returncode == 0
    assert "records" in shown.stderr
    quiet = _run("inspect", SAMPLE)
    assert quiet.stderr == ""
    assert "posts 1  replies 19" in quiet.stdout


def test_hub_folder_shows_its_writing_after_the_records(tmp_path: Path) -> None:
    """--to hub: after the records bar, a bar counts the rows written to the three configs
    (1 post, 19 replies, 19 replies in context) to the end; without --progress, nothing."""
    argv = ["convert", SAMPLE, "--to", "hub", "-o"]
    shown = _run(*argv, str(tmp_path / "shown"), "--progress", "always")
    assert shown.returncode == 0, shown.stderr
    records = shown.stderr.index("converting to hub")
    writing = shown.stderr.index("writing the Hub folder")
    assert records < writing
    assert "39/39" in shown.stderr[writing:]
    quiet = _run(*argv, str(tmp_path / "quiet"))
    assert quiet.returncode == 0
    assert quiet.stderr == ""


def test_scraped_at_anchors_relative_times(tmp_path: Path) -> None:
    """--scraped-at is the anchor of relative comment times, kept in extra["time_anchor"]."""
    source = Path(__file__).parent / "data" / "ycd" / "ycd_Mx4LangTe5A.mixed.jsonl"
    out = tmp_path / "out"
    argv = ["convert", str(source), "--to", "jsonl", "-o", str(out)]
    assert main([*argv, "--scraped-at", "2024-05-01T00:00:00Z"]) == 0
    replies = [orjson.loads(line) for line in (out / "replies.jsonl").read_bytes().splitlines()]
    anchored = [r["extra"]["time_anchor"] for r in replies if "time_anchor" in r["extra"]]
    assert len(anchored) >= 10  # the rest carry the tool's own absolute time_parsed
    assert {(a["from"], a["at"]) for a in anchored} == {("scraped_at", "2024-05-01T00:00:00Z")}
    assert all(r["created_at"] is not None and r["created_at"] < "2024-05-01" for r in replies)


def test_sample_prints_the_bundled_dump_from_any_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tearcorpus sample` prints a path the quickstart's first command can inspect from
    any folder."""
    monkeypatch.chdir(tmp_path)
    assert main(["sample"]) == 0
    path = capsys.readouterr().out.strip()
    assert Path(path).is_file()
    assert main(["inspect", path, "--json"]) == 0
    data = orjson.loads(capsys.readouterr().out)
    assert (data["posts"], data["replies"]) == (1, 19)
