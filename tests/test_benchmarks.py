"""Smoke test of the benchmark suite (``python -m benchmarks``): it runs, it reports.

No timing is asserted here: timings belong to ``benchmarks/results/``, never to unit tests.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generate import ensure_inputs, write_pushshift, write_ytdlp
from benchmarks.report import check_targets, enrich, write_results
from benchmarks.run import _combined, machine, main, measure, run_jobs


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
    assert "floor_s" not in rows[0]
    assert rows[1]["floor_s"] > 0  # the floor ran again beside the job
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
    # --rerender writes the same tables again from the JSON, running nothing.
    args = ["--rerender", str(tmp_path / "out" / "results.json"), "--out", str(tmp_path / "re")]
    assert main([*args, "--no-plot"]) == 0
    assert (tmp_path / "re" / "results.md").read_text(encoding="utf-8") == table


def _row(job: str, wall_s: float, floor_s: float | None = None, n: int = 10) -> dict[str, object]:
    row: dict[str, object] = {
        "input": "pushshift",
        "job": job,
        "n": n,
        "records": n,
        "wall_s": wall_s,
        "peak_rss_mb": 100.0,
        "status": "ok",
        "error": "",
    }
    if floor_s is not None:
        row["floor_s"] = floor_s
    return row


def test_ratios_are_to_the_median_of_the_floor_runs() -> None:
    """The floor of an input and size is the median of the floor row's run and the runs
    beside each job; every ratio of that input and size is to it."""
    rows = enrich(
        [
            _row("floor", 2.0),
            _row("tearcorpus-parquet", 3.0, floor_s=1.0),
            _row("pandas-parquet", 2.5, floor_s=1.5),
            _row("tearcorpus-hub", 4.5),
            _row("floor", 1.0, n=20),
            _row("tearcorpus-hub", 2.0, n=20),
        ]
    )
    assert [r["ratio_to_floor"] for r in rows] == [1.0, 2.0, 1.67, 3.0, 1.0, 2.0]
    assert rows[0]["wall_s"] == 1.5
    assert rows[0]["floor_runs"] == [2.0, 1.0, 1.5]
    assert "floor_runs" in enrich(rows)[0]  # enriched rows enrich again to the same
    assert [r["ratio_to_floor"] for r in enrich(rows)] == [r["ratio_to_floor"] for r in rows]
    verdicts = {v["target"]: v for v in check_targets(rows, [])}
    hub = verdicts["tearcorpus-hub faster than pandas and datasets (pushshift)"]
    assert hub["met"] is False
    assert "pandas-parquet at N=10 (2.50 s, ours 4.50 s)" in hub["detail"]


def test_repeated_runs_give_the_median_time_and_the_highest_peak(tmp_path: Path) -> None:
    """--repeat R: a job's row has the median of its R times, the highest peak, each run's
    time, and the first failure if a run failed."""
    ok = {"wall_s": 1.0, "peak_rss_mb": 10.0, "status": "ok", "error": ""}
    runs = [ok, {**ok, "wall_s": 3.0, "peak_rss_mb": 30.0}, {**ok, "wall_s": 2.0}]
    assert _combined(runs) == {**ok, "wall_s": 2.0, "peak_rss_mb": 30.0, "runs": [1.0, 3.0, 2.0]}
    killed = {"wall_s": 9.0, "peak_rss_mb": 99.0, "status": "timeout", "error": "killed"}
    assert _combined([ok, killed])["status"] == "timeout"
    assert _combined([ok]) == ok
    ensure_inputs(tmp_path / "data", 200)
    rows = run_jobs(
        [200],
        ["tearcorpus-jsonl"],
        ["pushshift"],
        tmp_path / "data",
        timeout=120,
        mem_cap_mb=4096,
        repeat=2,
    )
    assert len(rows[0]["runs"]) == 2
    assert rows[0]["floor_s"] > 0


_HOLDS = (
    "import subprocess, sys, time; held = bytearray({mb} << 20); time.sleep(0.1); "
    "child = subprocess.Popen([sys.executable, '-c', 'import time; held = bytearray({child} "
    "<< 20); time.sleep(1.5)']); child.wait()"
)


def test_worker_jobs_are_measured_as_a_tree_and_per_process() -> None:
    """A job with child processes: its peak is what the tree holds at once (the parent's
    60 MB and the child's 120 MB together), and the highest one process held is kept
    apart; a job measured without the tree gets only the highest one process held."""
    argv = [sys.executable, "-c", _HOLDS.format(mb=60, child=120)]
    tree = measure(argv, timeout=60, mem_cap_mb=4096, tree=True)
    assert tree["status"] == "ok"
    assert 120 <= tree["process_peak_mb"] < 170
    assert tree["peak_rss_mb"] >= 180
    alone = measure(argv, timeout=60, mem_cap_mb=4096)
    assert "process_peak_mb" not in alone
    # wait4's ru_maxrss: the highest of the process and the children it waited for.
    assert 120 <= alone["peak_rss_mb"] < 170


def test_memory_target_of_worker_jobs_is_per_process() -> None:
    """-w2 rows are held to 300 MB a process and flat, with the tree's total stated; a
    one-process row to its own peak."""

    def row(job: str, n: int, peak: float, each: float | None = None) -> dict[str, object]:
        r = _row(job, 1.0, n=n)
        r["peak_rss_mb"] = peak
        if each is not None:
            r["process_peak_mb"] = each
        return r

    rows = [
        row("tearcorpus-hub-w2", 100_000, 480.0, 230.0),
        row("tearcorpus-hub-w2", 1_000_000, 520.0, 250.0),
        row("tearcorpus-hub", 100_000, 260.0),
        row("tearcorpus-hub", 1_000_000, 320.0),
    ]
    verdicts = {v["target"]: v for v in check_targets(enrich(rows), [])}
    w2 = verdicts["tearcorpus-hub-w2 peak ≤ 300 MB per process and flat (pushshift)"]
    assert w2["met"] is True
    assert w2["detail"] == (
        "250 MB per process at N=1,000,000, 230 MB at N=100,000 (flat); "
        "520 MB all processes together at N=1,000,000"
    )
    one = verdicts["tearcorpus-hub peak ≤ 300 MB and flat (pushshift)"]
    assert one["met"] is False
    assert one["detail"] == "320 MB at N=1,000,000, 260 MB at N=100,000 (flat)"
