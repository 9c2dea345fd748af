"""A disk that fills up during convert: one line, exit 1, nothing of this run left."""

from __future__ import annotations

import errno
import io
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tearcorpus.cli import main

ROOT = Path(__file__).parents[1]
FORMATS = ["jsonl", "csv", "parquet", "hub"]


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Pushshift dump of about 6 MB whose text does not compress (it fills 1 MB in any format)."""
    rng = random.Random(14)
    path = tmp_path_factory.mktemp("dump") / "RC_full.ndjson"
    with path.open("w", encoding="utf-8") as out:
        for i in range(30_000):
            thread = i // 40
            parent = f"t3_th{thread}" if i % 40 == 0 else f"t1_c{i - 1}"
            body = f"{rng.getrandbits(160):040x}"
            out.write(
                f'{{"id":"c{i}","link_id":"t3_th{thread}","parent_id":"{parent}",'
                f'"author":"u{rng.getrandbits(40):x}","body":"{body} {body[::-1]}",'
                f'"created_utc":{1704070800 + i},"subreddit":"TeaTime"}}\n'
            )
    return path


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs mounted at a fresh folder (root only); skipped where mounting is not
    allowed, and then the injected test below decides alone."""
    where = tmp_path / "tmpfs"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


@pytest.mark.parametrize("fmt", FORMATS)
def test_full_tmpfs(dump: Path, small_tmpfs: Path, fmt: str) -> None:
    """On a real full file system: one error line, exit 1, the file system left empty."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    out = small_tmpfs / "deep" / "out"
    result = subprocess.run(
        [sys.executable, "-m", "tearcorpus", "convert", str(dump), "--to", fmt, "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"tearcorpus: error: {out}: cannot write: no space left on device"
    ]
    assert list(small_tmpfs.iterdir()) == []


class _FullFile(io.FileIO):
    """A file on a disk with *room* bytes left (shared by every file of the test)."""

    room: ClassVar[list[int]] = [200_000]

    def write(self, data: Any) -> int:
        size = len(memoryview(data))
        if size > self.room[0]:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room[0] -= size
        return super().write(data)


@pytest.mark.parametrize("fmt", FORMATS)
def test_full_disk_injected(
    dump: Path,
    tmp_path: Path,
    fmt: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """ENOSPC from the OS write of the output files: one line, exit 1, nothing left."""
    real_fdopen = os.fdopen
    out = tmp_path / "new" / "out"
    _FullFile.room[0] = 200_000

    def fdopen(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if "w" not in mode or not os.readlink(f"/proc/self/fd/{fd}").startswith(str(out)):
            return real_fdopen(fd, mode, *args, **kwargs)
        raw = _FullFile(fd, "wb")
        buffered = io.BufferedWriter(raw, 1 << 16)
        if "b" in mode:
            return buffered
        return io.TextIOWrapper(buffered, encoding="utf-8", newline="")

    monkeypatch.setattr(os, "fdopen", fdopen)
    assert main(["convert", str(dump), "--to", fmt, "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [f"tearcorpus: error: {out}: cannot write: no space left on device"]
    assert _FullFile.room[0] < 200_000  # the injected disk was written to
    assert list(tmp_path.iterdir()) == []
