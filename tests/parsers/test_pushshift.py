"""The Pushshift / Arctic Shift monthly dump parser."""

from __future__ import annotations

import bz2
import contextlib
import gzip
import json
import lzma
import subprocess
import sys
import tempfile
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tearcorpus
from tearcorpus import Author, ParseError, Platform, Post, Reply, TearcorpusError
from tearcorpus.parsers import detect_format, pushshift

from ..conftest import SHARED_SAMPLES as SAMPLES
from ..conftest import with_samples

ROOT = Path(__file__).parents[2]
DATA = ROOT / "tests" / "data" / "pushshift"


def _zstd(data: bytes) -> bytes:
    zstandard = pytest.importorskip("zstandard")
    compressed: bytes = zstandard.ZstdCompressor(level=3).compress(data)
    return compressed


COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "zst": _zstd,
    "gz": gzip.compress,
    "bz2": bz2.compress,
    "xz": lzma.compress,
}


def test_submissions(data_dir: Path) -> None:
    """RS lines become Posts: string/float/int created_utc, entities, \\/ escapes, flags."""
    corpus = tearcorpus.read(data_dir / "pushshift" / "RS_2024-01.ndjson")
    first, deleted, removed = corpus.posts
    assert corpus.replies == []
    assert first.id == "19aaaa1"
    assert first.platform is Platform.REDDIT
    assert first.title == 'Green vs black: a "friendly" debate & poll'
    assert first.text == "Green & black <3\n\n> which do you prefer?"
    assert first.author == Author(id="t2_brew1", name="brew_master", is_uploader=True)
    assert first.created_at == datetime(2024, 1, 1, tzinfo=UTC)
    assert first.url == "https://www.reddit.com/r/TeaTime/comments/19aaaa1/green_vs_black/"
    assert first.extra["url"] == "https://www.reddit.com/r/TeaTime/comments/19aaaa1/green_vs_black/"
    assert (first.like_count, first.comment_count) == (12, 3)
    assert first.extra["retrieved_on"] == 1704067300
    assert "name" not in first.extra
    assert "created_utc" not in first.extra
    assert first.provenance is not None
    assert first.provenance.line == 1
    assert first.provenance.format == "pushshift"
    assert deleted.created_at == datetime(2024, 1, 1, 0, 1, 0, 500000, tzinfo=UTC)
    assert (deleted.is_deleted, deleted.is_removed, deleted.author) == (True, False, None)
    assert deleted.text == "[deleted]"
    assert deleted.extra["author"] == "[deleted]"
    assert deleted.title == "A post its author deleted"
    assert removed.created_at == datetime(2024, 1, 1, 0, 2, tzinfo=UTC)
    assert (removed.is_deleted, removed.is_removed, removed.text) == (False, True, "[removed]")
    assert removed.author == Author(id="rule_breaker", name="rule_breaker", is_uploader=True)
    assert removed.is_edited
    assert removed.extra["edited_at"] == "2024-01-01T00:46:40Z"
    assert removed.url == "https://www.reddit.com/r/TeaTime/comments/19aaaa3/spam/"


def test_comments(data_dir: Path) -> None:
    """RC lines become Replies with parents, flags and times; a truncated last line is rejected."""
    corpus = tearcorpus.read(data_dir / "pushshift" / "RC_2024-01.ndjson")
    replies = {r.id: r for r in corpus.replies}
    assert list(replies) == ["kaaa001", "kaaa002", "kaaa003", "kaaa004", "kaaa005", "kaaa006"]
    first = replies["kaaa001"]
    assert first.text == "> which do you prefer?\n\nGreen, see https://example.org/tea <3"
    assert (first.post_id, first.parent_id, first.depth) == ("19aaaa1", None, None)
    assert first.created_at == datetime(2024, 1, 1, 1, 0, tzinfo=UTC)
    assert first.like_count == 5
    assert first.extra["permalink"] == "/r/TeaTime/comments/19aaaa1/green_vs_black/kaaa001/"
    op = replies["kaaa002"]
    assert op.parent_id == "kaaa001"
    assert op.created_at == datetime(2024, 1, 1, 1, 10, tzinfo=UTC)
    assert op.author == Author(id="t2_brew1", name="brew_master", is_uploader=True)
    assert op.is_edited
    assert op.extra["edited_at"] == "2024-01-01T01:20:00Z"
    assert op.text == "Same here & thanks!"
    gone = replies["kaaa003"]
    assert gone.created_at == datetime(2024, 1, 1, 1, 11, 0, 250000, tzinfo=UTC)
    assert (gone.is_deleted, gone.is_removed, gone.author) == (True, False, None)
    cut = replies["kaaa004"]
    assert (cut.is_deleted, cut.is_removed, cut.text) == (False, True, "[removed]")
    assert replies["kaaa006"].is_pinned
    assert replies["kaaa006"].extra["distinguished"] == "moderator"
    report = corpus.report
    assert report.rejected == 1
    assert [str(e) for e in report.errors] == [
        f"{data_dir / 'pushshift' / 'RC_2024-01.ndjson'}:7: invalid JSON: unexpected end of data"
        " (the line looks truncated)"
    ]
    assert report.read == 7


def test_orphan_comment_keeps_its_post_id(data_dir: Path) -> None:
    """A comment whose submission is absent is kept; its thread has no post."""
    corpus = tearcorpus.read(
        [data_dir / "pushshift" / "RS_2024-01.ndjson", data_dir / "pushshift" / "RC_2024-01.ndjson"]
    )
    threads = {t.post_id: t for t in corpus.threads()}
    assert threads["19aaaa1"].post is not None
    assert len(threads["19aaaa1"]) == 5
    far = threads["18zzzz9"]
    assert far.post is None
    assert [r.id for r in far.replies] == ["kaaa005"]
    assert far.replies[0].parent_id == "kzzz001"
    assert far.replies[0].extra["_meta"] == {"retrieved_2nd_on": 1704200000}
    assert corpus.integrity().missing_posts == ("18zzzz9",)
    thread = threads["19aaaa1"]
    assert [(r.id, d) for r, d in thread.walk()] == [
        ("kaaa001", 0),
        ("kaaa002", 1),
        ("kaaa003", 2),
        ("kaaa004", 0),
        ("kaaa006", 0),
    ]


def test_mixed_file(data_dir: Path) -> None:
    """One file may interleave submissions and comments; blank lines are skipped."""
    corpus = tearcorpus.read(data_dir / "pushshift" / "mixed.ndjson")
    assert [p.id for p in corpus.posts] == ["1aeaaa1", "1aeaaa2"]
    assert [(r.id, r.parent_id) for r in corpus.replies] == [
        ("kbbb001", None),
        ("kbbb002", "kbbb001"),
    ]
    assert corpus.posts[0].text == ""
    assert corpus.posts[0].extra["url"] == "https://example.org/kettle"
    assert corpus.posts[1].url == "https://www.reddit.com/comments/1aeaaa2/"
    assert [r.provenance.line for r in corpus if r.provenance] == [1, 5, 2, 4]
    assert corpus.report.rejected == 0


def test_broken_lines_are_rejected_and_counted(data_dir: Path) -> None:
    """Non-JSON, non-object, id-less and unclassifiable lines are rejected with their line."""
    path = data_dir / "pushshift" / "bad.ndjson"
    corpus = tearcorpus.read(path)
    assert [r.id for r in corpus.replies] == ["kccc001", "kccc002", "kccc003"]
    report = corpus.report
    assert dict(report.rejected_by_reason) == {
        "invalid-json": 1,
        "not-a-record": 1,
        "missing-id": 1,
        "unknown-thing": 1,
    }
    assert [e.line for e in report.errors] == [2, 3, 4, 5]
    assert report.read == 7
    junk_time = corpus.replies[1]
    assert junk_time.created_at is None
    assert junk_time.like_count is None
    assert junk_time.extra["created_utc"] == "yesterday"
    assert junk_time.extra["score"] == "many"
    with pytest.raises(ParseError, match=r"bad\.ndjson:2: invalid JSON"):
        tearcorpus.read(path, strict=True)


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_compressed_inputs_give_the_same_records(
    tmp_path: Path, data_dir: Path, suffix: str
) -> None:
    """.zst, .gz, .bz2 and .xz files give exactly the records of the plain file."""
    for name in ("RS_2024-01.ndjson", "RC_2024-01.ndjson", "mixed.ndjson"):
        plain = data_dir / "pushshift" / name
        packed = tmp_path / f"{name}.{suffix}"
        packed.write_bytes(COMPRESSORS[suffix](plain.read_bytes()))
        expected = tearcorpus.read(plain)
        got = tearcorpus.read(packed)
        assert list(got) == list(expected)
        assert got.report.formats == ["pushshift"]
        assert got.report.rejected == expected.report.rejected


def test_detection_picks_pushshift(data_dir: Path) -> None:
    """Without format=, dump lines are detected as pushshift, and reddit files are not."""
    for name in ("RS_2024-01.ndjson", "RC_2024-01.ndjson", "mixed.ndjson", "bad.ndjson"):
        head = (data_dir / "pushshift" / name).read_bytes()
        assert detect_format(head, name) == "pushshift"
    for name in ("thread.json", "thread_2013.json", "morechildren.json"):
        head = (data_dir / "reddit" / name).read_bytes()
        assert pushshift.sniff(head, name) == 0
    one_long_line = b'{"subreddit": "a", "created_utc": 1, "body": "' + b"x" * 70000
    assert pushshift.sniff(one_long_line[:65536], "RC") == 85
    assert pushshift.sniff(b'{"id": "a", "text": "b"}\n', "x") == 0
    wrapped = b'{"kind": "t1", "data": {"subreddit": "a", "created_utc": 1, "body": "b", "link_id": "t3_c"}}\n'
    assert pushshift.sniff(wrapped, "x") == 92


def test_wrapped_things_are_unwrapped(tmp_path: Path) -> None:
    """Lines holding {"kind": "t1", "data": {...}} read like bare dump lines."""
    path = tmp_path / "wrapped.ndjson"
    line = {"kind": "t1", "data": {"id": "w1", "body": "hi", "link_id": "t3_p", "subreddit": "s"}}
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    (reply,) = tearcorpus.read(path, format="pushshift").replies
    assert (reply.id, reply.post_id, reply.text) == ("w1", "p", "hi")


@pytest.mark.parametrize(
    ("path", "posts", "replies", "rejected"),
    with_samples(
        [(DATA / "RC_2024-01.ndjson", 0, 6, 1), (DATA / "RS_2024-01.ndjson", 3, 0, 0)],
        [
            (SAMPLES / "pushshift" / "reddit_dump_RC_sample.ndjson", 0, 7, 0),
            (SAMPLES / "pushshift" / "reddit_dump_RC_sample.zst", 0, 7, 0),
            (SAMPLES / "pushshift" / "reddit_dump_RS_sample.ndjson", 5, 0, 0),
            (SAMPLES / "pushshift" / "reddit_dump_RS_sample.zst", 5, 0, 0),
        ],
    ),
)
def test_samples_counts_through_read_and_cli(
    path: Path, posts: int, replies: int, rejected: int
) -> None:
    """Dumps of the real shape (ours; the shared samples too, when beside the clone) give
    their counts, through read() and the CLI."""
    if path.suffix == ".zst":
        pytest.importorskip("zstandard")
    corpus = tearcorpus.read(path)
    assert (len(corpus.posts), len(corpus.replies), corpus.report.rejected) == (
        posts,
        replies,
        rejected,
    )
    cli = ROOT / ".venv" / "bin" / "tearcorpus"
    command = [str(cli)] if cli.exists() else [sys.executable, "-m", "tearcorpus"]
    done = subprocess.run(
        [*command, "inspect", "--json", str(path)], capture_output=True, text=True, check=True
    )
    data = json.loads(done.stdout)
    assert (data["posts"], data["replies"], data["rejected"]) == (posts, replies, rejected)
    assert data["formats"] == ["pushshift"]


def test_sample_zst_and_plain_give_the_same_records(tmp_path: Path) -> None:
    """A .zst dump holds the same records as its plain twin (ours compressed here with a
    long window; the shared samples' too, when beside the clone)."""
    zstandard = pytest.importorskip("zstandard")
    pairs = []
    for name in ("RC_2024-01.ndjson", "RS_2024-01.ndjson"):
        target = tmp_path / (name + ".zst")
        params = zstandard.ZstdCompressionParameters.from_level(3, window_log=31)
        target.write_bytes(
            zstandard.ZstdCompressor(compression_params=params).compress((DATA / name).read_bytes())
        )
        pairs.append((DATA / name, target))
    for stem in with_samples([], ["reddit_dump_RC_sample", "reddit_dump_RS_sample"]):
        pairs.append(
            (SAMPLES / "pushshift" / f"{stem}.ndjson", SAMPLES / "pushshift" / f"{stem}.zst")
        )
    for plain_path, packed_path in pairs:
        plain = list(tearcorpus.read(plain_path))
        packed = list(tearcorpus.read(packed_path))
        assert packed == plain


def _mutations(data: bytes) -> st.SearchStrategy[bytes]:
    lines = data.splitlines(keepends=True)

    def cut(picks: list[tuple[int, int, int]]) -> bytes:
        out = list(lines)
        for which, at, byte in picks:
            i = which % len(out)
            line = out[i]
            pos = at % (len(line) + 1)
            if byte < 256:
                out[i] = line[:pos] + bytes([byte]) + line[pos + 1 :]
            else:
                out[i] = line[:pos]
        return b"".join(out)

    return st.lists(
        st.tuples(st.integers(0, 50), st.integers(0, 4000), st.integers(0, 300)), max_size=8
    ).map(cut)


_VALID = (Path(__file__).parent.parent / "data" / "pushshift" / "mixed.ndjson").read_bytes()


@given(_mutations(_VALID))
def test_mutated_dump_never_raises_in_lenient_mode(data: bytes) -> None:
    """Damaged lines of a valid dump are rejected and counted, never raised."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "RC.ndjson"
        path.write_bytes(data)
        if not data.strip():
            return
        report = tearcorpus.Report()
        records = list(tearcorpus.iter_records(path, format="pushshift", report=report))
    assert all(isinstance(r, Post | Reply) for r in records)
    assert report.read == len(records) + report.rejected


@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_tearcorpus_errors(data: bytes) -> None:
    """Any bytes forced through the pushshift parser raise nothing but TearcorpusError."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.ndjson"
        path.write_bytes(data)
        with contextlib.suppress(TearcorpusError):
            list(tearcorpus.iter_records(path, format="pushshift"))


def test_memory_stays_flat_on_a_large_stream(tmp_path: Path) -> None:
    """Streaming ~200k generated lines keeps the traced peak well under a few MB."""
    path = tmp_path / "RC_big.ndjson"
    body = "&gt; a quoted line\\n\\nand a reply &amp; more"
    with path.open("w", encoding="utf-8") as out:
        for n in range(200_000):
            out.write(
                f'{{"id":"c{n:x}","link_id":"t3_p{n // 50:x}","parent_id":"t3_p{n // 50:x}",'
                f'"body":"{body}","author":"u{n % 997}","created_utc":{1700000000 + n},'
                f'"score":{n % 13},"subreddit":"TeaTime"}}\n'
            )
    count = 0
    tracemalloc.start()
    try:
        for _record in tearcorpus.iter_records(path):
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert peak < 4 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_odd_removed_by_category_types_do_not_crash(tmp_path: Path) -> None:
    """A removed_by_category that is a list, number or object is no removal reason, no crash."""
    lines = []
    for i, category in enumerate([["moderator"], 3, {"by": "mod"}, None, "moderator", "deleted"]):
        lines.append(
            json.dumps(
                {
                    "id": f"c{i}",
                    "body": "text",
                    "author": "someone",
                    "link_id": "t3_p1",
                    "parent_id": "t3_p1",
                    "subreddit": "example",
                    "created_utc": 1700000000,
                    "removed_by_category": category,
                }
            ).encode()
        )
    path = tmp_path / "RC_odd.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    corpus = tearcorpus.read(path, format="pushshift")
    flags = [(r.is_deleted, r.is_removed) for r in corpus.replies]
    assert flags == [(False, False)] * 4 + [(False, True), (True, False)]
    assert corpus.report.rejected == 0


def test_comments_without_link_id_take_the_post_from_parent_or_permalink(
    data_dir: Path,
) -> None:
    """Dump lines without link_id are comments: a t3_ parent_id or the permalink names the
    post; a line naming neither is rejected as missing-link-id, located by line."""
    corpus = tearcorpus.read(data_dir / "pushshift" / "RC_no_link_id.ndjson")
    by_id = {r.id: r for r in corpus.replies}
    assert set(by_id) == {"kbbb001", "kbbb002"}
    assert (by_id["kbbb001"].post_id, by_id["kbbb001"].parent_id) == ("19bbbb2", None)
    assert (by_id["kbbb002"].post_id, by_id["kbbb002"].parent_id) == ("19bbbb2", "kbbb001")
    assert corpus.report.rejected_by_reason == {"missing-link-id": 1}
    (error,) = corpus.report.errors
    assert (error.line, "kbbb003" in error.reason) == (3, True)
