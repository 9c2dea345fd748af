"""The youtube-comment-downloader parser."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tearcorpus
from tearcorpus import ParseError, Post, Reply, TearcorpusError
from tearcorpus.parsers import detect_format, text, ycd, ytdlp

from ..conftest import SHARED_SAMPLES, with_samples

DATA = Path(__file__).parents[1] / "data" / "ycd"
VIDEO = "Xq7Tz0bWc3M"
JSONL = DATA / f"ycd_{VIDEO}.jsonl"
JSON_DOC = DATA / f"ycd_{VIDEO}.json"
CUT_JSON = DATA / f"ycd_{VIDEO}.cut.json"
CSV = DATA / f"ycd_{VIDEO}.csv"
SEMICOLON = DATA / f"ycd_{VIDEO}.semicolon.csv"
EXPORT = DATA / "comments-export.jsonl"

T1 = "UgwFirstttttttttttttt4AaABAg"
T2 = "UgwSeconddddddddddddd4AaABAg"
R1 = T1 + ".R1aaaaaaaaaaa"
R2 = T1 + ".R2bbbbbbbbbbb"


SAMPLES = SHARED_SAMPLES / "ycd"
SAMPLE_SHAPES = ["jsonl", "json", "csv", "semicolon.csv"]
#: Each shape: our own file (video Xq7Tz0bWc3M, with its bad lines) and the shared
#: sample's (BaW_jenozKc), when beside the clone: (path, video id, rejected).
SHAPES = with_samples(
    [
        (DATA / "ycd_Xq7Tz0bWc3M.jsonl", "Xq7Tz0bWc3M", 1),
        (DATA / "ycd_Xq7Tz0bWc3M.json", "Xq7Tz0bWc3M", 0),
        (DATA / "ycd_Xq7Tz0bWc3M.csv", "Xq7Tz0bWc3M", 0),
        (DATA / "ycd_Xq7Tz0bWc3M.semicolon.csv", "Xq7Tz0bWc3M", 1),
    ],
    [(SAMPLES / f"ycd_BaW_jenozKc.{shape}", "BaW_jenozKc", 0) for shape in SAMPLE_SHAPES],
)


def _by_id(corpus: tearcorpus.Corpus) -> dict[str, Reply]:
    return {r.id: r for r in corpus.replies}


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def test_placeholder_post_comes_first() -> None:
    """The video id comes from the file name; its placeholder Post is the first record."""
    records = list(tearcorpus.iter_records(JSONL))
    post = records[0]
    assert isinstance(post, Post)
    assert post == Post(
        id=VIDEO,
        platform=tearcorpus.Platform.YOUTUBE,
        url=f"https://www.youtube.com/watch?v={VIDEO}",
        extra={"placeholder": True},
    )
    assert all(isinstance(r, Reply) and r.post_id == VIDEO for r in records[1:])


def test_jsonl_fields() -> None:
    """Every ycd field maps to its slot or to extra, with exact values."""
    replies = _by_id(tearcorpus.read(JSONL))
    top = replies[T1]
    assert top == Reply(
        id=T1,
        post_id=VIDEO,
        parent_id=None,
        platform=tearcorpus.Platform.YOUTUBE,
        text="This song got me through the worst winter.\n\nThank you.",
        author=tearcorpus.Author(id="UCtearfultomTTTTTTTTTTTT", name="@tearful-tom"),
        created_at=_utc(1730800000.5),
        created_at_estimated=True,
        created_at_precision=tearcorpus.TimePrecision.WEEK,
        like_count=1200,
        reply_count=2,
        depth=0,
        is_hearted=True,
        is_edited=True,
        extra={
            "votes": "1.2K",
            "photo": "https://img.example.invalid/tom.jpg",
            "time_text": "2 weeks ago (edited)",
        },
    )
    first = replies[R1]
    assert (first.parent_id, first.depth, first.like_count, first.reply_count) == (
        T1,
        1,
        None,
        None,
    )
    assert first.extra == {
        "photo": "https://img.example.invalid/mel.jpg",
        "time_text": "3 days ago",
    }
    assert (first.is_hearted, first.is_edited) == (False, False)
    second = replies[R2]
    assert (second.like_count, second.extra["votes"]) == (3100, "3,1K")
    patron = replies[T2]
    assert (patron.like_count, patron.reply_count) == (2_500_000, 0)
    assert patron.extra["paid"] == "€2,00"


def test_reply_before_parent_is_kept() -> None:
    """A reply listed before its parent keeps its place and its parent id."""
    corpus = tearcorpus.read(JSONL)
    assert [r.id for r in corpus.replies] == [R1, T1, R2, T2]
    assert corpus.integrity().ok
    assert "orphan-reply" not in corpus.report.notes


def test_truncated_last_line_is_rejected_with_its_line() -> None:
    """The cut last JSON line is rejected at line 5; the whole lines are kept."""
    report = tearcorpus.read(JSONL).report
    assert (report.posts, report.replies, report.rejected) == (1, 4, 1)
    (error,) = report.errors
    assert error.line == 5
    assert "looks truncated" in error.reason
    with pytest.raises(ParseError) as info:
        tearcorpus.read(JSONL, strict=True)
    assert info.value.line == 5


def test_every_shape_gives_the_same_replies() -> None:
    """JSON lines, the pretty document and both CSV dialects give equal records."""
    expected = tearcorpus.read(JSONL).replies
    assert tearcorpus.read(JSON_DOC).replies == expected

    def no_paid(replies: list[Reply]) -> list[Reply]:
        return [
            attrs.evolve(r, extra={k: v for k, v in r.extra.items() if k != "paid"})
            for r in replies
        ]

    for path in (CSV, SEMICOLON):
        replies = tearcorpus.read(path).replies
        assert no_paid(replies) == no_paid(expected), path  # CSV rows have no 'paid' column


def test_document_items_are_located_by_index() -> None:
    """Comments of a {"comments": [...]} document carry their item index."""
    replies = tearcorpus.read(JSON_DOC).replies
    assert [r.provenance.index for r in replies if r.provenance] == [0, 1, 2, 3]


def test_semicolon_csv_with_bom_crlf_quoted_newline_and_cut_row() -> None:
    """The semicolon CSV keeps its whole rows (with their lines) and rejects the cut one."""
    corpus = tearcorpus.read(SEMICOLON)
    assert [r.provenance.line for r in corpus.replies if r.provenance] == [2, 3, 6, 7]
    assert _by_id(corpus)[T1].text == "This song got me through the worst winter.\n\nThank you."
    report = corpus.report
    assert report.rejected_by_reason == {"truncated": 1}
    (error,) = report.errors
    assert error.line == 8
    assert "2 of 11 fields" in error.reason


def test_cut_json_document_keeps_whole_comments() -> None:
    """A document cut inside its third comment gives two replies and one located reject."""
    corpus = tearcorpus.read(CUT_JSON)
    assert [r.id for r in corpus.replies] == [R1, T1]
    (error,) = corpus.report.errors
    assert (error.line, error.index) == (29, 2)
    assert "looks truncated" in error.reason


def test_bad_lines_and_unknown_video() -> None:
    """Bad lines are rejected with their line; a name without an id gives an unknown post."""
    corpus = tearcorpus.read(EXPORT)
    (post,) = corpus.posts
    assert post.id == "unknown:comments-export"
    assert post.url is None
    report = corpus.report
    assert report.rejected_by_reason == {
        "invalid-json": 2,
        "missing-id": 1,
        "duplicate-comment": 1,
    }
    assert [e.line for e in report.errors] == [3, 4, 5, 6]
    assert report.notes == {"unknown-video": 1, "invalid-field": 5}
    assert report.read == 1 + 2 + 4


def test_values_of_the_wrong_type_stay_in_extra() -> None:
    """A field whose value does not fit its slot is kept under its own key."""
    odd = _by_id(tearcorpus.read(EXPORT))["UgwOdd"]
    assert (odd.text, odd.like_count, odd.reply_count, odd.created_at) == ("", None, None, None)
    assert odd.is_hearted is False
    assert odd.extra == {
        "text": 7,
        "votes": [1],
        "heart": "maybe",
        "time_parsed": "soon",
        "replies": "-3",
        "extra_key": {"a": 1},
    }


def test_video_id_option_wins(tmp_path: Path) -> None:
    """The video_id option names the post whatever the file is called."""
    corpus = tearcorpus.read(EXPORT, options={"video_id": "Zz9Yy8Xx7Wg"})
    assert corpus.posts[0].id == "Zz9Yy8Xx7Wg"
    assert {r.post_id for r in corpus.replies} == {"Zz9Yy8Xx7Wg"}
    assert "unknown-video" not in corpus.report.notes


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ycd_BaW_jenozKc.jsonl", "BaW_jenozKc"),
        ("/data/dumps/BaW_jenozKc.json", "BaW_jenozKc"),
        ("BaW_jenozKc_comments.csv.gz", "BaW_jenozKc"),
        ("ycd_BaW_jenozKc.semicolon.csv", "BaW_jenozKc"),
        ("comments v=Xq7Tz0bWc3M.jsonl", "Xq7Tz0bWc3M"),
        ("comments-export.jsonl", None),
        ("comments_v2.jsonl", None),  # 11 characters, but no id ends in "2"
        ("my_comments.jsonl", None),
        ("ycdBaW_jenozKc.jsonl", None),  # no separator before the id
        ("lowercaseid.csv", None),
    ],
)
def test_video_id_from_name(name: str, expected: str | None) -> None:
    """Only an id plainly set off in the file name is taken."""
    assert ycd.video_id_from_name(name) == expected


@pytest.mark.parametrize(
    ("shown", "count", "exact"),
    [
        ("0", 0, True),
        ("17", 17, True),
        ("1,234", 1234, True),
        ("1.234", 1234, True),
        ("1.2K", 1200, False),
        ("3,1K", 3100, False),
        ("12K", 12000, False),
        ("2.5M", 2_500_000, False),
        ("1 B", 1_000_000_000, False),
        ("", None, False),
        ("lots", None, False),
    ],
)
def test_parse_votes(shown: str, count: int | None, exact: bool) -> None:
    """Displayed like counts read as integers, abbreviations marked inexact."""
    assert ycd.parse_votes(shown) == (count, exact)


def test_csv_with_lone_cr_and_no_final_newline(tmp_path: Path) -> None:
    """Old Mac line endings read as lines; a complete last row without newline is kept."""
    path = tmp_path / f"ycd_{VIDEO}.csv"
    path.write_bytes(b'cid,text,votes\r"UgwA","one\rtwo",5\rUgwA.r1,reply,1.5K')
    corpus = tearcorpus.read(path)
    assert [(r.id, r.text, r.like_count) for r in corpus.replies] == [
        ("UgwA", "one\rtwo", 5),
        ("UgwA.r1", "reply", 1500),
    ]
    assert corpus.report.notes == {"no-final-newline": 1}


def test_csv_row_with_wrong_field_count_is_rejected(tmp_path: Path) -> None:
    """A whole row with more or fewer fields than the header is rejected at its line."""
    path = tmp_path / f"ycd_{VIDEO}.csv"
    path.write_text("cid,text,votes\nUgwA,one,1\nUgwB,two\nUgwC,three,3,extra\nUgwD,four,4\n")
    corpus = tearcorpus.read(path)
    assert [r.id for r in corpus.replies] == ["UgwA", "UgwD"]
    assert [(e.line, e.reason) for e in corpus.report.errors] == [
        (3, "row has 2 fields, the header 3"),
        (4, "row has 4 fields, the header 3"),
    ]


def test_detection_for_every_shape() -> None:
    """Each container shape is detected as ycd from its content."""
    for path in (JSONL, JSON_DOC, CUT_JSON, CSV, SEMICOLON, EXPORT):
        assert tearcorpus.read(path).report.formats == ["ycd"], path


def test_sniff_scores() -> None:
    """ycd content scores high, beating the text fallback; yt-dlp and plain JSON score 0."""
    header = SEMICOLON.read_bytes()[:200]
    assert ycd.sniff(header, "x.csv") >= 90
    assert text.sniff(header, "x.csv") < ycd.sniff(header, "x.csv")
    assert detect_format(header, "x.csv") == "ycd"
    assert ycd.sniff(JSON_DOC.read_bytes()[:300], "x.json") >= 90
    assert ytdlp.sniff(JSON_DOC.read_bytes()[:300], "x.json") == 0
    assert ycd.sniff(b'{"id": "x", "extractor": "youtube"}', "x.json") == 0
    assert ycd.sniff(b"id,replyCount,likeCount\n", "x.csv") == 0
    assert ycd.sniff(b"Just some text about cid\n", "x.txt") == 0


@pytest.mark.parametrize(("path", "video", "rejected"), SHAPES)
def test_sample_counts_through_read(path: Path, video: str, rejected: int) -> None:
    """Each shape reads as one placeholder post and 4 replies."""
    corpus = tearcorpus.read(path)
    assert (len(corpus.posts), len(corpus.replies), corpus.report.rejected) == (1, 4, rejected)
    assert corpus.posts[0].id == video
    assert corpus.report.formats == ["ycd"]


@pytest.mark.parametrize(("path", "video", "rejected"), SHAPES)
def test_sample_counts_through_the_cli(path: Path, video: str, rejected: int) -> None:
    """``tearcorpus inspect --json`` reports 4 replies for each shape."""
    out = subprocess.run(
        [sys.executable, "-m", "tearcorpus", "inspect", "--json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    summary = json.loads(out)
    assert (summary["posts"], summary["replies"], summary["rejected"]) == (1, 4, rejected)
    assert summary["formats"] == ["ycd"]


def _cut_after_first_row(tmp_path: Path) -> Path:
    """Our CSV as the tool leaves it when it crashes on a 'paid' field: the header and
    the rows written before the crash (here one), then nothing."""
    import csv
    import io

    text = (DATA / "ycd_Xq7Tz0bWc3M.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows[:2])
    path = tmp_path / "ycd_Xq7Tz0bWc3M.crash_on_paid.csv"
    path.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode())
    return path


@pytest.mark.parametrize(
    ("shared", "likes"),
    with_samples([(None, None)], [(SAMPLES / "ycd_BaW_jenozKc.crash_on_paid.csv", [1200])]),
)
def test_sample_cut_by_the_paid_crash(
    tmp_path: Path, shared: Path | None, likes: list[int] | None
) -> None:
    """The CSV left by the crash on 'paid' keeps the row written before it."""
    path = shared if shared is not None else _cut_after_first_row(tmp_path)
    corpus = tearcorpus.read(path)
    assert len(corpus.replies) == 1
    assert corpus.report.rejected == 0
    if likes is not None:
        assert [r.like_count for r in corpus.replies] == likes


# -- property tests -----------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _read(content: bytes, name: str, *, strict: bool) -> tearcorpus.Corpus:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        return tearcorpus.read(path, format="ycd", strict=strict)


@given(st.binary(max_size=300), st.booleans())
def test_arbitrary_bytes_raise_only_tearcorpus_errors(content: bytes, strict: bool) -> None:
    """Junk bytes never raise anything but a TearcorpusError."""
    with contextlib.suppress(TearcorpusError):
        _read(content, "dump.jsonl", strict=strict)


@given(st.data(), st.sampled_from([JSONL, JSON_DOC, CSV, SEMICOLON]), st.booleans())
def test_cut_or_flipped_bytes_raise_only_tearcorpus_errors(
    data: st.DataObject, fixture: Path, strict: bool
) -> None:
    """A truncated dump or one with flipped bytes raises only TearcorpusErrors."""
    content = bytearray(fixture.read_bytes())
    content = content[: data.draw(st.integers(0, len(content)), label="cut")]
    for _ in range(data.draw(st.integers(0, 4), label="flips")):
        if content:
            at = data.draw(st.integers(0, len(content) - 1))
            content[at] = data.draw(st.integers(0, 255))
    with contextlib.suppress(TearcorpusError):
        _read(bytes(content), fixture.name, strict=strict)


def _mutated(data: st.DataObject) -> list[Any]:
    """The fixture's comments with keys deleted, values retyped or whole items replaced."""
    items: list[Any] = json.loads(JSON_DOC.read_text("utf-8"))["comments"]
    for _ in range(data.draw(st.integers(1, 6), label="mutations")):
        at = data.draw(st.integers(0, len(items) - 1))
        what = data.draw(st.sampled_from(["delete", "retype", "replace"]))
        target = items[at]
        if what == "replace" or not isinstance(target, dict) or not target:
            items[at] = data.draw(JSON_VALUES)
        elif what == "delete":
            del target[data.draw(st.sampled_from(sorted(target)))]
        else:
            target[data.draw(st.sampled_from(sorted(target)))] = data.draw(JSON_VALUES)
    return items


@given(st.data(), st.sampled_from(["jsonl", "json"]))
def test_bad_json_records_never_raise_in_lenient_mode(data: st.DataObject, shape: str) -> None:
    """Mutated comments in either JSON shape are kept or rejected, never raised; counts add up."""
    items = _mutated(data)
    if shape == "jsonl":
        content = "\n".join(json.dumps(item) for item in items) + "\n"
    else:
        content = json.dumps({"comments": items}, indent=4)
    corpus = _read(content.encode("utf-8"), f"ycd_{VIDEO}.{shape}", strict=False)
    report = corpus.report
    assert report.posts == 1
    assert report.replies + report.rejected == len(items)


@given(st.data())
def test_bad_csv_cells_never_raise_in_lenient_mode(data: st.DataObject) -> None:
    """Any text in any CSV cell is kept or rejected, never raised; counts add up."""
    rows = list(csv.DictReader(io.StringIO(CSV.read_text("utf-8-sig"), newline="")))
    cells = st.text(max_size=12)
    for _ in range(data.draw(st.integers(1, 6), label="mutations")):
        row = rows[data.draw(st.integers(0, len(rows) - 1))]
        row[data.draw(st.sampled_from(sorted(row)))] = data.draw(cells)
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    corpus = _read(out.getvalue().encode("utf-8"), f"ycd_{VIDEO}.csv", strict=False)
    report = corpus.report
    assert report.replies + report.rejected == len(rows)
    assert all(isinstance(r, Post | Reply) for r in corpus)


def test_unusual_digits_in_counts(tmp_path: Path) -> None:
    """A superscript digit is no count (kept in extra); Arabic-Indic digits are read."""
    path = tmp_path / f"ycd_{VIDEO}.csv"
    path.write_text("cid,votes,replies\nUgwA,١٢,²\n", "utf-8")
    (reply,) = tearcorpus.read(path).replies
    assert (reply.like_count, reply.reply_count) == (12, None)
    assert reply.extra == {"replies": "²"}
