"""datatrove pipeline steps: sharded runs give the records a plain read gives, and resume."""

from __future__ import annotations

import shutil
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
    TearcorpusParquetWriter,
    TearcorpusReader,
    TearcorpusTransform,
    TearcorpusWriter,
    from_document,
    to_document,
)
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


@pytest.fixture
def dumps(tmp_path: Path) -> Path:
    """A folder of dumps in several formats (seven files for four tasks)."""
    folder = tmp_path / "dumps"
    folder.mkdir()
    for source in FIXTURES:
        shutil.copy(source, folder / Path(source).name)
    return folder


def _key(record: tearcorpus.Record) -> tuple[str, str, str]:
    return (type(record).__name__, record.platform.value, record.id)


def _plain(folder: Path) -> list[tearcorpus.Record]:
    """The record stream of the same files (sorted, as datatrove lists them).

    A stream, like a pipeline: placeholder posts are resolved by a Corpus, not here.
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
    """to_document / from_document keep every field; foreign metadata goes to extra."""
    for record in tearcorpus.read(tearcorpus.sample_path()):
        document = to_document(record)
        assert document.text == record.text
        assert document.id == record.id
        assert from_document(document) == record
    document.metadata["language"] = "en"
    back = from_document(document)
    assert back.extra[EXTRA_KEY] == {"language": "en"}


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
    assert report.dropped_total > 0
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
