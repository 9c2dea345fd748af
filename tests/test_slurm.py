"""The Slurm pipeline of docs/scale-out.md, without a cluster: the executor builds, the
sbatch script datatrove submits has the tasks, paths and limits asked for, a resumed
launch submits only the tasks without a completion marker, and the pickled executor a
Slurm node loads runs the missing task to the records of a plain read.

No Slurm command is run by datatrove's rendering methods (``get_sbatch_args``,
``get_launch_file_contents``). The launch test puts a stand-in ``sbatch`` on ``PATH``
that records the script it is given and answers as sbatch does, so that datatrove's own
``launch_job`` writes its files (the pickled executor, the ranks to run, the script).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("datatrove")

import dill
from datatrove.executor import LocalPipelineExecutor, SlurmPipelineExecutor

from tearcorpus.integrations.datatrove import (
    TearcorpusReader,
    TearcorpusTransform,
    TearcorpusWriter,
    merge_pipelines,
)
from tearcorpus.transforms import Filter, Normalizer
from tests.test_datatrove import _plain, _written, make_dumps

VENV = "/shared/venvs/tearcorpus/bin/activate"


@pytest.fixture
def dumps(tmp_path: Path) -> Path:
    """The inputs of the local-executor tests."""
    return make_dumps(tmp_path)


def _pipeline(folder: Path, out: Path) -> list[Any]:
    """The streaming pipeline of the docs, on the test inputs."""
    return [TearcorpusReader(str(folder)), TearcorpusWriter(str(out))]


def _slurm(pipeline: list[Any], logs: Path, **kwargs: Any) -> SlurmPipelineExecutor:
    """The docs' Slurm executor (4 tasks here, at most 2 at a time)."""
    options: dict[str, Any] = {
        "tasks": 4,
        "workers": 2,
        "time": "04:00:00",
        "partition": "cpu",
        "cpus_per_task": 1,
        "mem_per_cpu_gb": 4,
        "job_name": "tearcorpus",
        "logging_dir": str(logs),
        "venv_path": VENV,
    }
    return SlurmPipelineExecutor(pipeline=pipeline, **{**options, **kwargs})


def _directives(script: str) -> dict[str, str]:
    """``#SBATCH --key=value`` lines as a dict (``--requeue`` has the value "")."""
    found: dict[str, str] = {}
    for line in script.splitlines():
        if line.startswith("#SBATCH --"):
            key, _, value = line.removeprefix("#SBATCH --").partition("=")
            found[key] = value
    return found


def test_sbatch_script_has_the_tasks_paths_and_limits(dumps: Path, tmp_path: Path) -> None:
    """The rendered job array runs 4 tasks 2 at a time with the asked limits, logs under
    logging_dir, activates the venv, and runs the pickled executor in logging_dir."""
    logs = tmp_path / "logs"
    executor = _slurm(_pipeline(dumps, tmp_path / "out"), logs)
    assert executor.world_size == 4
    assert executor.get_incomplete_ranks() == [0, 1, 2, 3]
    pickled = executor.logging_dir.resolve_paths("executor.pik")
    assert pickled == str(logs / "executor.pik")
    script = executor.get_launch_file_contents(
        executor.get_sbatch_args(max_array=4), f"launch_pickled_pipeline {pickled}"
    )
    assert script.startswith("#!/bin/bash\n")
    assert _directives(script) == {
        "cpus-per-task": "1",
        "mem-per-cpu": "4G",
        "nodes": "1",
        "partition": "cpu",
        "job-name": "tearcorpus",
        "time": "04:00:00",
        "output": str(logs / "slurm_logs" / "%A_%a.out"),
        "error": str(logs / "slurm_logs" / "%A_%a.out"),
        "array": "0-3%2",
        "requeue": "",
        "qos": "normal",
    }
    assert f"source {VENV}\n" in script
    assert script.rstrip().endswith(f"launch_pickled_pipeline {logs / 'executor.pik'}")
    assert (logs / "slurm_logs").is_dir()  # Slurm writes the task logs there


@pytest.fixture
def sbatch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in ``sbatch`` on PATH: keeps each script it is given with its arguments in
    ``submitted/`` and prints "Submitted batch job N", as sbatch does."""
    bin_dir, submitted = tmp_path / "bin", tmp_path / "submitted"
    bin_dir.mkdir()
    submitted.mkdir()
    script = bin_dir / "sbatch"
    script.write_text(
        "#!/bin/sh\n"
        f'dir="{submitted}"\n'
        'n=$(( $(ls "$dir" | wc -l) / 2 + 4241 ))\n'
        "for last; do :; done\n"
        'cp "$last" "$dir/$n.sh"\n'
        'printf "%s\\n" "$@" > "$dir/$n.args"\n'
        'echo "Submitted batch job $n"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("SLURM_ARRAY_TASK_ID", raising=False)
    return submitted


def test_a_resumed_launch_submits_only_the_missing_task(
    dumps: Path, tmp_path: Path, sbatch: Path
) -> None:
    """After a run with task 2 lost, datatrove's launch submits one array task for rank
    2; the executor a node unpickles runs it, and the output is the plain read's."""
    out, logs = tmp_path / "out", tmp_path / "logs"
    pipeline = _pipeline(dumps, out)
    LocalPipelineExecutor(pipeline=pipeline, tasks=4, workers=2, logging_dir=str(logs)).run()
    (logs / "completions" / "00002").unlink()
    (out / "00002.jsonl").unlink()

    executor = _slurm(pipeline, logs)
    assert executor.get_incomplete_ranks() == [2]
    executor.run()  # not inside a Slurm task: launches the job with sbatch

    assert json.loads((logs / "ranks_to_run.json").read_text()) == [2]
    script = (logs / "launch_script.slurm").read_text()
    assert _directives(script)["array"] == "0-0%2"  # one array task: ranks_to_run[0] = 2
    assert f"launch_pickled_pipeline {logs / 'executor.pik'}" in script
    # The job array, then datatrove's stats merge once the array has succeeded.
    assert (sbatch / "4241.sh").read_text() == script
    assert "--export=ALL,RUN_OFFSET=0" in (sbatch / "4241.args").read_text().split()
    assert _directives((sbatch / "4242.sh").read_text())["dependency"] == "afterok:4241"
    assert f"merge_stats {logs / 'stats'}" in (sbatch / "4242.sh").read_text()

    # What a node loads: the pickled executor with our steps. Run its pipeline for the
    # missing rank (here with the local executor, which needs no Slurm environment).
    with open(logs / "executor.pik", "rb") as handle:
        loaded = dill.load(handle)
    assert isinstance(loaded, SlurmPipelineExecutor)
    assert [type(step) for step in loaded.pipeline] == [type(step) for step in pipeline]
    LocalPipelineExecutor(pipeline=loaded.pipeline, tasks=4, logging_dir=str(logs)).run()
    assert (logs / "completions" / "00002").exists()
    assert _written(out) == _plain(dumps)


def test_merge_stages_on_slurm_chain_by_dependency(tmp_path: Path, sbatch: Path) -> None:
    """The docs' two-stage merge on Slurm: the merge job (one task a bucket) is submitted
    after the shuffle, with an afterok dependency on the shuffle's job array."""
    folder = tmp_path / "dumps"
    folder.mkdir()
    stage1, stage2 = merge_pipelines(
        TearcorpusReader(str(folder)),
        str(tmp_path / "buckets"),
        8,
        after=[
            TearcorpusTransform(Normalizer()),
            TearcorpusTransform(Filter()),
            TearcorpusWriter(str(tmp_path / "corpus")),
        ],
    )
    shuffle = _slurm(stage1, tmp_path / "logs" / "shuffle", tasks=5, job_name="shuffle")
    merge = _slurm(stage2, tmp_path / "logs" / "merge", tasks=8, job_name="merge", depends=shuffle)
    merge.run()
    scripts = {path.stem: path.read_text() for path in sbatch.glob("*.sh")}
    arrays = {
        n: _directives(text)["array"]
        for n, text in scripts.items()
        if "launch_pickled_pipeline" in text
    }
    assert arrays == {"4241": "0-4%2", "4243": "0-7%2"}  # the shuffle, then the merge
    assert _directives(scripts["4243"])["job-name"] == "merge"
    assert "--dependency=afterok:4241" in (sbatch / "4243.args").read_text().split()
    assert json.loads((tmp_path / "logs" / "merge" / "ranks_to_run.json").read_text()) == list(
        range(8)
    )
