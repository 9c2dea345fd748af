"""Run the benchmark suite: ``python -m benchmarks`` or ``python benchmarks/run.py``.

Each job runs in its own process; the parent measures its wall time and its peak resident
memory (the ``ru_maxrss`` ``os.wait4`` returns: the highest resident set of the job's
process and of the processes it waited for). A job with worker processes is also polled:
its peak is the most its process tree held at once (the sum of the processes'
proportional set sizes, so that a library's pages mapped by all of them count once), and
``process_peak_mb`` the most any one process held. psutil polling enforces the memory
cap. Results go to ``--out`` as ``results.md``, ``results.json`` and ``scaling.png``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

from benchmarks.generate import ensure_inputs, submission_count
from benchmarks.report import TEARCORPUS_JOBS, write_results

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (10_000, 100_000)
INPUTS = ("pushshift", "ytdlp")
PEER_JOBS = ("pandas-jsonl", "pandas-parquet", "datasets-jsonl", "datasets-parquet")
ALL_JOBS = ("floor", *TEARCORPUS_JOBS, *PEER_JOBS)
#: Modules that ``tearcorpus inspect`` should never need.
HEAVY_MODULES = (
    "pandas",
    "numpy",
    "pyarrow",
    "datasets",
    "huggingface_hub",
    "fsspec",
    "zstandard",
    "ftfy",
    "py3langid",
    "datasketch",
    "matplotlib",
)


def tearcorpus_cli() -> str:
    """The ``tearcorpus`` console script next to this interpreter (else on PATH)."""
    beside = Path(sys.executable).parent / "tearcorpus"
    if beside.exists():
        return str(beside)
    found = shutil.which("tearcorpus")
    if found is None:
        raise SystemExit("benchmarks: the tearcorpus command is not installed")
    return found


def job_command(job: str, kind: str, out: Path, inputs: Sequence[Path]) -> list[str]:
    """The argv that runs ``job`` on ``inputs``, writing into ``out``."""
    if job.startswith("tearcorpus-"):
        fmt, _, workers = job.removeprefix("tearcorpus-").partition("-w")
        return [
            tearcorpus_cli(),
            "convert",
            *map(str, inputs),
            "--to",
            fmt,
            "-o",
            str(out),
            "--overwrite",
            "--progress",
            "never",
            *(["--workers", workers] if workers else []),
        ]
    return [sys.executable, "-m", "benchmarks._child", job, kind, str(out), *map(str, inputs)]


def _tree_memory(pid: int, peaks: dict[int, int]) -> int:
    """The memory of the process tree of *pid* now, in bytes: the sum of its processes'
    proportional set sizes (a page shared by k processes counts 1/k in each). Raises each
    process's entry in *peaks* to its resident set size now."""
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            info = p.memory_full_info()
            total += getattr(info, "pss", info.rss)
            if p.pid != pid:  # not the small wrapper interpreter
                peaks[p.pid] = max(peaks.get(p.pid, 0), info.rss)
    return total


#: Runs the job from a small interpreter, so the job's ``ru_maxrss`` does not inherit this
#: process's high-water mark (Linux carries it across fork/vfork + exec), and reports the
#: job's own peak RSS (KiB), exit code and wall time.
_WRAPPER = """
import os, sys, time
out, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.posix_spawnp(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
code = os.waitstatus_to_exitcode(status)
with open(out, "w") as f:
    f.write(f"{usage.ru_maxrss} {code} {wall}")
sys.exit(0 if code == 0 else 1)
"""


def measure(
    argv: Sequence[str],
    *,
    timeout: float,
    mem_cap_mb: float,
    log: Path | None = None,
    tree: bool = False,
) -> dict[str, Any]:
    """Run ``argv`` once; return wall seconds, peak RSS (MB), status and a stderr tail."""
    fd, result_name = tempfile.mkstemp(prefix="bench-", suffix=".txt")
    os.close(fd)
    result_file = Path(result_name)
    err = log.open("wb") if log else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-I", "-c", _WRAPPER, result_name, *argv],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=err,
        start_new_session=True,
    )
    status = "ok"
    polled_peak = 0
    process_peaks: dict[int, int] = {}
    try:
        while True:
            try:
                proc.wait(timeout=0.05 if time.perf_counter() - start < 2 else 0.2)
                break
            except subprocess.TimeoutExpired:
                pass
            elapsed = time.perf_counter() - start
            held = _tree_memory(proc.pid, process_peaks)
            polled_peak = max(polled_peak, held)
            if elapsed > timeout or held > mem_cap_mb * 2**20:
                status = (
                    f"timeout > {timeout:.0f} s"
                    if elapsed > timeout
                    else f"over {mem_cap_mb:.0f} MB"
                )
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                break
    finally:
        if log and not isinstance(err, int):
            err.close()
    wall = time.perf_counter() - start
    peak_mb = polled_peak / 2**20
    process_peak_mb = max(process_peaks.values(), default=0) / 2**20
    code = proc.returncode
    report = result_file.read_text().split() if result_file.exists() else []
    result_file.unlink(missing_ok=True)
    if status == "ok" and len(report) == 3:
        own_mb = int(report[0]) / 1024  # ru_maxrss is in KiB on Linux
        process_peak_mb = max(process_peak_mb, own_mb)
        # ru_maxrss is the most one process held (the job, or a child it waited for): a
        # job with worker processes is held to its process tree's memory at once, as
        # polled (the small wrapper interpreter included).
        peak_mb = max(own_mb, peak_mb) if tree else own_mb
        code = int(report[1])
        wall = float(report[2])
    tail = ""
    if status == "ok" and code != 0:
        status = f"exit {code}"
    if status != "ok" and log and log.exists():
        lines = log.read_text(errors="replace").strip().splitlines()
        tail = lines[-1][:200] if lines else ""
    result = {"wall_s": wall, "peak_rss_mb": peak_mb, "status": status, "error": tail}
    if tree:
        result["process_peak_mb"] = process_peak_mb
    return result


def run_jobs(
    sizes: Sequence[int],
    jobs: Sequence[str],
    inputs_kinds: Sequence[str],
    data_dir: Path,
    *,
    timeout: float,
    mem_cap_mb: float,
    keep_outputs: bool = False,
    paired_floor: bool = True,
    repeat: int = 1,
) -> list[dict[str, Any]]:
    """Generate the inputs and run every (input, size, job); one row per run.

    With *paired_floor*, the floor runs again just before every other job, and the job's
    row keeps that run's time as ``floor_s``: the report takes each input and size's floor
    as the median of all its runs (this machine's speed drifts by 2× within a run, and one
    floor run moves by ±15% from the next), not as the one run minutes before the jobs.

    With *repeat* above 1, each job (with its floor beside it) runs that many times: its
    row has the median time, the highest peak, the first failure if any, and each run's
    time in ``runs``."""
    rows: list[dict[str, Any]] = []

    def run(kind: str, job: str, n: int, path: list[Path]) -> dict[str, Any]:
        out = data_dir / "out" / f"{kind}-{job}-{n}"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        log = data_dir / "out" / f"{kind}-{job}-{n}.stderr"
        result = measure(
            job_command(job, kind, out, path),
            timeout=timeout,
            mem_cap_mb=mem_cap_mb,
            log=log,
            tree="-w" in job,
        )
        if not keep_outputs:
            shutil.rmtree(out, ignore_errors=True)
        return result

    for n in sizes:
        t0 = time.perf_counter()
        paths = inputs_for(data_dir, n)
        print(f"== N={n:,}: inputs ready in {time.perf_counter() - t0:.1f} s", flush=True)
        for kind in inputs_kinds:
            for job in jobs:
                results, floors = [], []
                for _ in range(max(1, repeat)):
                    if paired_floor and job != "floor":
                        beside = run(kind, "floor", n, paths[kind])
                        if beside["status"] == "ok":
                            floors.append(beside["wall_s"])
                    results.append(run(kind, job, n, paths[kind]))
                result = _combined(results)
                floor_s = statistics.median(floors) if floors else None
                records = n + (submission_count(n) if kind == "pushshift" else 1)
                row = {"input": kind, "job": job, "n": n, "records": records, **result}
                if paired_floor and job != "floor":
                    row["floor_s"] = floor_s
                rows.append(row)
                beside_text = f"  (floor beside it {floor_s:.2f} s)" if floor_s else ""
                print(
                    f"  {kind:9} {job:18} {result['wall_s']:8.2f} s {result['peak_rss_mb']:8.0f} MB"
                    f"  {result['status']} {result['error']}{beside_text}",
                    flush=True,
                )
    return rows


def _combined(results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One result for the runs of a job: the median time, the highest peak, the first
    failure (its status and error) if a run failed, and each run's time when there were
    several."""
    failed = [r for r in results if r["status"] != "ok"]
    combined = dict(failed[0] if failed else results[0])
    combined["wall_s"] = statistics.median(r["wall_s"] for r in results)
    for peak in ("peak_rss_mb", "process_peak_mb"):
        if peak in combined:
            combined[peak] = max(r[peak] for r in results)
    if len(results) > 1:
        combined["runs"] = [r["wall_s"] for r in results]
    return combined


def inputs_for(data_dir: Path, n: int) -> dict[str, list[Path]]:
    """Generate the inputs in a child process (keeps this one small), then return the paths."""
    subprocess.run(
        [sys.executable, "-m", "benchmarks.generate", str(data_dir), str(n)], cwd=REPO, check=True
    )
    return ensure_inputs(data_dir, n)


def _heavy_imports(argv: Sequence[str]) -> dict[str, Any]:
    """Which heavy modules ``argv`` (a tearcorpus command) imports, from ``-X importtime``."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    top: list[tuple[int, str]] = []
    imported: set[str] = set()
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
        try:
            cumulative = int(parts[1])
        except ValueError:
            continue
        name = parts[2].strip()
        imported.add(name.split(".")[0])
        if not parts[2].startswith(" ") and "." not in name:
            top.append((cumulative, name))
    top.sort(reverse=True)
    return {
        "heavy_imported": sorted(imported & set(HEAVY_MODULES)),
        "modules_imported": len(imported),
        "slowest_imports_ms": [(name, round(us / 1000, 1)) for us, name in top[:5]],
    }


def startup(data_dir: Path, runs: int = 10) -> list[dict[str, Any]]:
    """Median wall time of ``inspect --help`` and ``inspect <small file>``, and their imports."""
    small = inputs_for(data_dir, 200)["pushshift"][0]
    cli = tearcorpus_cli()
    cases = {
        "tearcorpus inspect --help": [cli, "inspect", "--help"],
        "tearcorpus inspect <200-comment RC file>": [
            cli,
            "inspect",
            str(small),
            "--progress",
            "never",
        ],
    }
    rows = []
    for label, argv in cases.items():
        times = []
        peaks = []
        for _ in range(runs):
            res = measure(argv, timeout=60, mem_cap_mb=4096)
            times.append(res["wall_s"])
            peaks.append(res["peak_rss_mb"])
        row = {
            "command": label,
            "median_s": statistics.median(times),
            "min_s": min(times),
            "peak_rss_mb": max(peaks),
            **_heavy_imports(argv),
        }
        rows.append(row)
        print(
            f"  {label}: median {row['median_s'] * 1000:.0f} ms, heavy: {row['heavy_imported'] or 'none'}",
            flush=True,
        )
    return rows


def _git_commit() -> str:
    proc = subprocess.run(
        ["git", "log", "-1", "--format=%h %s"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "src"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    commit = proc.stdout.strip() or "unknown"
    return commit + (" (+ uncommitted changes in src/)" if dirty.stdout.strip() else "")


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = 0.0
    try:
        import psutil

        mem_gb = psutil.virtual_memory().total / 2**30
    except ImportError:
        pass
    versions: dict[str, str] = {}
    for mod in ("tearcorpus", "orjson", "pandas", "pyarrow", "datasets"):
        try:
            from importlib.metadata import version

            versions[mod] = version(mod)
        except Exception:
            versions[mod] = "not installed"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_gb, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="comma-separated comment counts (default: %(default)s)",
    )
    parser.add_argument("--quick", action="store_true", help="sizes 10000,100000")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument(
        "--jobs",
        default=",".join(ALL_JOBS),
        help=f"comma-separated jobs (default: all): {', '.join(ALL_JOBS)}",
    )
    parser.add_argument(
        "--inputs", default=",".join(INPUTS), help="comma-separated inputs (default: %(default)s)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=REPO / "benchmarks" / ".data",
        help="where generated inputs and scratch outputs go (default: benchmarks/.data)",
    )
    parser.add_argument("--timeout", type=float, default=300, help="seconds per job")
    parser.add_argument(
        "--mem-cap", type=float, default=6144, help="MB per job before it is killed"
    )
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up timings")
    parser.add_argument(
        "--rerender",
        type=Path,
        metavar="RESULTS_JSON",
        help="run nothing: write the tables, verdicts and plot again from an earlier "
        "results.json (its rows as measured) into --out",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="R",
        help="run each job (and the floor beside it) R times; report the median time",
    )
    parser.add_argument(
        "--no-paired-floor",
        action="store_true",
        help="run the floor once per input and size, not again beside every job",
    )
    parser.add_argument("--no-plot", action="store_true", help="skip scaling.png")
    args = parser.parse_args(argv)
    args.size_list = (
        list(QUICK_SIZES) if args.quick else [int(s) for s in args.sizes.split(",") if s]
    )
    args.job_list = [j for j in args.jobs.split(",") if j]
    args.input_list = [i for i in args.inputs.split(",") if i]
    for job in args.job_list:
        if job not in ALL_JOBS:
            parser.error(f"unknown job {job!r}; choose from {', '.join(ALL_JOBS)}")
    for kind in args.input_list:
        if kind not in INPUTS:
            parser.error(f"unknown input {kind!r}; choose from {', '.join(INPUTS)}")
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")
    if "floor" not in args.job_list:
        args.job_list.insert(0, "floor")  # every ratio needs it
    return args


def compile_tearcorpus() -> None:
    """Compile tearcorpus' modules to bytecode before any job, as ``pip install`` does
    for the packages the peers use and Python does on a first run: with
    ``PYTHONDONTWRITEBYTECODE`` set (this machine sets it) and an editable install, every
    job would otherwise compile tearcorpus from source again (about 0.1-0.2 s a job)."""
    import compileall

    import tearcorpus

    compileall.compile_dir(Path(tearcorpus.__file__).parent, quiet=1)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks``."""
    args = parse_args(argv)
    if args.rerender is not None:
        import orjson

        earlier = orjson.loads(args.rerender.read_bytes())
        rows, startup_rows = earlier["rows"], earlier["startup"]
        for path in write_results(
            args.out, rows, startup_rows, earlier["meta"], plot_png=not args.no_plot
        ):
            print(f"wrote {path}")
        return 0
    compile_tearcorpus()
    started = time.time()
    rows = run_jobs(
        args.size_list,
        args.job_list,
        args.input_list,
        args.data_dir,
        timeout=args.timeout,
        mem_cap_mb=args.mem_cap,
        paired_floor=not args.no_paired_floor,
        repeat=args.repeat,
    )
    startup_rows = [] if args.no_startup else startup(args.data_dir)
    meta = {
        "commit": _git_commit(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
        "duration_s": round(time.time() - started, 1),
        "sizes": args.size_list,
        "timeout_s": args.timeout,
        "mem_cap_mb": args.mem_cap,
        "paired_floor": not args.no_paired_floor,
        "repeat": args.repeat,
        "machine": machine(),
    }
    written = write_results(args.out, rows, startup_rows, meta, plot_png=not args.no_plot)
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
