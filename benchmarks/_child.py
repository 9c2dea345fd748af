"""Non-tearcorpus jobs, each run in its own process by ``benchmarks.run``.

Usage: ``python -m benchmarks._child JOB KIND OUTDIR INPUT [INPUT ...]`` where KIND is
``pushshift`` (NDJSON lines) or ``ytdlp`` (one ``info.json`` with a ``comments`` list).
Every job writes one output per input so that it does the same work as
``tearcorpus convert``: read every record, write every record.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson


def floor(kind: str, out: Path, inputs: list[Path]) -> None:
    """The floor: bare orjson, read a record, dump it, write it; nothing else."""
    loads, dumps = orjson.loads, orjson.dumps
    for path in inputs:
        with (out / (path.name + ".jsonl")).open("wb") as dst:
            if kind == "ytdlp":
                info = loads(path.read_bytes())
                dst.writelines(dumps(c) + b"\n" for c in info["comments"])
            else:
                with path.open("rb") as src:
                    dst.writelines(dumps(loads(line)) + b"\n" for line in src)


def _pandas_frame(kind: str, path: Path) -> Any:
    import pandas as pd

    if kind == "ytdlp":
        return pd.DataFrame(orjson.loads(path.read_bytes())["comments"])
    return pd.read_json(path, lines=True)


def pandas_jsonl(kind: str, out: Path, inputs: list[Path]) -> None:
    """pandas: ``read_json(lines=True)`` then ``to_json(orient="records", lines=True)``."""
    for path in inputs:
        frame = _pandas_frame(kind, path)
        frame.to_json(out / (path.name + ".jsonl"), orient="records", lines=True)


def pandas_parquet(kind: str, out: Path, inputs: list[Path]) -> None:
    """pandas: ``read_json(lines=True)`` then ``to_parquet``.

    Nested columns (lists, dicts such as Pushshift's always-empty ``gildings``) are
    written as JSON strings: pyarrow refuses an empty struct, and this is the smallest
    fix-up a user would make.
    """
    for path in inputs:
        frame = _pandas_frame(kind, path)
        for col in frame.columns:
            if frame[col].dtype == object:
                sample = frame[col].dropna()
                if len(sample) and isinstance(sample.iloc[0], dict | list):
                    frame[col] = [
                        None if v is None else orjson.dumps(v).decode() for v in frame[col]
                    ]
        frame.to_parquet(out / (path.name + ".parquet"))


def _dataset(kind: str, path: Path, cache: str) -> Any:
    import datasets

    datasets.disable_progress_bars()
    field = "comments" if kind == "ytdlp" else None
    return datasets.load_dataset(
        "json", data_files=str(path), field=field, cache_dir=cache, split="train"
    )


def datasets_jsonl(kind: str, out: Path, inputs: list[Path]) -> None:
    """datasets: ``load_dataset("json")`` (Arrow cache in a temp dir) then ``to_json``."""
    with tempfile.TemporaryDirectory(dir=out) as cache:
        for path in inputs:
            _dataset(kind, path, cache).to_json(out / (path.name + ".jsonl"))


def datasets_parquet(kind: str, out: Path, inputs: list[Path]) -> None:
    """datasets: ``load_dataset("json")`` (Arrow cache in a temp dir) then ``to_parquet``."""
    with tempfile.TemporaryDirectory(dir=out) as cache:
        for path in inputs:
            _dataset(kind, path, cache).to_parquet(out / (path.name + ".parquet"))


JOBS: dict[str, Callable[[str, Path, list[Path]], None]] = {
    "floor": floor,
    "pandas-jsonl": pandas_jsonl,
    "pandas-parquet": pandas_parquet,
    "datasets-jsonl": datasets_jsonl,
    "datasets-parquet": datasets_parquet,
}


def main(argv: list[str]) -> int:
    """Run one job; the exit status is the only result (the parent measures)."""
    job, kind, out, *inputs = argv
    JOBS[job](kind, Path(out), [Path(p) for p in inputs])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
