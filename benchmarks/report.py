"""Turn benchmark rows into ``results.md``, ``results.json`` and ``scaling.png``."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

#: Peak memory ceiling of the issue's streaming target, in MB.
MEMORY_TARGET_MB = 300.0
#: "Flat" memory: the peak at the largest size is at most this multiple of the 100k peak.
FLAT_FACTOR = 1.25
#: Start-up target of ``tearcorpus inspect`` (median seconds) on the benchmark machine.
STARTUP_TARGET_S = 0.3
#: The tearcorpus jobs: ``convert --to <format>``, ``-w2`` with ``--workers 2``.
TEARCORPUS_JOBS = (
    "tearcorpus-jsonl",
    "tearcorpus-csv",
    "tearcorpus-parquet",
    "tearcorpus-hub",
    "tearcorpus-jsonl-w2",
    "tearcorpus-parquet-w2",
    "tearcorpus-hub-w2",
)
#: Jobs whose input is read as a stream (Pushshift lines); yt-dlp is one JSON document.
STREAMING_INPUT = "pushshift"


def enrich(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add ``ratio_to_floor`` and ``records_per_s`` to each row (``None`` when not measurable).

    The floor of an input and size is the median of its runs: the floor row's, and the one
    beside each job (``floor_s``) when the run paired them; the floor row then shows that
    median, and its runs as ``floor_runs``."""
    runs: dict[tuple[str, int], list[float]] = {}
    for r in rows:
        key = (r["input"], r["n"])
        if r["job"] == "floor" and r["status"] == "ok":
            runs.setdefault(key, []).insert(0, r.get("floor_runs", [r["wall_s"]])[0])
        elif r.get("floor_s") is not None:
            runs.setdefault(key, []).append(r["floor_s"])
    floors = {key: statistics.median(times) for key, times in runs.items()}
    out = []
    for r in rows:
        ok = r["status"] == "ok"
        floor = floors.get((r["input"], r["n"]))
        row = dict(r)
        if r["job"] == "floor" and ok and floor is not None:
            row["floor_runs"] = runs[(r["input"], r["n"])]
            row["wall_s"] = floor
        out.append(
            {
                **row,  # times and peaks as measured: --rerender recomputes from them
                "ratio_to_floor": round(row["wall_s"] / floor, 2) if ok and floor else None,
                "records_per_s": round(r["records"] / row["wall_s"]) if ok else None,
            }
        )
    return out


def _get(rows: Sequence[dict[str, Any]], kind: str, job: str, n: int) -> dict[str, Any] | None:
    for r in rows:
        if (r["input"], r["job"], r["n"]) == (kind, job, n):
            return r
    return None


def check_targets(
    rows: Sequence[dict[str, Any]], startup: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Evaluate the issue's targets at the largest measured size; one verdict per target."""
    verdicts: list[dict[str, Any]] = []
    sizes = sorted({r["n"] for r in rows})
    if not sizes:
        return verdicts
    top = sizes[-1]
    kinds = sorted({r["input"] for r in rows})

    def verdict(target: str, met: bool | None, detail: str) -> None:
        verdicts.append({"target": target, "met": met, "detail": detail})

    for job, limit in (
        ("tearcorpus-jsonl", 2.0),
        ("tearcorpus-jsonl-w2", 2.0),
        ("tearcorpus-hub", 3.0),
        ("tearcorpus-hub-w2", 3.0),
    ):
        for kind in kinds:
            r = _get(rows, kind, job, top)
            if r is None:
                continue
            ratio = r["ratio_to_floor"]
            verdict(
                f"{job} ≤ {limit:g}× floor at N={top:,} ({kind})",
                None if ratio is None else ratio <= limit,
                f"{ratio}× floor" if ratio is not None else r["status"],
            )

    pairs = {
        "tearcorpus-jsonl": ("pandas-jsonl", "datasets-jsonl"),
        "tearcorpus-jsonl-w2": ("pandas-jsonl", "datasets-jsonl"),
        "tearcorpus-parquet": ("pandas-parquet", "datasets-parquet"),
        "tearcorpus-parquet-w2": ("pandas-parquet", "datasets-parquet"),
        "tearcorpus-hub-w2": ("pandas-parquet", "datasets-parquet"),
        "tearcorpus-hub": ("pandas-parquet", "datasets-parquet"),
    }
    for ours, peers in pairs.items():
        for kind in kinds:
            slower = []
            compared = 0
            for n in sizes:
                mine = _get(rows, kind, ours, n)
                if mine is None or mine["status"] != "ok":
                    continue
                for peer in peers:
                    theirs = _get(rows, kind, peer, n)
                    if theirs is None:
                        continue
                    compared += 1
                    # a peer that failed or timed out counts as slower than a finished job
                    if theirs["status"] == "ok" and theirs["wall_s"] <= mine["wall_s"]:
                        slower.append(
                            f"{peer} at N={n:,} ({theirs['wall_s']:.2f} s, ours {mine['wall_s']:.2f} s)"
                        )
            if compared:
                verdict(
                    f"{ours} faster than pandas and datasets ({kind})",
                    not slower,
                    "faster at every size" if not slower else "slower than " + "; ".join(slower),
                )

    mid = 100_000 if 100_000 in sizes else None
    for job in TEARCORPUS_JOBS:
        r = _get(rows, STREAMING_INPUT, job, top)
        if r is None:
            continue
        if r["status"] != "ok":
            verdict(
                f"{job} peak ≤ {MEMORY_TARGET_MB:.0f} MB and flat ({STREAMING_INPUT})",
                False if r["status"].startswith("over") else None,
                f"{r['status']} at N={top:,}",
            )
            continue
        # With worker processes the bound is each process's (the peak row shows them all
        # together; --workers N runs N + 1 interpreters, each holding pyarrow).
        key = "process_peak_mb" if "process_peak_mb" in r else "peak_rss_mb"
        each = " per process" if key == "process_peak_mb" else ""
        peak = r[key]
        detail = f"{peak:.0f} MB{each} at N={top:,}"
        met = peak <= MEMORY_TARGET_MB
        if mid is not None and mid != top:
            m = _get(rows, STREAMING_INPUT, job, mid)
            if m is not None and m["status"] == "ok" and key in m:
                flat = peak <= FLAT_FACTOR * m[key]
                detail += f", {m[key]:.0f} MB at N=100,000 ({'flat' if flat else 'grows'})"
                met = met and flat
        if each:
            detail += f"; {r['peak_rss_mb']:.0f} MB all processes together at N={top:,}"
        verdict(
            f"{job} peak ≤ {MEMORY_TARGET_MB:.0f} MB{each} and flat ({STREAMING_INPUT})",
            met,
            detail,
        )

    for s in startup:
        fast = s["median_s"] <= STARTUP_TARGET_S and not s["heavy_imported"]
        heavy = ", ".join(s["heavy_imported"]) or "no heavy module"
        verdict(
            f"`{s['command']}` starts fast (≤ {STARTUP_TARGET_S * 1000:.0f} ms, no heavy import)",
            fast,
            f"median {s['median_s'] * 1000:.0f} ms, {heavy}",
        )
    return verdicts


def _mark(met: bool | None) -> str:
    return {True: "met", False: "**not met**", None: "not measured"}[met]


def markdown(
    rows: Sequence[dict[str, Any]],
    startup: Sequence[dict[str, Any]],
    meta: dict[str, Any],
    targets: Sequence[dict[str, Any]],
) -> str:
    """The results as a markdown document."""
    m = meta["machine"]
    lines = [
        "# tearcorpus benchmark results",
        "",
        f"- commit: `{meta['commit']}`",
        f"- date: {meta['date']}; the whole run took {meta['duration_s']:.0f} s",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, Python {m['python']}",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
        f"- per-job limits: {meta['timeout_s']:.0f} s, {meta['mem_cap_mb']:.0f} MB",
        "",
        "Time is wall-clock seconds of the whole process (start-up included), `×` is the ratio to the",
        "orjson floor on the same input, peak is the process's maximum resident set in MB; for",
        "a job with worker processes (`-w2`), the most its processes held at once (the sum of",
        "their proportional set sizes, polled), with each process's own peak in the targets.",
        "",
    ]
    if meta.get("paired_floor"):
        lines[-1:-1] = [
            "The floor ran again just before each job; the floor row and every `×` use the median",
            "of those runs (this machine's speed moves by ±15% from one run to the next).",
        ]
    if meta.get("repeat", 1) > 1:
        lines[-1:-1] = [
            f"Each job ran {meta['repeat']} times (the floor beside it each time): times are the",
            "medians (each run's time is in results.json), peaks the highest.",
        ]
    sizes = sorted({r["n"] for r in rows})
    for kind in sorted({r["input"] for r in rows}, reverse=True):
        jobs = list(dict.fromkeys(r["job"] for r in rows if r["input"] == kind))
        head = ["job"]
        for n in sizes:
            head += [f"N={n:,} time", "×", "peak MB"]
        head.append(f"records/s at N={sizes[-1]:,}")
        lines += [f"## {kind}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for job in jobs:
            cells = [job]
            for n in sizes:
                r = _get(rows, kind, job, n)
                if r is None:
                    cells += ["", "", ""]
                elif r["status"] != "ok":
                    cells += [r["status"], "", f"{r['peak_rss_mb']:.0f}"]
                else:
                    ratio = r["ratio_to_floor"]
                    cells += [
                        f"{r['wall_s']:.2f} s",
                        f"{ratio:.2f}" if ratio is not None else "",
                        f"{r['peak_rss_mb']:.0f}",
                    ]
            last = _get(rows, kind, job, sizes[-1])
            per_s = last["records_per_s"] if last else None
            cells.append(f"{per_s:,}" if per_s else "")
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    failures = [r for r in rows if r["status"] != "ok" and r.get("error")]
    if failures:
        lines += ["Failures (last stderr line):", ""]
        lines += [f"- {r['input']} {r['job']} N={r['n']:,}: `{r['error']}`" for r in failures]
        lines.append("")
    if startup:
        lines += [
            "## start-up",
            "",
            "| command | median | min | peak MB | heavy modules imported | slowest top-level imports |",
            "|---|---|---|---|---|---|",
        ]
        for s in startup:
            slow = ", ".join(f"{name} {ms} ms" for name, ms in s["slowest_imports_ms"])
            lines.append(
                f"| `{s['command']}` | {s['median_s'] * 1000:.0f} ms | {s['min_s'] * 1000:.0f} ms"
                f" | {s['peak_rss_mb']:.0f} | {', '.join(s['heavy_imported']) or 'none'} | {slow} |"
            )
        lines.append("")
    if targets:
        lines += ["## targets", "", "| target | verdict | measured |", "|---|---|---|"]
        lines += [f"| {t['target']} | {_mark(t['met'])} | {t['detail']} |" for t in targets]
        lines.append("")
    return "\n".join(lines)


_STYLE = {
    "floor": ("black", "--"),
    "tearcorpus-jsonl": ("tab:blue", "-"),
    "tearcorpus-csv": ("tab:cyan", "-"),
    "tearcorpus-parquet": ("tab:green", "-"),
    "tearcorpus-hub": ("tab:purple", "-"),
    "tearcorpus-jsonl-w2": ("tab:blue", "--"),
    "tearcorpus-parquet-w2": ("tab:green", "--"),
    "tearcorpus-hub-w2": ("tab:purple", "--"),
    "pandas-jsonl": ("tab:orange", ":"),
    "pandas-parquet": ("tab:red", ":"),
    "datasets-jsonl": ("tab:brown", "-."),
    "datasets-parquet": ("tab:olive", "-."),
}


def _human(value: float, _pos: object = None) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    if value >= 1_000:
        return f"{value / 1_000:g}k"
    return f"{value:g}"


def _human_minor(value: float, _pos: object = None) -> str:
    # label 2x and 5x minor ticks only, so a short axis still has numbers
    lead = f"{value:e}"[0]
    return _human(value) if lead in "25" else ""


def plot(rows: Sequence[dict[str, Any]], path: Path, title: str) -> None:
    """Log-log plot of wall time and peak memory against N, one line per job and input."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    kinds = sorted({r["input"] for r in rows}, reverse=True)
    fig, axes = plt.subplots(
        len(kinds), 2, figsize=(13, 4.6 * len(kinds)), squeeze=False, constrained_layout=True
    )
    for i, kind in enumerate(kinds):
        jobs = list(dict.fromkeys(r["job"] for r in rows if r["input"] == kind))
        for j, (metric, label) in enumerate(
            (("wall_s", "wall time (s)"), ("peak_rss_mb", "peak RSS (MB)"))
        ):
            ax = axes[i][j]
            for job in jobs:
                pts = sorted(
                    (r["n"], r[metric])
                    for r in rows
                    if r["input"] == kind and r["job"] == job and r["status"] == "ok"
                )
                if not pts:
                    continue
                color, style = _STYLE.get(job, ("gray", "-"))
                ax.plot(
                    *zip(*pts, strict=True), style, color=color, marker="o", markersize=4, label=job
                )
            if metric == "peak_rss_mb":
                ax.axhline(MEMORY_TARGET_MB, color="gray", linewidth=0.8, linestyle=(0, (1, 3)))
                ax.annotate(
                    f"{MEMORY_TARGET_MB:.0f} MB target",
                    (0.01, MEMORY_TARGET_MB),
                    xycoords=("axes fraction", "data"),
                    fontsize=8,
                    color="gray",
                    va="bottom",
                )
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.xaxis.set_major_formatter(FuncFormatter(_human))
            ax.yaxis.set_major_formatter(FuncFormatter(_human))
            ax.yaxis.set_minor_formatter(FuncFormatter(_human_minor))
            ax.set_xlabel("comments (N)")
            ax.set_ylabel(label)
            ax.set_title(f"{kind}: {label}")
            ax.grid(True, which="both", alpha=0.3)
        axes[i][1].legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write_results(
    out: Path,
    rows: Sequence[dict[str, Any]],
    startup: Sequence[dict[str, Any]],
    meta: dict[str, Any],
    *,
    plot_png: bool = True,
) -> list[Path]:
    """Write ``results.json``, ``results.md`` and (optionally) ``scaling.png`` into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    full = enrich(rows)
    targets = check_targets(full, startup)
    json_path = out / "results.json"
    json_path.write_bytes(
        orjson.dumps(
            {"meta": meta, "rows": full, "startup": list(startup), "targets": targets},
            option=orjson.OPT_INDENT_2,
        )
        + b"\n"
    )
    md_path = out / "results.md"
    md_path.write_text(markdown(full, startup, meta, targets), encoding="utf-8")
    written = [md_path, json_path]
    if plot_png and full:
        png = out / "scaling.png"
        plot(
            full,
            png,
            f"tearcorpus benchmarks at {meta['commit'].split()[0]}, {meta['machine']['cores']} cores",
        )
        written.append(png)
    return written
