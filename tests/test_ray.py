"""The datatrove pipelines of test_datatrove.py on datatrove's Ray executor, against a
local Ray runtime started here (CPU only, two CPUs, no dashboard): the same inputs give
the records of a plain run, with the merge stage, the opt-out list and a resumed run.

Needs the ``ray`` extra: ``make test-ray`` installs it, checks that Ray imports (so that
the CI step cannot pass by skipping) and runs the tests marked ``ray``. A plain
``pytest`` skips this module where Ray is not installed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("datatrove")

from datatrove.executor import RayPipelineExecutor

import tearcorpus
from tearcorpus.integrations.datatrove import (
    TearcorpusMergeReader,
    TearcorpusReader,
    TearcorpusTransform,
    TearcorpusWriter,
    merge_pipelines,
)
from tearcorpus.transforms import (
    Excluder,
    Filter,
    Normalizer,
    Scrubber,
    Transform,
    apply_transforms,
)
from tests.test_datatrove import _key, _paths, _plain, _written, make_dumps, make_overlapping

ray = pytest.importorskip("ray", reason="needs the ray extra: pip install 'tearcorpus[ray]'")
pytestmark = pytest.mark.ray


@pytest.fixture
def dumps(tmp_path: Path) -> Path:
    """The inputs of the local-executor tests."""
    return make_dumps(tmp_path)


@pytest.fixture
def overlapping(tmp_path: Path) -> Path:
    """The inputs of the local-executor merge tests."""
    return make_overlapping(tmp_path)


#: Stage-2 tasks of the merge tests (one per bucket), as in test_datatrove.py.
BUCKETS = 4


@pytest.fixture(scope="module")
def ray_runtime() -> Iterator[None]:
    """A local Ray runtime for this module: two CPUs, no GPU, no dashboard.

    ``address="local"`` always starts a new runtime here, never joins one named by
    ``RAY_ADDRESS``. The workers inherit this process's environment, so they import the
    same tearcorpus.
    """
    ray.init(
        address="local",
        num_cpus=2,
        num_gpus=0,
        include_dashboard=False,
        log_to_driver=False,
    )
    try:
        resources: dict[str, float] = ray.cluster_resources()
        assert resources.get("CPU") == 2
        assert not resources.get("GPU")
        yield
    finally:
        ray.shutdown()


def _executor(pipeline: list[Any], logs: Path, tasks: int, **kwargs: Any) -> Any:
    """A Ray executor of *tasks* tasks, at most two at a time (one CPU each), with a
    small memory reservation so that both fit on this machine's runtime."""
    return RayPipelineExecutor(
        pipeline=pipeline,
        tasks=tasks,
        workers=2,
        cpus_per_task=1,
        mem_per_cpu_gb=0.25,
        logging_dir=str(logs),
        **kwargs,
    )


def _stats(logs: Path, step: str) -> dict[str, Any]:
    """The stats of the step named *step*, over all tasks: the Ray executor merges them
    into ``stats.json`` once every task is done."""
    stats: list[dict[str, Any]] = json.loads((logs / "stats.json").read_text())
    (found,) = [s["stats"] for s in stats if s["name"].endswith(f": {step}")]
    assert isinstance(found, dict)
    return found


@pytest.mark.usefixtures("ray_runtime")
def test_four_ray_tasks_give_the_records_of_a_plain_read(dumps: Path, tmp_path: Path) -> None:
    """Reader → writer on Ray (tasks=4, two at a time) writes the plain read's records, one
    file a task; as a corpus they are tearcorpus.read's."""
    out, logs = tmp_path / "out", tmp_path / "logs"
    _executor([TearcorpusReader(str(dumps)), TearcorpusWriter(str(out))], logs, tasks=4).run()
    assert sorted(p.name for p in out.iterdir()) == [f"{r:05d}.jsonl" for r in range(4)]
    assert sorted(p.name for p in (logs / "completions").iterdir()) == [
        f"{r:05d}" for r in range(4)
    ]
    written, plain = _written(out), _plain(dumps)
    assert len(written) == len(plain) > 40
    assert written == plain
    assert [r.provenance for r in written] == [r.provenance for r in plain]
    corpus = tearcorpus.read(_paths(dumps))
    assert sorted(tearcorpus.Corpus(written), key=_key) == sorted(corpus, key=_key)
    assert _stats(logs, TearcorpusReader.name)["documents"]["total"] == len(plain)

    # A task that died: its marker and output are gone. The rerun redoes that task only.
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    (logs / "completions" / "00002").unlink()
    (out / "00002.jsonl").unlink()
    _executor([TearcorpusReader(str(dumps)), TearcorpusWriter(str(out))], logs, tasks=4).run()
    after = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert after.keys() == before.keys()
    for name in ("00000.jsonl", "00001.jsonl", "00003.jsonl"):
        assert after[name] == before[name], name
    assert _written(out) == plain


@pytest.mark.usefixtures("ray_runtime")
def test_transform_steps_on_ray_match_apply_transforms(dumps: Path, tmp_path: Path) -> None:
    """Reader → normalise → filter → scrub → writer on Ray equals apply_transforms on a
    plain read."""
    out = tmp_path / "out"
    steps: list[Transform] = [Normalizer(), Filter(), Scrubber()]
    pipeline: list[Any] = [TearcorpusReader(str(dumps))]
    pipeline += [TearcorpusTransform(step) for step in steps]
    pipeline.append(TearcorpusWriter(str(out), output_filename="${kind}/${rank}.jsonl"))
    _executor(pipeline, tmp_path / "logs", tasks=4).run()
    assert sorted(p.name for p in out.iterdir()) == ["post", "reply"]
    report = tearcorpus.Report()
    expected = apply_transforms(tearcorpus.iter_records(_paths(dumps)), steps, report)
    assert _written(out) == sorted(expected, key=_key)
    assert report.dropped > 0


@pytest.mark.usefixtures("ray_runtime")
def test_merge_stage_and_opt_out_list_on_ray(overlapping: Path, tmp_path: Path) -> None:
    """merge_pipelines on two Ray executors (the merge depends= on the shuffle; 3 tasks,
    then one a bucket), the opt-out list after the merge: the records written are
    tearcorpus.read's with the list applied, each id once, and the merge stats count
    read()'s merges."""
    corpus = tearcorpus.read(_paths(overlapping))
    post = next(p for p in corpus.posts if p.id in {r.post_id for r in corpus.replies})
    reply = corpus.replies[-1]
    listed = tmp_path / "opt-out.txt"
    listed.write_text(f"# withdrawn on request\n{post.id}\n{reply.id}\n")
    excluder = Excluder.load(str(listed))

    out = tmp_path / "out"
    stage1, stage2 = merge_pipelines(
        TearcorpusReader(str(overlapping)),
        str(tmp_path / "buckets"),
        BUCKETS,
        after=[TearcorpusTransform(excluder), TearcorpusWriter(str(out))],
    )
    shuffle = _executor(stage1, tmp_path / "logs1", tasks=3)
    merge = _executor(stage2, tmp_path / "logs2", tasks=BUCKETS, depends=shuffle)
    merge.run()  # runs the shuffle first, then the merge

    assert (tmp_path / "logs1" / "stats.json").is_file()
    report = tearcorpus.Report()
    expected = sorted(apply_transforms(corpus, [Excluder.load(str(listed))], report), key=_key)
    written = _written(out)
    assert written == expected
    assert len({_key(r) for r in written}) == len(written) > 40
    ids = {r.id for r in written}
    assert post.id not in ids
    assert reply.id not in ids
    assert not [r for r in written if isinstance(r, tearcorpus.Reply) and r.post_id == post.id]
    assert report.dropped_by_reason["withdrawn"] == len(corpus) - len(written) > 2
    merged = corpus.report.merged_by_reason
    assert set(merged) == {"placeholder", "duplicate-post", "duplicate-reply"}
    merge_stats = _stats(tmp_path / "logs2", TearcorpusMergeReader.name)
    assert {
        key.removeprefix("merged/"): value["total"]
        for key, value in merge_stats.items()
        if key.startswith("merged/")
    } == dict(merged)
    assert merge_stats["observations"]["total"] == len(corpus) + sum(merged.values())
