"""No absolute local path in what is written: provenance names inputs from a root folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import tearcorpus
from tearcorpus import parallel
from tearcorpus.cli import main

DATA = Path(__file__).parent / "data"


def _inputs(tmp_path: Path) -> list[str]:
    """Two dumps in two folders under one parent, given as absolute paths."""
    paths = []
    for folder, source in (
        ("youtube", DATA / "ycd" / "ycd_Xq7Tz0bWc3M.jsonl"),
        ("reddit", DATA / "reddit" / "thread.json"),
    ):
        (tmp_path / "dumps" / folder).mkdir(parents=True)
        target = tmp_path / "dumps" / folder / source.name
        shutil.copy(source, target)
        paths.append(str(target.resolve()))
    return paths


def _sources(out: Path) -> set[str]:
    corpus = tearcorpus.read(out)  # an export folder reads back
    return {r.provenance.source for r in corpus if r.provenance is not None}


def test_provenance_is_relative_to_the_inputs_common_folder(tmp_path: Path) -> None:
    """Absolute input paths are written relative to their common folder; the absolute
    folder appears in no output file."""
    inputs = _inputs(tmp_path)
    result = tearcorpus.convert(inputs, to="jsonl", out=tmp_path / "out")
    assert _sources(tmp_path / "out") == {"youtube/ycd_Xq7Tz0bWc3M.jsonl", "reddit/thread.json"}
    for path in result.files:
        if not path.endswith("manifest.json"):  # the manifest is the local run's record
            assert str(tmp_path) not in Path(path).read_text()


def test_root_option_and_workers_name_inputs_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--root names inputs from the folder given, and worker processes name them as one
    process does."""
    inputs = _inputs(tmp_path)
    root = str(tmp_path)
    assert (
        main(["convert", *inputs, "--to", "jsonl", "-o", str(tmp_path / "one"), "--root", root])
        == 0
    )
    assert _sources(tmp_path / "one") == {
        "dumps/youtube/ycd_Xq7Tz0bWc3M.jsonl",
        "dumps/reddit/thread.json",
    }
    monkeypatch.setattr(parallel, "MIN_WORKER_BYTES", 0)
    argv = ["convert", *inputs, "--to", "jsonl", "-o", str(tmp_path / "two"), "--root", root]
    assert main([*argv, "--workers", "2"]) == 0
    for name in ("posts.jsonl", "replies.jsonl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_hub_folder_holds_no_absolute_path(tmp_path: Path) -> None:
    """The Hub folder's provenance columns name inputs relatively."""
    pq = pytest.importorskip("pyarrow.parquet")
    inputs = _inputs(tmp_path)
    tearcorpus.convert(inputs, to="hub", out=tmp_path / "hub")
    sources = set()
    for shard in (tmp_path / "hub").rglob("*.parquet"):
        table = pq.read_table(shard)
        if "provenance" in table.column_names:
            sources |= {p["source"] for p in table.column("provenance").to_pylist() if p}
    assert sources
    assert all(not s.startswith("/") for s in sources), sources
