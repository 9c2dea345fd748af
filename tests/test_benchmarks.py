"""Smoke test of the benchmark suite (``python -m benchmarks``): it runs, it reports.

No timing is asserted here: timings belong to ``benchmarks/results/``, never to unit tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generate import ensure_inputs, write_pushshift, write_ytdlp
from benchmarks.report import write_results
from benchmarks.run import machine, run_jobs


def test_generators_are_deterministic(tmp_path: Path) -> None:
    """The same seed and size write the same bytes; the counts are N comments, N/50 posts."""
    for name in ("a", "b"):
        write_pushshift(tmp_path / f"rc_{name}", tmp_path / f"rs_{name}", 200, seed=3)
        write_ytdlp(tmp_path / f"yt_{name}", 200, seed=3)
    assert (tmp_path / "rc_a").read_bytes() == (tmp_path / "rc_b").read_bytes()
    assert (tmp_path / "yt_a").read_bytes() == (tmp_path / "yt_b").read_bytes()
    lines = (tmp_path / "rc_a").read_bytes().splitlines()
    assert len(lines) == 200
    assert len((tmp_path / "rs_a").read_bytes().splitlines()) == 4
    assert len(orjson.loads(lines[0])) >= 40
    assert len(orjson.loads((tmp_path / "yt_a").read_bytes())["comments"]) == 200


def test_suite_runs_floor_and_tearcorpus_jsonl(tmp_path: Path) -> None:
    """At N=200 the floor and a tearcorpus convert run in child processes and land in the table."""
    ensure_inputs(tmp_path / "data", 200)
    rows = run_jobs(
        [200],
        ["floor", "tearcorpus-jsonl"],
        ["pushshift"],
        tmp_path / "data",
        timeout=120,
        mem_cap_mb=4096,
    )
    assert [(r["job"], r["status"]) for r in rows] == [("floor", "ok"), ("tearcorpus-jsonl", "ok")]
    assert all(r["peak_rss_mb"] > 0 and r["records"] == 204 for r in rows)
    meta = {
        "commit": "test",
        "date": "now",
        "duration_s": 0.0,
        "sizes": [200],
        "timeout_s": 120,
        "mem_cap_mb": 4096,
        "machine": machine(),
    }
    written = write_results(tmp_path / "out", rows, [], meta, plot_png=False)
    assert [p.name for p in written] == ["results.md", "results.json"]
    table = (tmp_path / "out" / "results.md").read_text(encoding="utf-8")
    assert "| tearcorpus-jsonl |" in table
    data = orjson.loads((tmp_path / "out" / "results.json").read_bytes())
    jsonl = next(r for r in data["rows"] if r["job"] == "tearcorpus-jsonl")
    assert jsonl["ratio_to_floor"] is not None
