"""datatrove pipeline steps: sharded runs give the records a plain read gives, the merge
stage gives one record per id as tearcorpus.read does, and runs resume."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

pytest.importorskip("datatrove")

from datatrove.data import Document
from datatrove.executor import LocalPipelineExecutor

import tearcorpus
from tearcorpus.integrations.datatrove import (
    EXTRA_KEY,
    ORDER_KEY,
    TearcorpusBucketWriter,
    TearcorpusMergeReader,
    TearcorpusParquetWriter,
    TearcorpusReader,
    TearcorpusTransform,
    TearcorpusWriter,
    bucket_of,
    from_document,
    merge_pipelines,
    to_document,
)
from tearcorpus.model import Platform, new_post, new_reply
from tearcorpus.transforms import Filter, Normalizer, Scrubber, Transform, apply_transforms

DATA = Path(__file__).parent / "data"
FIXTURES = [
    DATA / "pushshift" / "RC_2024-01.ndjson",
    DATA / "pushshift" / "RS_2024-01.ndjson",
    DATA / "reddit" / "thread.json",
    DATA / "ytdlp" / "ytdlp_Xq7Tz0bWc3M.info.json",
    DATA / "ycd" / "ycd_Xq7Tz0bWc3M.jsonl",
    DATA / "text" / "weddings.txt",
    tearcorpus.sample_path(),
]


def make_dumps(tmp_path: Path) -> Path:
    """A folder of dumps in several formats (seven files for four tasks)."""
    folder = tmp_path / "dumps"
    folder.mkdir()
    for source in FIXTURES:
        shutil.copy(source, folder / Path(source).name)
    return folder


@pytest.fixture
def dumps(tmp_path: Path) -> Path:
    """The inputs of the sharded runs (the Ray and Slurm tests use the same)."""
    return make_dumps(tmp_path)


def _key(record: tearcorpus.Record) -> tuple[str, str, str]:
    return (type(record).__name__, record.platform.value, record.id)


def _plain(folder: Path) -> list[tearcorpus.Record]:
    """The record stream of the same files (sorted, as datatrove lists them).

    A stream, like a pipeline without the merge stage: placeholder posts and repeated ids
    are resolved by a Corpus (or the merge stage), not here.
    """
    paths = sorted(str(p) for p in folder.iterdir())
    return sorted(tearcorpus.iter_records(paths), key=_key)


def _written(folder: Path, pattern: str = "*.jsonl") -> list[tearcorpus.Record]:
    records = [
        tearcorpus.from_dict(orjson.loads(line))
        for path in sorted(folder.rglob(pattern))
        for line in path.read_bytes().splitlines()
    ]
    return sorted(records, key=_key)


def _run(pipeline: list[Any], logs: Path, tasks: int = 4) -> None:
    LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=2, logging_dir=str(logs)).run()


def test_documents_round_trip_records() -> None:
    """to_document / from_document keep every field; foreign metadata goes to extra, and
    ORDER_KEY is left out of the record."""
    for record in tearcorpus.read(tearcorpus.sample_path()):
        document = to_document(record)
        assert document.text == record.text
        assert document.id == record.id
        assert from_document(document) == record
    document.metadata["language"] = "en"
    back = from_document(document)
    assert back.extra[EXTRA_KEY] == {"language": "en"}
    document.metadata[ORDER_KEY] = [3, 7]
    assert from_document(document) == back  # the order is not part of the record


def test_four_tasks_give_the_records_of_a_plain_read(dumps: Path, tmp_path: Path) -> None:
    """LocalPipelineExecutor(tasks=4, workers=2) writes the records tearcorpus.read gives."""
    out = tmp_path / "out"
    _run([TearcorpusReader(str(dumps)), TearcorpusWriter(str(out))], tmp_path / "logs")
    assert sorted(p.name for p in out.iterdir()) == [f"{r:05d}.jsonl" for r in range(4)]
    written = _written(out)
    plain = _plain(dumps)
    assert len(written) == len(plain) > 40
    assert written == plain
    assert [r.provenance for r in written] == [r.provenance for r in plain]
    # As a corpus (placeholder posts give way to real ones), it is tearcorpus.read's.
    paths = sorted(str(p) for p in dumps.iterdir())
    assert sorted(tearcorpus.Corpus(written), key=_key) == sorted(tearcorpus.read(paths), key=_key)


def test_files_are_shared_out_by_rank(dumps: Path, tmp_path: Path) -> None:
    """Task r of 4 reads the sorted files r, r+4, ...: each file's records in one output."""
    out = tmp_path / "out"
    _run([TearcorpusReader(str(dumps)), TearcorpusWriter(str(out))], tmp_path / "logs")
    names = sorted(p.name for p in dumps.iterdir())
    for rank in range(4):
        records = _written(out, f"{rank:05d}.jsonl")
        sources = {Path(r.provenance.source).name for r in records if r.provenance}
        assert sources == set(names[rank::4])


def test_transform_steps_match_apply_transforms(dumps: Path, tmp_path: Path) -> None:
    """Reader → normalise → filter → scrub → writer equals apply_transforms on a read."""
    out = tmp_path / "out"
    steps: list[Transform] = [Normalizer(), Filter(), Scrubber()]
    pipeline: list[Any] = [TearcorpusReader(str(dumps))]
    pipeline += [TearcorpusTransform(step) for step in steps]
    pipeline.append(TearcorpusWriter(str(out), output_filename="${kind}/${rank}.jsonl"))
    _run(pipeline, tmp_path / "logs")
    assert sorted(p.name for p in out.iterdir()) == ["post", "reply"]
    paths = sorted(str(p) for p in dumps.iterdir())
    report = tearcorpus.Report()
    expected = sorted(apply_transforms(tearcorpus.iter_records(paths), steps, report), key=_key)
    assert report.dropped > 0
    assert _written(out) == expected


def test_a_rerun_skips_completed_tasks(dumps: Path, tmp_path: Path) -> None:
    """With logging_dir, a second run redoes only the tasks without a completion marker."""
    out, logs = tmp_path / "out", tmp_path / "logs"
    _run([TearcorpusReader(str(dumps)), TearcorpusWriter(str(out))], logs)
    assert sorted(p.name for p in (logs / "completions").iterdir()) == [
        f"{r:05d}" for r in range(4)
    ]
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    # Task 2 "died": its marker and output are gone.
    (logs / "completions" / "00002").unlink()
    (out / "00002.jsonl").unlink()
    _run([TearcorpusReader(str(dumps)), TearcorpusWriter(str(out))], logs)
    after = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert after.keys() == before.keys()
    for name in ("00000.jsonl", "00001.jsonl", "00003.jsonl"):
        assert after[name] == before[name], name
    assert (logs / "completions" / "00002").exists()
    assert _written(out) == _plain(dumps)


def test_parquet_writer_uses_the_tearcorpus_schema(dumps: Path, tmp_path: Path) -> None:
    """TearcorpusParquetWriter writes posts/ and replies/ files that read back as the records."""
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from tearcorpus.schema import arrow_schema, records_from_table

    out = tmp_path / "out"
    _run([TearcorpusReader(str(dumps)), TearcorpusParquetWriter(str(out))], tmp_path / "logs")
    records: list[tearcorpus.Record] = []
    for table in ("posts", "replies"):
        for path in sorted((out / table).glob("*.parquet")):
            data = pq.read_table(path)
            assert data.schema.equals(arrow_schema(table), check_metadata=False)
            records.extend(records_from_table(data, table))
    assert sorted(records, key=_key) == _plain(dumps)


def test_strict_reader_raises_with_file_and_line(tmp_path: Path) -> None:
    """strict=True stops at a bad line, naming the file and line, as tearcorpus.read does."""
    folder = tmp_path / "dumps"
    folder.mkdir()
    shutil.copy(DATA / "pushshift" / "RC_2024-01.ndjson", folder / "RC.ndjson")
    reader = TearcorpusReader(str(folder), strict=True)
    with pytest.raises(tearcorpus.ParseError, match=r"RC\.ndjson:7: "):
        list(reader.run())
    lenient = list(TearcorpusReader(str(folder)).run())
    assert all(isinstance(d, Document) for d in lenient)
    assert reader.stats is not None


# One record per id: the merge stage.

#: Stage-2 tasks (buckets) of the merge tests.
BUCKETS = 4
#: The text of a reply in a later scrape of threads_page1.json.
EDITED = "page one, first (edited)"


@pytest.fixture
def overlapping(tmp_path: Path) -> Path:
    """The inputs of the merge tests (the Ray tests use the same)."""
    return make_overlapping(tmp_path)


def make_overlapping(tmp_path: Path) -> Path:
    """The fixture dumps plus overlapping inputs, named so that they sort in this order.

    A month twice, a ycd file before the yt-dlp file of its video (a placeholder, then
    the real post), overlapping API pages and the video twice, and a last scrape of an
    API page with an edited reply. With 3 tasks the scrape before it (file 5) is read by
    task 2 and the edited one (file 6) by task 0: rank order is not input order.
    """
    folder = tmp_path / "overlapping"
    folder.mkdir()
    page = orjson.loads((DATA / "youtube_api" / "threads_page1.json").read_bytes())
    snippet = page["items"][0]["snippet"]["topLevelComment"]["snippet"]
    snippet.update(textDisplay=EDITED, textOriginal=EDITED, likeCount=7)
    sources: list[Path | bytes] = [
        DATA / "pushshift" / "RC_2024-01.ndjson",
        DATA / "pushshift" / "RS_2024-01.ndjson",
        DATA / "youtube_api" / "pages.jsonl",
        DATA / "youtube_api" / "pages_array.json",
        DATA / "youtube_api" / "videos.json",
        DATA / "youtube_api" / "threads_page1.json",
        json.dumps(page).encode(),
        DATA / "ycd" / "ycd_Xq7Tz0bWc3M.jsonl",
        DATA / "ytdlp" / "ytdlp_Xq7Tz0bWc3M.info.json",
        DATA / "reddit" / "thread.json",
        DATA / "text" / "weddings.txt",
        tearcorpus.sample_path(),
        DATA / "pushshift" / "RC_2024-01.ndjson",
    ]
    for index, source in enumerate(sources):
        if isinstance(source, bytes):
            (folder / f"{index:02d}-rescrape.json").write_bytes(source)
        else:
            shutil.copy(source, folder / f"{index:02d}-{Path(source).name}")
    return folder


def _paths(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.iterdir())


def _merged_counts(stats: Any, step: int = 0) -> dict[str, int]:
    """The ``merged/<reason>`` counts in the stats of a pipeline's step *step*."""
    counts = stats.stats[step].stats
    return {
        key.removeprefix("merged/"): int(value.total)
        for key, value in counts.items()
        if key.startswith("merged/")
    }


def _two_stages(
    source: Path,
    tmp_path: Path,
    after: list[Any],
    tasks: int = 3,
    buckets: int = BUCKETS,
    compression: str | None = None,
) -> Any:
    """Run stage 1 with *tasks* tasks and stage 2 (then *after*) with one task a bucket;
    the stats of stage 2."""
    stage1, stage2 = merge_pipelines(
        TearcorpusReader(str(source)),
        str(tmp_path / "buckets"),
        buckets,
        after,
        compression=compression,
    )
    LocalPipelineExecutor(
        pipeline=stage1, tasks=tasks, workers=2, logging_dir=str(tmp_path / "logs1")
    ).run()
    return LocalPipelineExecutor(
        pipeline=stage2, tasks=buckets, workers=2, logging_dir=str(tmp_path / "logs2")
    ).run()


def test_merge_stage_writes_the_records_of_read(overlapping: Path, tmp_path: Path) -> None:
    """Bucket writer (3 tasks) then merge reader (4 tasks) write read()'s records, each id
    once, and count read()'s merges by reason."""
    buckets, out = tmp_path / "buckets", tmp_path / "out"
    LocalPipelineExecutor(
        pipeline=[TearcorpusReader(str(overlapping)), TearcorpusBucketWriter(str(buckets), 4)],
        tasks=3,
        workers=2,
        logging_dir=str(tmp_path / "logs1"),
    ).run()
    stats = LocalPipelineExecutor(
        pipeline=[TearcorpusMergeReader(str(buckets), 4), TearcorpusWriter(str(out))],
        tasks=4,
        workers=2,
        logging_dir=str(tmp_path / "logs2"),
    ).run()
    corpus = tearcorpus.read(_paths(overlapping))
    written = _written(out)
    assert written == sorted(corpus, key=_key)
    assert len({_key(r) for r in written}) == len(written) == len(corpus) > 40
    merged = corpus.report.merged_by_reason
    assert set(merged) == {"placeholder", "duplicate-post", "duplicate-reply"}
    assert _merged_counts(stats) == dict(merged)
    # The counts add up: every observation is written once or merged.
    observations = int(stats.stats[0]["observations"].total)
    assert observations == len(_plain(overlapping)) == len(written) + sum(merged.values())
    # A placeholder gave way to its real post; the later scrape's text won, as in read().
    assert not [r for r in written if r.extra.get("placeholder")]
    assert any(type(r) is tearcorpus.Post and r.id == "Xq7Tz0bWc3M" for r in written)
    (edited,) = [r for r in written if r.id == "UgyPageOne000000001"]
    assert (edited.text, edited.like_count, edited.is_edited) == (EDITED, 7, True)
    assert edited.extra["earlier_texts"] == ["page one, first"]


def test_merged_documents_come_in_first_seen_order(overlapping: Path, tmp_path: Path) -> None:
    """Each merge task yields its ids in first-seen order: sorted by ORDER_KEY, the
    documents of all buckets are read()'s posts and replies, in read()'s order."""
    folder = tmp_path / "buckets"
    LocalPipelineExecutor(
        pipeline=[TearcorpusReader(str(overlapping)), TearcorpusBucketWriter(str(folder), 3)],
        tasks=2,
        workers=1,
        logging_dir=str(tmp_path / "logs1"),
    ).run()
    documents: list[Document] = []
    for rank in range(3):
        part = list(TearcorpusMergeReader(str(folder), 3).run(rank=rank, world_size=3))
        orders = [d.metadata[ORDER_KEY] for d in part]
        assert part
        assert orders == sorted(orders)
        documents += part
    documents.sort(key=lambda d: tuple(d.metadata[ORDER_KEY]))
    records = [from_document(d) for d in documents]
    corpus = tearcorpus.read(_paths(overlapping))
    assert [r for r in records if type(r) is tearcorpus.Post] == corpus.posts
    assert [r for r in records if type(r) is tearcorpus.Reply] == corpus.replies


def test_merge_pipelines_with_transforms_and_parquet(overlapping: Path, tmp_path: Path) -> None:
    """merge_pipelines(reader, folder, K, after=[normalise, Parquet writer],
    compression="gzip") writes apply_transforms over read()'s records, one row per id."""
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from tearcorpus.schema import records_from_table

    out = tmp_path / "out"
    after = [TearcorpusTransform(Normalizer()), TearcorpusParquetWriter(str(out))]
    stats = _two_stages(overlapping, tmp_path, after, compression="gzip")
    bucket_files = [p.name for p in (tmp_path / "buckets").rglob("*") if p.is_file()]
    assert bucket_files
    assert all(name.endswith(".jsonl.gz") for name in bucket_files)
    records: list[tearcorpus.Record] = []
    for table in ("posts", "replies"):
        for path in sorted((out / table).glob("*.parquet")):
            records.extend(records_from_table(pq.read_table(path), table))
    corpus = tearcorpus.read(_paths(overlapping))
    expected = list(apply_transforms(corpus, [Normalizer()], tearcorpus.Report()))
    assert sorted(records, key=_key) == sorted(expected, key=_key)
    assert len({_key(r) for r in records}) == len(records)
    assert _merged_counts(stats) == dict(corpus.report.merged_by_reason)


def test_bucket_files_hold_the_records_of_their_bucket(overlapping: Path, tmp_path: Path) -> None:
    """Stage 1 writes {bucket}/{rank}.jsonl; every line's record is in the bucket of
    bucket_of(record, K), and bucket_of is the same in a process with another hash seed."""
    folder = tmp_path / "buckets"
    LocalPipelineExecutor(
        pipeline=[TearcorpusReader(str(overlapping)), TearcorpusBucketWriter(str(folder), 4)],
        tasks=3,
        workers=1,
        logging_dir=str(tmp_path / "logs"),
    ).run()
    ids: list[tuple[str, str]] = []
    lines = 0
    for path in sorted(folder.rglob("*.jsonl")):
        bucket, rank = int(path.parent.name), int(path.stem)
        assert 0 <= bucket < 4
        assert 0 <= rank < 3
        for line in path.read_bytes().splitlines():
            data = orjson.loads(line)
            record = tearcorpus.from_dict(data["record"])
            assert bucket_of(record, 4) == bucket
            assert data["order"][0] % 3 == rank  # file i is read by task i % 3
            ids.append(("P" if type(record) is tearcorpus.Post else "R", record.id))
            lines += 1
    assert lines == len(_plain(overlapping))
    assert len({path.parent.name for path in folder.rglob("*.jsonl")}) == 4
    code = (
        "import sys\n"
        "from tearcorpus.integrations.datatrove import bucket_of\n"
        "from tearcorpus.model import Platform, new_post, new_reply\n"
        "for kind, id in (line.split(' ', 1) for line in sys.stdin.read().splitlines()):\n"
        "    r = new_post(id, Platform.UNKNOWN) if kind == 'P' else new_reply(id, 'p')\n"
        "    print(bucket_of(r, 4))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": os.pathsep.join(sys.path)}
    other = subprocess.run(
        [sys.executable, "-c", code],
        input="\n".join(f"{k} {i}" for k, i in ids),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.split()
    here = [
        bucket_of(
            new_post(id=i, platform=Platform.UNKNOWN) if k == "P" else new_reply(id=i, post_id="p"),
            4,
        )
        for k, i in ids
    ]
    assert [int(b) for b in other] == here


def test_merge_reader_needs_one_task_a_bucket(tmp_path: Path) -> None:
    """TearcorpusMergeReader refuses a task count other than its bucket count (buckets
    would be missed), and the steps refuse a bucket count below one."""
    reader = TearcorpusMergeReader(str(tmp_path), 4)
    with pytest.raises(ValueError, match="one task per bucket: tasks=4, not 3"):
        list(reader.run(rank=0, world_size=3))
    assert list(reader.run(rank=1, world_size=4)) == []  # an empty bucket: nothing
    with pytest.raises(ValueError, match="positive integer"):
        TearcorpusBucketWriter(str(tmp_path), 0)
    with pytest.raises(ValueError, match="shuffle_files"):
        merge_pipelines(TearcorpusReader(str(tmp_path), shuffle_files=True), str(tmp_path), 2)


def test_bucket_writer_needs_reader_documents(tmp_path: Path) -> None:
    """A document without ORDER_KEY (not from TearcorpusReader) is refused by name."""
    record = next(iter(tearcorpus.read(tearcorpus.sample_path())))
    writer = TearcorpusBucketWriter(str(tmp_path), 2)
    with pytest.raises(ValueError, match="has no 'tearcorpus_order' metadata"):
        list(writer.run(iter([to_document(record)])))


def test_reader_tags_documents_with_file_index(overlapping: Path) -> None:
    """Task r of 3 tags its documents [file index, place in file], file index r, r+3, ..."""
    names = sorted(p.name for p in overlapping.iterdir())
    documents = list(TearcorpusReader(str(overlapping)).run(rank=1, world_size=3))
    seen: dict[int, list[int]] = {}
    for document in documents:
        file_index, position = document.metadata[ORDER_KEY]
        record = from_document(document)
        assert record.provenance is not None
        assert Path(record.provenance.source).name == names[file_index]
        seen.setdefault(file_index, []).append(position)
    assert sorted(seen) == list(range(1, len(names), 3))
    assert all(places == list(range(len(places))) for places in seen.values())


def test_a_rerun_of_the_merge_stages_redoes_missing_tasks(
    overlapping: Path, tmp_path: Path
) -> None:
    """With a logging_dir per stage, a rerun redoes only the stage-1 task and the bucket
    whose completion markers are gone, and the output is again read()'s records."""
    out, buckets = tmp_path / "out", tmp_path / "buckets"
    _two_stages(overlapping, tmp_path, [TearcorpusWriter(str(out))])
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert sorted(before) == [f"{r:05d}.jsonl" for r in range(BUCKETS)]
    shuffled = {str(p): p.stat().st_mtime_ns for p in buckets.rglob("*.jsonl")}
    # Stage-1 task 1 and merge task 1 "died": their markers and outputs are gone.
    (tmp_path / "logs1" / "completions" / "00001").unlink()
    for path in buckets.rglob("00001.jsonl"):
        path.unlink()
    (tmp_path / "logs2" / "completions" / "00001").unlink()
    (out / "00001.jsonl").unlink()
    _two_stages(overlapping, tmp_path, [TearcorpusWriter(str(out))])
    again = {str(p): p.stat().st_mtime_ns for p in buckets.rglob("*.jsonl")}
    assert again.keys() == shuffled.keys()
    for name, mtime in shuffled.items():
        assert (again[name] == mtime) == (Path(name).name != "00001.jsonl"), name
    after = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert after.keys() == before.keys()
    for name in ("00000.jsonl", "00002.jsonl", "00003.jsonl"):
        assert after[name] == before[name], name
    assert after["00001.jsonl"] != before["00001.jsonl"]
    assert _written(out) == sorted(tearcorpus.read(_paths(overlapping)), key=_key)


def test_opt_out_list_withdraws_in_the_pipeline(dumps: Path, tmp_path: Path) -> None:
    """An Excluder step leaves out the listed comment and every reply under a listed post,
    as --exclude does."""
    from tearcorpus.transforms import Excluder

    plain = tearcorpus.read(sorted(str(p) for p in dumps.iterdir()))
    post, reply = plain.posts[0], plain.replies[-1]
    listed = tmp_path / "opt-out.txt"
    listed.write_text(f"{post.id}\n{reply.id}\n")
    out = tmp_path / "out"
    pipeline: list[Any] = [
        TearcorpusReader(str(dumps)),
        TearcorpusTransform(Excluder.load(str(listed))),
        TearcorpusWriter(str(out)),
    ]
    _run(pipeline, tmp_path / "logs")
    written = _written(out)
    ids = {r.id for r in written}
    assert reply.id not in ids
    assert post.id not in ids
    assert not [r for r in written if isinstance(r, tearcorpus.Reply) and r.post_id == post.id]
    assert any(isinstance(r, tearcorpus.Reply) for r in written)
