"""CSV export: RFC 4180, None vs "" kept apart, Excel-safe mode, lossless read-back."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tearcorpus
from tearcorpus import Author, Post, Provenance, Record, Reply, write_csv
from tearcorpus.parsers.tearcorpus_csv import split_fields
from tests.strategies import records

from ._util import fresh_dir, same_records


@given(st.lists(records, max_size=8))
def test_round_trip(items: list[Record]) -> None:
    """records → CSV → records gives equal records, provenance included."""
    with fresh_dir() as out:
        write_csv(items, out)
        paths = [f"{out}/posts.csv", f"{out}/replies.csv"]
        back = list(tearcorpus.iter_records(paths, format="tearcorpus-csv", strict=True))
    same_records(items, back)


@given(st.lists(records, max_size=8))
def test_round_trip_excel_safe(items: list[Record]) -> None:
    """The Excel-safe mode reads back losslessly too."""
    with fresh_dir() as out:
        write_csv(items, out, excel_safe=True)
        paths = [f"{out}/posts.csv", f"{out}/replies.csv"]
        back = list(tearcorpus.iter_records(paths, format="tearcorpus-csv", strict=True))
    same_records(items, back)


@given(st.lists(st.none() | st.text(), min_size=2, max_size=6))
def test_stdlib_reader_agrees(cells: list[str | None]) -> None:
    """Any RFC 4180 reader (the stdlib's) reads our rows; ours also keeps None vs ""."""
    from tearcorpus.exporters.csv import _quote

    line = ",".join(_quote(c) for c in cells)
    assert split_fields(line) == cells
    (row,) = list(csv.reader(io.StringIO(line + "\r\n", newline="")))
    assert row == [c or "" for c in cells]


def test_none_and_empty_string_differ(tmp_path: Path) -> None:
    """A missing title is an unquoted empty cell, an empty title a quoted one."""
    out = str(tmp_path / "out")
    write_csv([Post(id="a", platform="reddit"), Post(id="b", platform="reddit", title="")], out)
    lines = Path(out, "posts.csv").read_bytes().split(b"\r\n")
    assert lines[1].startswith(b"a,reddit,,")
    assert lines[2].startswith(b'b,reddit,"",')
    back = tearcorpus.read(f"{out}/posts.csv").posts
    assert [p.title for p in back] == [None, ""]


def test_excel_safe_defuses_and_reader_undoes(tmp_path: Path) -> None:
    """Formula-like cells get a ' prefix and a BOM is written; reading undoes both."""
    texts = ["=SUM(A1)", "+1", "-2", "@cmd", "\tx", "\rx", "'=kept", "plain"]
    replies = [Reply(id=f"r{i}", post_id="p", text=t) for i, t in enumerate(texts)]
    out = str(tmp_path / "out")
    write_csv(replies, out, excel_safe=True)
    raw = Path(out, "replies.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    cells = [row[4] for row in csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))][1:]
    assert cells == ["'=SUM(A1)", "'+1", "'-2", "'@cmd", "'\tx", "'\rx", "''=kept", "plain"]
    back = tearcorpus.read(f"{out}/replies.csv", strict=True).replies
    assert [r.text for r in back] == texts


def test_plain_mode_keeps_leading_quote(tmp_path: Path) -> None:
    """Without the BOM, a text starting with ' is not unescaped."""
    out = str(tmp_path / "out")
    write_csv([Reply(id="r", post_id="p", text="'=x")], out)
    assert not Path(out, "replies.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert tearcorpus.read(f"{out}/replies.csv").replies[0].text == "'=x"


def test_detected_from_header(tmp_path: Path) -> None:
    """The tearcorpus-csv format is detected from the header row."""
    out = str(tmp_path / "out")
    write_csv([Post(id="p", platform="youtube"), Reply(id="r", post_id="p")], out)
    report = tearcorpus.read([f"{out}/posts.csv", f"{out}/replies.csv"]).report
    assert report.formats == ["tearcorpus-csv"]


def test_bad_rows_are_located_and_counted(tmp_path: Path) -> None:
    """A malformed row is rejected with its line; the others are kept."""
    out = str(tmp_path / "out")
    rows = [Reply(id="r1", post_id="p", text="one\ntwo"), Reply(id="r2", post_id="p")]
    write_csv(rows, out)
    path = Path(out, "replies.csv")
    lines = path.read_bytes().split(b"\r\n")
    lines.insert(1, b"broken,row")
    path.write_bytes(b"\r\n".join(lines))
    corpus = tearcorpus.read(str(path))
    assert [r.id for r in corpus.replies] == ["r1", "r2"]
    assert corpus.report.rejected == 1
    assert str(corpus.report.errors[0]).startswith(f"{path}:2:")
    with pytest.raises(tearcorpus.ParseError, match=":2:"):
        tearcorpus.read(str(path), strict=True)


def test_truncated_quoted_field(tmp_path: Path) -> None:
    """An unclosed quote at the end of the file is reported as truncated."""
    out = str(tmp_path / "out")
    write_csv([Reply(id="r1", post_id="p", text="a, b")], out)
    path = Path(out, "replies.csv")
    path.write_bytes(path.read_bytes()[:-40])
    corpus = tearcorpus.read(str(path))
    assert corpus.report.rejected == 1
    assert "truncated" in str(corpus.report.errors[0])


def test_refuses_non_empty_output(tmp_path: Path) -> None:
    """An existing non-empty folder is refused unless overwrite."""
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(tearcorpus.ExportError, match="not empty"):
        write_csv([], str(tmp_path))
    result = write_csv([Post(id="p", platform="reddit")], str(tmp_path), overwrite=True)
    assert (result.posts, result.replies) == (1, 0)
    assert os.path.exists(tmp_path / "keep.txt")


def test_nested_fields_are_json(tmp_path: Path) -> None:
    """author, provenance and extra are JSON text cells."""
    reply = Reply(
        id="r",
        post_id="p",
        author=Author(id="u1", name="Ana"),
        extra={"k": [1, 2]},
        provenance=Provenance(source="in.txt", format="text", line=3),
    )
    out = str(tmp_path / "out")
    write_csv([reply], out)
    (row,) = list(csv.DictReader(io.StringIO(Path(out, "replies.csv").read_text(), newline="")))
    assert row["extra"] == '{"k":[1,2]}'
    assert '"name":"Ana"' in row["author"]
    assert '"line":3' in row["provenance"]


def test_reads_replies_csv_written_before_the_precision_column(tmp_path: Path) -> None:
    """A replies.csv from before created_at_precision still reads, the precision None."""
    old = tmp_path / "replies.csv"
    old.write_bytes(
        b"id,post_id,parent_id,platform,text,author,created_at,created_at_estimated,"
        b"like_count,reply_count,depth,is_pinned,is_hearted,is_edited,is_deleted,"
        b"is_removed,extra,provenance\r\n"
        b'r1,p1,,youtube,"Still here.",,2024-01-03T12:00:00Z,true,,,0,false,false,'
        b'false,false,false,"{}",\r\n'
    )
    corpus = tearcorpus.read(old)
    assert corpus.report.formats == ["tearcorpus-csv"]
    (reply,) = corpus.replies
    assert (reply.id, reply.text, reply.created_at_estimated) == ("r1", "Still here.", True)
    assert reply.created_at_precision is None
