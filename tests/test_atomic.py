"""Atomic output folders: all files or none, and no folder left behind by a failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from tearcorpus._atomic import OutputDir
from tearcorpus.cli import main
from tearcorpus.errors import ExportError


def _write_then_fail(out: Path, names: tuple[str, ...], overwrite: bool, theirs: bool) -> None:
    with OutputDir(str(out), overwrite=overwrite) as folder:
        for name in names:
            folder.open(name).write(b"data")
        if theirs:  # someone else puts a file in a folder the output made
            (out / names[0]).with_name("theirs.txt").write_text("keep me")
        raise RuntimeError("input died")


def _fail_after_writing(
    out: Path, *names: str, overwrite: bool = False, theirs: bool = False
) -> None:
    with pytest.raises(RuntimeError, match="input died"):
        _write_then_fail(out, names, overwrite, theirs)


def test_failure_removes_the_folders_it_made(tmp_path: Path) -> None:
    """The output folder, its missing parents and the subfolders made for files go."""
    out = tmp_path / "new" / "deeper" / "out"
    _fail_after_writing(out, "posts/train.parquet", "replies/a/b.parquet", "README.md")
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_folders_that_were_there(tmp_path: Path) -> None:
    """An output folder (or subfolder) that existed before is left, with its files."""
    out = tmp_path / "out"
    (out / "posts").mkdir(parents=True)
    _fail_after_writing(out, "posts/train.parquet", "replies/x.parquet", overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["posts"]
    assert list((out / "posts").iterdir()) == []

    # An earlier export's shard stays when the overwrite fails.
    (out / "posts" / "train-00000-of-00001.parquet").write_bytes(b"old")
    _fail_after_writing(out, "posts/train.parquet", "new/x.parquet", overwrite=True)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "posts",
        "posts/train-00000-of-00001.parquet",
    ]
    assert (out / "posts" / "train-00000-of-00001.parquet").read_bytes() == b"old"


def test_folder_not_emptied_by_others_is_kept(tmp_path: Path) -> None:
    """A folder made by the output but given a file by someone else meanwhile stays."""
    out = tmp_path / "out"
    _fail_after_writing(out, "posts/a.parquet", theirs=True)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "out",
        "out/posts",
        "out/posts/theirs.txt",
    ]
    assert (out / "posts" / "theirs.txt").read_text() == "keep me"


def test_success_keeps_every_folder(tmp_path: Path) -> None:
    out = tmp_path / "a" / "out"
    with OutputDir(str(out)) as folder:
        folder.open("posts/train.parquet").write(b"data")
    assert (out / "posts" / "train.parquet").read_bytes() == b"data"


def test_refused_output_leaves_nothing(tmp_path: Path) -> None:
    """A folder that exists as a file is refused without making anything."""
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError, match="not a directory"):
        OutputDir(str(tmp_path / "file"))
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet", "hub"])
def test_failed_convert_leaves_no_output_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """A convert stopped by a broken input leaves no output folder, at any depth."""
    broken = tmp_path / "cut.info.json"
    broken.write_text('{"id": "vid", "extractor": "youtube", "comments": [{"id": "c1", "te')
    out = tmp_path / "new" / "out"
    assert main(["convert", str(broken), "--to", fmt, "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"tearcorpus: error: {broken}:1: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.info.json"]
