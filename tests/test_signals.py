"""SIGTERM, SIGHUP and SIGKILL during a long convert: one line, and nothing of ours left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
LINES = 300_000


@pytest.fixture(scope="module")
def big_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Pushshift comments dump of a few hundred thousand lines, long enough to stop midway."""
    path = tmp_path_factory.mktemp("dump") / "RC_big.ndjson"
    with path.open("w", encoding="utf-8") as out:
        for i in range(LINES):
            thread = i // 50
            parent = f"t3_th{thread}" if i % 50 == 0 else f"t1_c{i - 1}"
            out.write(
                f'{{"id":"c{i}","link_id":"t3_th{thread}","parent_id":"{parent}",'
                f'"author":"someone_{i % 997}","author_fullname":"t2_u{i % 997}",'
                f'"body":"comment number {i}: crying in session is fine, it helps me",'
                f'"created_utc":{1704070800 + i},"score":{i % 7},"subreddit":"TeaTime"}}\n'
            )
    return path


@pytest.fixture(scope="module")
def small_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Pushshift comments dump of three lines."""
    path = tmp_path_factory.mktemp("small") / "RC_small.ndjson"
    path.write_text(
        "".join(
            f'{{"id":"s{i}","link_id":"t3_a","parent_id":"t3_a","author":"x","body":"hi {i}",'
            f'"created_utc":1704070800,"subreddit":"TeaTime"}}\n'
            for i in range(3)
        )
    )
    return path


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return env


def _convert(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tearcorpus", "convert", *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=600,
    )


def _start(dump: Path, out: Path, fmt: str, *extra: str) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "tearcorpus", "convert", str(dump), "--to", fmt, "-o", str(out)]
    return subprocess.Popen(
        [*argv, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        start_new_session=True,
    )


def _hidden(folder: Path) -> list[str]:
    """The hidden (temporary) names in and beside *folder*, the only folder of its parent."""
    return [p.name for p in folder.parent.rglob(".*")] if folder.parent.is_dir() else []


def _wait_midway(proc: subprocess.Popen[str], out: Path, marker: str) -> None:
    """Wait until the run has a temporary file or folder containing *marker* in *out*."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the convert ended before it could be stopped: {proc.communicate()}")
        if any(marker in name for name in _hidden(out)):
            time.sleep(0.3)  # well into the run
            return
        time.sleep(0.02)
    proc.kill()
    pytest.fail("the convert never started writing")


@pytest.mark.parametrize(
    ("fmt", "signum", "marker"),
    [
        ("jsonl", signal.SIGTERM, "replies.jsonl"),
        ("parquet", signal.SIGHUP, "replies.parquet"),
        ("hub", signal.SIGTERM, "spill"),
    ],
)
def test_signal_ends_with_one_line_and_removes_our_files(
    big_dump: Path, tmp_path: Path, fmt: str, signum: int, marker: str
) -> None:
    """SIGTERM/SIGHUP midway: exit 128+N, one stderr line, no file or folder of this run left."""
    out = tmp_path / "out"
    proc = _start(big_dump, out, fmt)
    _wait_midway(proc, out, marker)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 128 + signum
    name = signal.Signals(signum).name
    assert err.strip().splitlines() == [
        f"tearcorpus: error: stopped by {name}; the files of this run were removed"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # the folder it made is gone too


def test_signal_keeps_the_earlier_export(big_dump: Path, small_dump: Path, tmp_path: Path) -> None:
    """A stopped --overwrite leaves the earlier export as it was, and no temporary file."""
    out = tmp_path / "out"
    assert _convert(str(small_dump), "--to", "jsonl", "-o", str(out)).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = _start(big_dump, out, "jsonl", "--overwrite")
    _wait_midway(proc, out, "replies.jsonl")
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=300)
    assert proc.returncode == 143
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.parametrize(
    ("fmt", "marker", "extra"),
    [
        ("jsonl", "replies.jsonl", ()),
        ("hub", "spill", ()),
        ("hub", "shards", ("--workers", "2")),
    ],
)
@pytest.mark.parametrize("overwrite", [False, True])
def test_next_run_clears_what_a_killed_run_left(
    big_dump: Path,
    small_dump: Path,
    tmp_path: Path,
    fmt: str,
    marker: str,
    extra: tuple[str, ...],
    overwrite: bool,
) -> None:
    """After SIGKILL, the next run into the folder removes our leftovers, never 'not empty'."""
    out = tmp_path / "out"
    proc = _start(big_dump, out, fmt, *extra)
    _wait_midway(proc, out, marker)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole job, workers included
    proc.communicate(timeout=60)
    left = _hidden(out)
    assert any(marker in name for name in left), left
    again = _convert(
        str(small_dump), "--to", fmt, "-o", str(out), *(("--overwrite",) if overwrite else ())
    )
    assert again.returncode == 0, again.stderr
    assert _hidden(out) == []
    written = {line.strip() for line in again.stdout.splitlines()[1:]}
    assert {str(p) for p in out.rglob("*") if p.is_file()} == written
