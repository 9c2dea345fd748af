"""One record per id on every path: the merge policy, Corpus, and convert (one process,
workers, every output format) agreeing with read()."""

from __future__ import annotations

import ast
import pickle
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings

import tearcorpus
from tearcorpus import ConvertJob, Corpus, Post, Reply, parallel
from tearcorpus._byid import KeyCheck, Repeated, merge_by_id
from tearcorpus.merge import EARLIER_TEXTS, merge
from tearcorpus.report import Report
from tearcorpus.serialize import to_json_line

from .strategies import overlapping_inputs

DATA = Path(__file__).parent / "data"
T1 = datetime(2024, 1, 1, tzinfo=UTC)
T2 = datetime(2024, 1, 2, tzinfo=UTC)


def _reply(**changes: Any) -> Reply:
    fields: dict[str, Any] = {"id": "c1", "post_id": "v1", "platform": "youtube", "text": "hi"}
    fields.update(changes)
    return Reply(**fields)


# -- the policy ------------------------------------------------------------------------------


def test_real_post_replaces_its_placeholder_either_way() -> None:
    """A real post replaces a placeholder that came first, and a later placeholder adds nothing."""
    real = Post(id="v1", platform="youtube", title="Title", like_count=3)
    stand_in = Post(id="v1", platform="youtube", extra={"placeholder": True})
    assert merge(stand_in, real) == real
    assert merge(real, stand_in) == real


def test_newest_text_and_counts_win_and_the_earlier_text_is_kept() -> None:
    """The later observation's text and counts win; the earlier text goes to extra and
    is_edited is set."""
    merged = merge(_reply(text="first", like_count=1), _reply(text="second", like_count=9))
    assert isinstance(merged, Reply)
    assert (merged.text, merged.like_count, merged.is_edited) == ("second", 9, True)
    assert merged.extra[EARLIER_TEXTS] == ["first"]
    third = merge(merged, _reply(text="third"))
    assert third.extra[EARLIER_TEXTS] == ["first", "second"]
    assert third.like_count == 9  # the newest lacked a count: the older one is kept


def test_same_text_is_not_an_edit() -> None:
    """Two observations with one text: no edit, no earlier text."""
    merged = merge(_reply(like_count=1), _reply(like_count=2))
    assert not merged.is_edited
    assert EARLIER_TEXTS not in merged.extra


def test_earliest_time_is_kept_and_exact_beats_estimated() -> None:
    """created_at is the earliest exact time; an estimate counts only without one."""
    assert merge(_reply(created_at=T1), _reply(created_at=T2)).created_at == T1
    assert merge(_reply(created_at=T2), _reply(created_at=T1)).created_at == T1
    estimated = _reply(created_at=T1, created_at_estimated=True)
    exact = _reply(created_at=T2)
    for merged in (merge(estimated, exact), merge(exact, estimated)):
        assert (merged.created_at, merged.created_at_estimated) == (T2, False)
    assert merge(_reply(created_at=T1), _reply()).created_at == T1


def test_scrape_time_orders_observations_over_input_order() -> None:
    """With retrieved_on on both, the later scrape wins even when it came first."""
    later = _reply(text="new", like_count=7, extra={"retrieved_on": 200})
    earlier = _reply(text="old", like_count=1, extra={"retrieved_on": 100})
    merged = merge(later, earlier)
    assert (merged.text, merged.like_count) == ("new", 7)
    assert merged.extra[EARLIER_TEXTS] == ["old"]


def test_extra_keys_of_every_observation_are_kept() -> None:
    """Nothing is lost: extra keys only the older observation had stay."""
    merged = merge(_reply(extra={"a": 1, "b": 1}), _reply(extra={"b": 2}))
    assert merged.extra == {"a": 1, "b": 2}


def test_corpus_merges_and_counts() -> None:
    """Corpus keeps one record per id, in first-seen order, and counts every fold."""
    records: list[Post | Reply] = [
        Post(id="v1", platform="youtube", extra={"placeholder": True}),
        _reply(id="a", text="x"),
        _reply(id="b"),
        Post(id="v1", platform="youtube", title="T"),
        _reply(id="a", text="y"),
        Post(id="v1", platform="youtube", extra={"placeholder": True}),
    ]
    corpus = Corpus(records)
    assert [p.title for p in corpus.posts] == ["T"]
    assert [(r.id, r.text) for r in corpus.replies] == [("a", "y"), ("b", "hi")]
    assert corpus.report.merged_by_reason == {"placeholder": 2, "duplicate-reply": 1}
    assert corpus.integrity().duplicate_ids == ("a",)


# -- the out-of-core pieces --------------------------------------------------------------------


def test_key_check_finds_a_repeat_across_spilled_parts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """KeyCheck spills its hashes and still finds an id repeated far apart; posts and
    replies with one id are not a repeat."""
    import tearcorpus._byid as byid

    monkeypatch.setattr(byid, "KEYS_IN_MEMORY", 100)
    unique = [_reply(id=str(i)) for i in range(1000)] + [Post(id="5", platform="youtube")]
    check = KeyCheck(str(tmp_path))
    assert list(check.watch(unique)) == unique
    assert check.count == 1001
    check = KeyCheck(str(tmp_path))
    with pytest.raises(Repeated):
        list(check.watch([*unique, _reply(id="3")]))
    assert list(tmp_path.iterdir()) == []  # the spill files are gone


@pytest.mark.parametrize("held", [None, 7])
def test_merge_by_id_equals_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held: int | None
) -> None:
    """The out-of-core merge gives Corpus's records, in first-seen order, with its counts,
    in memory or spilled to buckets (a limit of 7 records held)."""
    import tearcorpus._byid as byid

    if held is not None:
        monkeypatch.setattr(byid, "BUCKET_RECORDS", held)
    records: list[Post | Reply] = []
    for round_ in range(3):
        records.append(Post(id="v1", platform="youtube", extra={"placeholder": True}))
        records.extend(_reply(id=f"c{i}", text=f"t{round_}", like_count=round_) for i in range(300))
    records.append(Post(id="v1", platform="youtube", title="real"))
    expected = Corpus(records)
    report = Report()
    merged = list(merge_by_id(records, report, folder=str(tmp_path), expected=10))
    assert merged == list(expected)  # posts first: the post's first sight is the first record
    assert report.merged_by_reason == expected.report.merged_by_reason
    assert list(tmp_path.iterdir()) == []


# -- convert ----------------------------------------------------------------------------------


def _write_inputs(folder: Path, inputs: list[list[Post | Reply]]) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, records in enumerate(inputs):
        path = folder / f"in{number}.jsonl"
        path.write_bytes(b"".join(to_json_line(r) for r in records))
        paths.append(str(path))
    return paths


def _written(fmt: str, out: Path) -> tuple[list[Post | Reply], list[Post | Reply]]:
    """The posts and replies a convert wrote, read back."""
    if fmt in ("jsonl", "csv"):
        files = [p for p in (out / f"posts.{fmt}", out / f"replies.{fmt}") if p.exists()]
        corpus = tearcorpus.read(files)
        assert corpus.report.merged == 0
        return list(corpus.posts), list(corpus.replies)
    import pyarrow.parquet as pq

    from tearcorpus.schema import records_from_table

    tables: dict[str, list[Post | Reply]] = {}
    for table in ("posts", "replies"):
        if fmt == "parquet":
            files = [out / f"{table}.parquet"]
        else:
            files = sorted((out / table).glob("*.parquet")) if (out / table).exists() else []
        tables[table] = [
            record for path in files for record in records_from_table(pq.read_table(path), table)
        ]
    return tables["posts"], tables["replies"]


def _check_convert(paths: list[str], out: Path, fmt: str, workers: int) -> None:
    expected = tearcorpus.read(paths)
    result = tearcorpus.convert(paths, to=fmt, out=out, workers=workers)
    report = result.report
    assert report is not None
    posts, replies = _written(fmt, out)
    if fmt == "hub":  # split by thread: the order within a table is the split's
        key = lambda r: r.id  # noqa: E731
        assert sorted(posts, key=key) == sorted(expected.posts, key=key)
        assert sorted(replies, key=key) == sorted(expected.replies, key=key)
    else:
        assert posts == expected.posts
        assert replies == expected.replies
    for table in (posts, replies):
        assert len({r.id for r in table}) == len(table)
    assert (result.posts, result.replies) == (len(expected.posts), len(expected.replies))
    assert report.read == report.written + report.rejected + report.dropped + (report.merged)
    assert report.written == result.written
    assert report.merged == expected.report.merged


@settings(max_examples=40)
@given(inputs=overlapping_inputs())
def test_convert_writes_what_read_gives(
    tmp_path_factory: pytest.TempPathFactory, inputs: Any
) -> None:
    """Property: convert (one process) writes, in JSONL and CSV, exactly read()'s records;
    ids are unique and the counts add up."""
    folder = tmp_path_factory.mktemp("merge")
    paths = _write_inputs(folder / "in", inputs)
    for fmt in ("jsonl", "csv"):
        _check_convert(paths, folder / fmt, fmt, workers=1)


@settings(max_examples=6)
@given(inputs=overlapping_inputs())
def test_convert_with_workers_and_arrow_outputs(
    tmp_path_factory: pytest.TempPathFactory, inputs: Any
) -> None:
    """Property: with 1 and 2 workers, every output format holds read()'s records once each."""
    pytest.importorskip("pyarrow")
    folder = tmp_path_factory.mktemp("merge")
    paths = _write_inputs(folder / "in", inputs)
    saved = parallel.MIN_WORKER_BYTES
    parallel.MIN_WORKER_BYTES = 0  # small inputs: start the workers anyway
    try:
        for workers in (1, 2):
            for fmt in ("jsonl", "csv", "parquet", "hub"):
                _check_convert(paths, folder / f"{fmt}-{workers}", fmt, workers)
    finally:
        parallel.MIN_WORKER_BYTES = saved


def test_the_three_reported_cases_together(tmp_path: Path) -> None:
    """Two ycd scrapes of one video, overlapping API pages and the videos.list answer,
    converted together: each id once in JSONL and the Hub folder, merges counted in the
    manifest and the card."""
    pytest.importorskip("pyarrow")
    inputs = [
        DATA / "ycd" / "ycd_Xq7Tz0bWc3M.jsonl",
        DATA / "ycd" / "ycd_Xq7Tz0bWc3M.json",
        DATA / "youtube_api" / "threads_page1.json",
        DATA / "youtube_api" / "threads_page1.json",
        DATA / "youtube_api" / "threads_page2.json",
        DATA / "youtube_api" / "videos.json",
    ]
    expected = tearcorpus.read(inputs)
    assert expected.report.merged > 0
    for fmt in ("jsonl", "hub"):
        result = tearcorpus.convert(inputs, to=fmt, out=tmp_path / fmt)
        posts, replies = _written(fmt, tmp_path / fmt)
        assert sorted(posts, key=lambda p: p.id) == sorted(expected.posts, key=lambda p: p.id)
        assert sorted(r.id for r in replies) == sorted(r.id for r in expected.replies)
        assert len(posts) == 2  # the API's video, real; the ycd video, a placeholder
        assert result.report is not None
        assert result.report.merged == expected.report.merged
    manifest = orjson.loads((tmp_path / "jsonl" / "manifest.json").read_bytes())
    assert manifest["read"]["merged"] == expected.report.merged
    card = (tmp_path / "hub" / "README.md").read_text()
    assert f"{expected.report.merged} merged" in card


def test_a_month_passed_twice_is_written_once(tmp_path: Path) -> None:
    """The same Pushshift month given twice: every comment written once, merges counted."""
    month = str(DATA / "pushshift" / "RC_2024-01.ndjson")
    once = tearcorpus.convert([month], to="jsonl", out=tmp_path / "once")
    twice = tearcorpus.convert([month, month], to="jsonl", out=tmp_path / "twice")
    assert (tmp_path / "once" / "replies.jsonl").read_bytes() == (
        tmp_path / "twice" / "replies.jsonl"
    ).read_bytes()
    assert twice.report is not None
    assert once.report is not None
    assert twice.report.merged_by_reason["duplicate-reply"] == once.replies
    assert twice.report.read == twice.written + twice.report.rejected + twice.report.merged


def test_unique_ids_take_the_plain_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inputs whose ids never repeat are written by the plain stream, never the merge."""
    import tearcorpus.pipeline as pipeline

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("merge_by_id used on unique ids")

    monkeypatch.setattr(pipeline, "merge_by_id", refuse)
    result = tearcorpus.convert(
        [DATA / "pushshift" / "RC_2024-01.ndjson", DATA / "pushshift" / "RS_2024-01.ndjson"],
        to="jsonl",
        out=tmp_path / "out",
    )
    assert result.written > 0


def test_convert_from_python_equals_the_command_line(tmp_path: Path) -> None:
    """tearcorpus.convert with a job's settings writes the bytes the CLI writes."""
    from tearcorpus.cli import main

    inputs = [str(DATA / "reddit" / "thread.json"), str(DATA / "text" / "weddings.txt")]
    argv = ["convert", *inputs, "--to", "csv", "--excel-safe", "--filter", "--normalize"]
    assert main([*argv, "-o", str(tmp_path / "cli")]) == 0
    tearcorpus.convert(
        inputs,
        to="csv",
        out=tmp_path / "py",
        excel_safe=True,
        transforms=(tearcorpus.FilterStep(), tearcorpus.NormalizeStep()),
    )
    for name in ("posts.csv", "replies.csv"):
        assert (tmp_path / "cli" / name).read_bytes() == (tmp_path / "py" / name).read_bytes()


def test_job_is_frozen_picklable_and_sorts_its_steps() -> None:
    """A ConvertJob survives pickling (workers get it), refuses changes, and runs its
    transforms in the documented order whatever order they were given in."""
    job = ConvertJob(
        ["a.json"],
        to="hub",
        out="o",
        transforms=(tearcorpus.ScrubStep(), tearcorpus.FilterStep(min_chars=3)),
        split_ratios=[0.5, 0.25, 0.25],
    )
    assert pickle.loads(pickle.dumps(job)) == job
    assert [s.name for s in job.transforms] == ["filter", "scrub"]
    assert job.split_ratios == (0.5, 0.25, 0.25)
    with pytest.raises(AttributeError):
        job.to = "csv"  # type: ignore[misc]
    with pytest.raises(tearcorpus.TearcorpusError, match="unknown export format"):
        ConvertJob(["a.json"], to="xml", out="o")


def test_nothing_but_the_entry_points_imports_the_cli() -> None:
    """Only cli.py and __main__.py import tearcorpus.cli."""
    src = Path(tearcorpus.__file__).parent
    offenders = []
    for path in src.rglob("*.py"):
        if path.name in ("cli.py", "__main__.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("cli"):
                offenders.append(str(path.relative_to(src)))
            if isinstance(node, ast.Import) and any(a.name.endswith(".cli") for a in node.names):
                offenders.append(str(path.relative_to(src)))
    assert offenders == []


def test_writers_merge_a_list_and_refuse_a_stream_with_repeated_ids(tmp_path: Path) -> None:
    """write_jsonl merges repeated ids of a list (counted in the report) and refuses a
    stream that repeats one, leaving nothing behind."""
    records = [_reply(id="a", text="old"), _reply(id="b"), _reply(id="a", text="new")]
    report = Report()
    result = tearcorpus.write_jsonl(records, str(tmp_path / "list"), report=report)
    assert result.replies == 2
    assert report.merged_by_reason == {"duplicate-reply": 1}
    written = tearcorpus.read(tmp_path / "list" / "replies.jsonl").replies
    assert [(r.id, r.text) for r in written] == [("a", "new"), ("b", "hi")]
    with pytest.raises(tearcorpus.ExportError, match="came more than once"):
        tearcorpus.write_jsonl(iter(records), str(tmp_path / "stream"))
    assert not (tmp_path / "stream").exists()
    unique = tearcorpus.write_jsonl(iter(records[:2]), str(tmp_path / "unique"))
    assert unique.replies == 2


def test_the_reader_check_spills_and_still_finds_repeats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the check's memory tiny, its hashes go to disk: a month passed twice is still
    merged, a month passed once is not, and no scratch folder is left."""
    import tearcorpus._byid as byid
    import tearcorpus.pipeline as pipeline
    import tearcorpus.reader as reader

    monkeypatch.setattr(byid, "KEYS_IN_MEMORY", 3)
    monkeypatch.setattr(reader, "KEYS_IN_MEMORY", 3)
    month = str(DATA / "pushshift" / "RC_2024-01.ndjson")
    twice = tearcorpus.convert([month, month], to="jsonl", out=tmp_path / "twice")
    assert twice.report is not None
    assert twice.report.merged == twice.replies

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("merge_by_id used on unique ids")

    monkeypatch.setattr(pipeline, "merge_by_id", refuse)
    once = tearcorpus.convert([month], to="jsonl", out=tmp_path / "once")
    assert once.replies == twice.replies
    assert sorted(p.name for p in tmp_path.iterdir()) == ["once", "twice"]
