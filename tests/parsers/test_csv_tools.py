"""The parsers for YouTube comment CSV exports: YouTube Data Tools and the web scraper."""

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

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tearcorpus
from tearcorpus import Author, InputError, ParseError, Post, Reply, TearcorpusError, TimePrecision
from tearcorpus.parsers import PARSERS, detect_format, ytcomments, ytdt

from ..conftest import SHARED_SAMPLES, with_samples

DATA = Path(__file__).parents[1] / "data" / "csv_tools"
VIDEO = "Xq7Tz0bWc3M"
YTDT = DATA / f"ytdt_videoinfo_{VIDEO}_2024_01_06-12_00_00_comments.csv"
YTC = DATA / f"ytcomments_comments-{VIDEO}.csv"

SAMPLES = SHARED_SAMPLES / "csv-tools"
SAMPLE_FILES = {
    "ytdt": "ytdt_videoinfo_BaW_jenozKc_2025_06_01-12_00_00_comments.csv",
    "ytcomments": "ytcomments_klostermann_comments-BaW_jenozKc.csv",
}

T1 = "UgzAlphaaaaaaaaaaaaaa4AaABAg"
R1 = T1 + ".9xReplyOneeeeee"
A1 = "Ugh1aaaaaaaaaaaaaaaaaaaaaaaa"


def _by_id(corpus: tearcorpus.Corpus) -> dict[str, Reply]:
    return {r.id: r for r in corpus.replies}


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


YTDT_HEADER = ",".join(ytdt.HEADER)
YTC_HEADER = ",".join(ytcomments.HEADER)


# -- YouTube Data Tools ------------------------------------------------------------------


def test_ytdt_placeholder_post_first() -> None:
    """The video id comes from inside the file name; the placeholder Post is first."""
    records = list(tearcorpus.iter_records(YTDT))
    first = records[0]
    assert isinstance(first, Post)
    assert first.id == VIDEO
    assert first.extra == {"placeholder": True}
    assert first.url == f"https://www.youtube.com/watch?v={VIDEO}"
    assert first.platform == "youtube"


def test_ytdt_fields() -> None:
    """Every column lands in its slot; BOM, CRLF and the quoted newline are handled."""
    corpus = tearcorpus.read(YTDT)
    replies = _by_id(corpus)
    assert list(replies) == [T1, R1, "UgzBravoooooooooooooo4AaABAg"]
    top = replies[T1]
    assert top.parent_id is None
    assert top.post_id == VIDEO
    assert top.text == "first line of a long thought\r\nand its second line"
    assert top.author == Author(
        id="UCalphaaaaaaaaaaaaaaaaaa", name="@alpha-one", url="http://www.youtube.com/@alpha-one"
    )
    assert (top.like_count, top.reply_count, top.depth) == (5, 1, 0)
    assert top.created_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert top.created_at_estimated is False
    assert top.created_at_precision is TimePrecision.EXACT
    assert top.extra == {}
    assert top.provenance is not None
    assert top.provenance.line == 2
    reply = replies[R1]
    assert reply.parent_id == T1
    assert reply.text == '@alpha-one agreed, "mostly"'
    assert (reply.like_count, reply.reply_count, reply.depth) == (2, None, 1)
    assert reply.extra == {"isReplyToName": "@alpha-one"}
    assert reply.provenance is not None
    assert reply.provenance.line == 4


def test_ytdt_bad_rows_rejected_with_their_lines() -> None:
    """A short row and a bad count are rejected at the physical lines they start on."""
    report = tearcorpus.read(YTDT).report
    assert (report.posts, report.replies, report.rejected) == (1, 3, 2)
    (source,) = report.sources
    errors = [str(e) for e in source.errors]
    assert errors == [
        f"{YTDT}:6: row has 3 fields, the header 11",
        f"{YTDT}:7: comment 'UgzBadCountttttttttt4AaABAg': not a count: 'many'",
    ]


def test_ytdt_strict_raises_at_the_first_bad_row() -> None:
    """In strict mode the short row stops the read with its line."""
    with pytest.raises(ParseError) as info:
        tearcorpus.read(YTDT, strict=True)
    assert info.value.line == 6


def test_ytdt_reply_without_parent_column_uses_the_dotted_id(tmp_path: Path) -> None:
    """A reply whose isReplyTo is empty takes its parent from the id; bad time is rejected."""
    rows = [
        YTDT_HEADER,
        'Ugw1,,0,"2024-01-01 00:00:00",@a,x,,,1,,',
        'Ugw2.r,,0,"2024-01-01T00:00:00Z",@b,y,,,1,,',
        "Ugw3,,0,yesterday,@c,z,,,0,,",
        'Ugw4,,0,"2024-01-01 00:00:00",@d,w,,,2,,',
    ]
    path = _write(tmp_path, "export.csv", "\n".join(rows) + "\n")
    corpus = tearcorpus.read(path, format="ytdt")
    replies = _by_id(corpus)
    assert replies["Ugw2.r"].parent_id == "Ugw2"
    assert replies["Ugw2.r"].created_at == datetime(2024, 1, 1, tzinfo=UTC)
    assert replies["Ugw1"].parent_id is None
    assert replies["Ugw1"].author == Author(name="@a")
    assert corpus.posts[0].id == "unknown:export"
    report = corpus.report
    assert report.notes["unknown-video"] == 1
    assert report.notes["unknown-parent"] == 1
    assert report.notes["orphan-reply"] == 1
    assert [e.line for e in report.sources[0].errors] == [4, 5]


def test_ytdt_duplicates_dropped_and_unknown_columns_kept(tmp_path: Path) -> None:
    """A repeated id is dropped (counted); a column the tool may add later goes to extra."""
    rows = [
        YTDT_HEADER + ",videoId",
        'Ugw1,0,1,"2024-01-01 00:00:00",@a,x,UCa,,0,,,abc',
        'Ugw1,0,1,"2024-01-01 00:00:00",@a,x,UCa,,0,,,abc',
    ]
    path = _write(tmp_path, "export.csv", "\r\n".join(rows))
    corpus = tearcorpus.read(path, format="ytdt", options={"video_id": "given"})
    assert [r.id for r in corpus.replies] == ["Ugw1"]
    assert corpus.replies[0].extra == {"videoId": "abc"}
    assert corpus.posts[0].id == "given"
    assert corpus.report.rejected_by_reason == {"duplicate-comment": 1}


# -- the web scraper ---------------------------------------------------------------------


def test_ytcomments_fields() -> None:
    """Top-level and replies.* columns land in their slots; times are estimates."""
    corpus = tearcorpus.read(YTC)
    assert corpus.posts[0].id == VIDEO
    assert corpus.posts[0].extra == {"placeholder": True}
    replies = _by_id(corpus)
    dotted = A1 + ".1650000001000000"
    assert list(replies) == [A1, dotted, "Ugh9undotteddddddddddddddddd", "Ugh2" + "b" * 24]
    top = replies[A1]
    assert top.parent_id is None
    assert top.text == "hello\nthere, first"
    assert top.author == Author(name="Ana Viewer")
    assert (top.like_count, top.reply_count, top.depth) == (3, 2, 0)
    assert top.created_at == datetime.fromtimestamp(1_650_000_000, UTC)
    assert top.created_at_estimated is True
    assert top.created_at_precision is TimePrecision.YEAR  # the unit of "2 years ago"
    assert top.extra == {"date": "2 years ago", "hasReplies": True}
    assert top.provenance is not None
    assert top.provenance.line == 2
    reply = replies[dotted]
    assert reply.parent_id == A1
    assert reply.author == Author(name="Ben Replier")
    assert (reply.like_count, reply.reply_count, reply.depth) == (1200, None, 1)
    assert reply.created_at == datetime.fromtimestamp(1_680_000_000, UTC)
    assert reply.created_at_estimated is True
    assert reply.created_at_precision is TimePrecision.YEAR
    assert reply.extra == {"replies.date": "1 year ago", "replies.likes": "1.2K"}
    assert reply.provenance is not None
    assert reply.provenance.line == 4


def test_ytcomments_undotted_reply_belongs_to_the_preceding_comment() -> None:
    """A reply id without a dot takes the preceding top-level row as its parent."""
    replies = _by_id(tearcorpus.read(YTC))
    assert replies["Ugh9undotteddddddddddddddddd"].parent_id == A1


def test_ytcomments_bad_rows_rejected_with_their_lines() -> None:
    """A bad timestamp and a short row are rejected with their lines; counts add up."""
    report = tearcorpus.read(YTC).report
    assert (report.read, report.posts, report.replies, report.rejected) == (7, 1, 4, 2)
    errors = [str(e) for e in report.sources[0].errors]
    assert errors == [
        f"{YTC}:7: comment 'Ugh3cccccccccccccccccccccccc': "
        "timestamp 'soon' is no epoch time in milliseconds",
        f"{YTC}:8: row has 2 fields, the header 14",
    ]


def test_ytcomments_row_with_both_parts_and_blank_rows(tmp_path: Path) -> None:
    """A row filling both parts gives the comment then its reply; empty rows are noted."""
    rows = [
        YTC_HEADER,
        "c1,Ann,now,1000,top,0,true,1,c1.r1,Bo,now,2000,under,7",
        ",,,,,,,,,,,,,",
        "",
        ",,,,,,,,r9,Cy,now,3000,lost,0",
        ",,,,,,,,,Dee,now,3000,no id,0",
    ]
    path = _write(tmp_path, "scrape.csv", "\n".join(rows) + "\n")
    corpus = tearcorpus.read(path, format="ytcomments")
    replies = _by_id(corpus)
    assert list(replies) == ["c1", "c1.r1", "r9"]
    assert replies["c1.r1"].parent_id == "c1"
    assert replies["c1.r1"].provenance is not None
    assert replies["c1.r1"].provenance.line == 2
    assert replies["r9"].parent_id == "c1"
    report = corpus.report
    assert report.notes["blank-row"] == 1
    assert [str(e) for e in report.sources[0].errors] == [f"{path}:6: comment has no 'replies.id'"]


def test_ytcomments_reply_before_any_comment(tmp_path: Path) -> None:
    """An undotted reply with no comment before it is noted; a bad like count rejects it."""
    rows = [YTC_HEADER, ",,,,,,,,r1,Cy,now,3000,early,x"]
    path = _write(tmp_path, "scrape.csv", "\n".join(rows))
    corpus = tearcorpus.read(path, format="ytcomments")
    assert corpus.replies == []
    assert corpus.report.notes["unknown-parent"] == 1
    assert corpus.report.rejected == 1


# -- detection, encodings, headers -------------------------------------------------------


def test_detection_of_both_fixtures() -> None:
    """Each fixture is detected by its header, not by the text fallback."""
    assert tearcorpus.read(YTDT).report.formats == ["ytdt"]
    assert tearcorpus.read(YTC).report.formats == ["ytcomments"]


def test_sniff_scores() -> None:
    """Only the exact header row scores: 95 with or without BOM, 0 for anything else."""
    assert ytdt.sniff(YTDT.read_bytes()[:300], "x.csv") == 95
    assert ytcomments.sniff(YTC.read_bytes()[:300], "x.csv") == 95
    assert ytdt.sniff(YTC.read_bytes(), "x.csv") == 0
    assert ytcomments.sniff(YTDT.read_bytes(), "x.csv") == 0
    assert ytdt.sniff(b"id,replyCount,likeCount\n", "x.csv") == 0
    assert ytdt.sniff(b"\xff\xfe\x00junk", "x.csv") == 0
    assert ytcomments.sniff(b"cid,text,time\n", "x.csv") == 0
    for name, parser in PARSERS.items():
        if name not in ("ytdt", "ytcomments"):
            assert parser.sniff(YTDT.read_bytes()[:300], "x.csv") < 95, name
            assert parser.sniff(YTC.read_bytes()[:300], "x.csv") < 95, name
    assert detect_format(YTDT.read_bytes(), "x.csv") == "ytdt"
    assert detect_format(YTC.read_bytes(), "x.csv") == "ytcomments"


def test_forced_format_with_another_header_is_a_parse_error(tmp_path: Path) -> None:
    """--from ytdt on another CSV names the missing columns at line 1."""
    with pytest.raises(ParseError) as info:
        tearcorpus.read(YTC, format="ytdt")
    assert info.value.line == 1
    assert "replyCount" in info.value.reason
    empty_rows = _write(tmp_path, "header.csv", YTDT_HEADER + "\n")
    corpus = tearcorpus.read(empty_rows)
    assert (len(corpus.posts), len(corpus.replies)) == (1, 0)


def test_undecodable_bytes_name_the_line_and_suggest_encoding(tmp_path: Path) -> None:
    """Latin-1 bytes read as UTF-8 give an InputError at their line with an --encoding hint;
    with the right encoding the text reads."""
    content = (YTDT_HEADER + "\r\n" + 'Ugw1,0,1,"2024-01-01 00:00:00",@a,caf\xe9,,,0,,\r\n').encode(
        "latin-1"
    )
    path = _write(tmp_path, "export.csv", content)
    with pytest.raises(InputError) as info:
        tearcorpus.read(path, format="ytdt")
    assert info.value.line == 2
    assert "--encoding" in str(info.value)
    corpus = tearcorpus.read(path, format="ytdt", encoding="cp1252")
    assert corpus.replies[0].text == "café"


def test_utf16_and_lone_cr(tmp_path: Path) -> None:
    """A UTF-16 export and one with lone CR line ends read the same rows."""
    body = 'Ugw1,0,1,"2024-01-01 00:00:00",@a,"one\rtwo",,,0,,\rUgw2,0,1,,@b,x,,,0,,\r'
    plain = _write(tmp_path, "cr.csv", YTDT_HEADER + "\r" + body)
    wide = _write(tmp_path, "wide.csv", (YTDT_HEADER + "\n" + body).encode("utf-16"))
    first = tearcorpus.read(plain, format="ytdt")
    second = tearcorpus.read(wide, format="ytdt", encoding="utf-16")
    assert [r.text for r in first.replies] == ["one\rtwo", "x"]
    assert [r.text for r in second.replies] == ["one\rtwo", "x"]
    assert [r.provenance.line for r in first.replies if r.provenance] == [2, 4]


def test_unknown_encoding_is_an_input_error() -> None:
    """An encoding Python does not know is an InputError naming it."""
    with pytest.raises(InputError, match="unknown encoding"):
        tearcorpus.read(YTC, format="ytcomments", encoding="no-such-codec")


# -- the shared samples ------------------------------------------------------------------


#: Our own exports of the two tools, and the shared samples when beside the clone:
#: (format, path, video id, (posts, replies, nested), rejected).
EXPORTS = with_samples(
    [
        (
            "ytdt",
            DATA / "ytdt_videoinfo_Xq7Tz0bWc3M_2024_01_06-12_00_00_comments.csv",
            "Xq7Tz0bWc3M",
            (1, 3, 1),
            2,
        ),
        ("ytcomments", DATA / "ytcomments_comments-Xq7Tz0bWc3M.csv", "Xq7Tz0bWc3M", (1, 4, 2), 2),
    ],
    [
        (fmt, SAMPLES / name, "BaW_jenozKc", (1, 3, 1), 0)
        for fmt, name in sorted(SAMPLE_FILES.items())
    ],
)


@pytest.mark.parametrize(("fmt", "path", "video", "counts", "rejected"), EXPORTS)
def test_sample_counts_through_read(
    fmt: str, path: Path, video: str, counts: tuple[int, int, int], rejected: int
) -> None:
    """Each export reads as one placeholder post and its comments, some of them replies."""
    corpus = tearcorpus.read(path)
    nested = sum(1 for r in corpus.replies if r.parent_id is not None)
    assert (len(corpus.posts), len(corpus.replies), nested) == counts
    assert corpus.report.rejected == rejected
    assert corpus.report.formats == [fmt]
    assert corpus.posts[0].id == video


@pytest.mark.parametrize(("fmt", "path", "video", "counts", "rejected"), EXPORTS)
def test_sample_counts_through_the_cli(
    fmt: str, path: Path, video: str, counts: tuple[int, int, int], rejected: int
) -> None:
    """``tearcorpus inspect --json`` detects each export and counts its records."""
    out = subprocess.run(
        [sys.executable, "-m", "tearcorpus", "inspect", "--json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    summary = json.loads(out)
    assert (summary["posts"], summary["replies"], summary["rejected"]) == (
        counts[0],
        counts[1],
        rejected,
    )
    assert summary["formats"] == [fmt]


# -- property tests ----------------------------------------------------------------------


def _read(content: bytes, fmt: str, *, strict: bool) -> tearcorpus.Corpus:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export_{VIDEO}.csv"
        path.write_bytes(content)
        return tearcorpus.read(path, format=fmt, strict=strict)


@given(st.binary(max_size=300), st.sampled_from(["ytdt", "ytcomments"]), st.booleans())
def test_arbitrary_bytes_raise_only_tearcorpus_errors(
    content: bytes, fmt: str, strict: bool
) -> None:
    """Junk bytes never raise anything but a TearcorpusError."""
    with contextlib.suppress(TearcorpusError):
        _read(content, fmt, strict=strict)


@given(st.data(), st.sampled_from([("ytdt", YTDT), ("ytcomments", YTC)]), st.booleans())
def test_cut_or_flipped_bytes_raise_only_tearcorpus_errors(
    data: st.DataObject, case: tuple[str, Path], strict: bool
) -> None:
    """A truncated export or one with flipped bytes raises only TearcorpusErrors."""
    fmt, fixture = case
    content = bytearray(fixture.read_bytes())
    content = content[: data.draw(st.integers(0, len(content)), label="cut")]
    for _ in range(data.draw(st.integers(0, 4), label="flips")):
        if content:
            at = data.draw(st.integers(0, len(content) - 1))
            content[at] = data.draw(st.integers(0, 255))
    with contextlib.suppress(TearcorpusError):
        _read(bytes(content), fmt, strict=strict)


@given(st.data(), st.sampled_from([("ytdt", YTDT), ("ytcomments", YTC)]))
def test_mutated_cells_never_raise_in_lenient_mode(
    data: st.DataObject, case: tuple[str, Path]
) -> None:
    """Any text in any cell, or a dropped cell, is kept or rejected; counts add up."""
    fmt, fixture = case
    rows = list(csv.reader(io.StringIO(fixture.read_text("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    for _ in range(data.draw(st.integers(1, 6), label="mutations")):
        row = body[data.draw(st.integers(0, len(body) - 1))]
        drop = data.draw(st.booleans(), label="drop")
        if row and drop:
            row.pop(data.draw(st.integers(0, len(row) - 1)))
        elif row:
            row[data.draw(st.integers(0, len(row) - 1))] = data.draw(st.text(max_size=12))
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(body)
    corpus = _read(out.getvalue().encode("utf-8"), fmt, strict=False)
    report = corpus.report
    assert report.posts == 1
    assert report.read == report.posts + report.replies + report.rejected
    assert all(isinstance(r, Post | Reply) for r in corpus)
