"""The plain-text dump parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tearcorpus
from tearcorpus import InputError, Post, Reply, TearcorpusError

from ..conftest import SHARED_SAMPLES, with_samples

REPLIES = [
    "Same here. Happy tears are still tears.",
    "My grandmother cried at every ceremony.\n\nShe said joy needs somewhere to go.",
    "👩‍👩‍👧‍👦 family weddings are the worst (best?) for this",
    "مرحبا — أبكي في الأعراس أيضاً",
    "Line with trailing spaces\nand a tab after it",
    "Last one, no final newline",
]


def _replies(corpus: tearcorpus.Corpus) -> list[str]:
    return [r.text for r in corpus.replies]


def test_bundled_sample_gives_one_post_and_19_replies() -> None:
    """The reference dump reads as 1 post and 19 replies, with nothing rejected."""
    corpus = tearcorpus.read(tearcorpus.sample_path())
    assert len(corpus.posts) == 1
    assert len(corpus.replies) == 19
    assert corpus.report.rejected == 0
    post = corpus.posts[0]
    assert post.title == "Therapist Answers 'Do You Cry in Session?' and 'Is Crying Good for You?'"
    assert post.text.startswith("Sometimes I get asked “Do you cry in session?")
    assert "\n\nI remember one time" in post.text  # single blank lines stay in the body
    assert corpus.replies[-1].text.startswith("I used to bury my emotions.")
    assert all(r.parent_id is None and r.post_id == post.id for r in corpus.replies)


def test_title_body_and_blocks(data_dir: Path) -> None:
    """Title is the first line, the body the rest of the first block, replies the blocks."""
    corpus = tearcorpus.read(data_dir / "text" / "weddings.txt")
    (post,) = corpus.posts
    assert post.title == "Why do I tear up at weddings?"
    assert post.text == "I never cry at sad films, but every wedding gets me.\n\nIs that common?"
    assert _replies(corpus) == REPLIES


@pytest.mark.parametrize("variant", ["weddings-bom-crlf.txt", "weddings-cr.txt"])
def test_line_endings_and_bom_give_the_same_records(data_dir: Path, variant: str) -> None:
    """A BOM, CRLF or lone-CR line endings change nothing: same records, same ids."""
    plain = tearcorpus.read(data_dir / "text" / "weddings.txt")
    other = tearcorpus.read(data_dir / "text" / variant)
    assert list(other) == list(plain)


def test_reference_dump_with_bom_and_crlf(tmp_path: Path) -> None:
    """The reference dump saved with a BOM and CRLF gives the same records."""
    original = tearcorpus.sample_path().read_bytes()
    variant = tmp_path / "crlf.txt"
    variant.write_bytes(b"\xef\xbb\xbf" + original.replace(b"\n", b"\r\n"))
    assert list(tearcorpus.read(variant)) == list(tearcorpus.read(tearcorpus.sample_path()))


def test_whitespace_only_lines_count_as_blank(data_dir: Path) -> None:
    """Lines of spaces and tabs separate blocks like empty lines do."""
    corpus = tearcorpus.read(data_dir / "text" / "whitespace-separators.txt")
    assert _replies(corpus) == REPLIES[:2]


@pytest.mark.parametrize(
    ("path", "replies", "end"),
    with_samples(
        [(Path(__file__).parents[1] / "data" / "text" / "weddings-bom-crlf.txt", 6, None)],
        [(SHARED_SAMPLES / "text" / "edge-cases.txt", 5, "&amp; stays literal here.")],
    ),
)
def test_shared_edge_cases_sample(path: Path, replies: int, end: str | None) -> None:
    """Edge cases of the text format (CRLF and a BOM in ours; 4-blank gaps, whitespace
    lines and CRLF in the shared sample) read as one post and their replies."""
    corpus = tearcorpus.read(path)
    assert len(corpus.posts) == 1
    assert len(corpus.replies) == replies
    assert all("\r" not in r.text for r in corpus.replies)
    if end is not None:
        assert corpus.replies[-1].text.endswith(end)


def test_ids_are_stable_and_content_derived(data_dir: Path, tmp_path: Path) -> None:
    """Ids depend on content only: a copy elsewhere has the same ids; a new reply adds one id."""
    first = tearcorpus.read(data_dir / "text" / "weddings.txt")
    copy = tmp_path / "elsewhere.txt"
    copy.write_bytes((data_dir / "text" / "weddings.txt").read_bytes() + b"\n\n\nOne more.")
    second = tearcorpus.read(copy)
    assert [r.id for r in second.replies][:6] == [r.id for r in first.replies]
    assert len({r.id for r in second.replies}) == 7
    assert all(r.id.startswith("txt-") for r in second.replies)


def test_repeated_reply_text_gets_distinct_ids(tmp_path: Path) -> None:
    """Two identical replies are both kept, with different ids, and noted."""
    path = tmp_path / "dupes.txt"
    path.write_text("T\n\nbody\n\n\nsame\n\n\nsame\n", encoding="utf-8")
    corpus = tearcorpus.read(path)
    assert [r.text for r in corpus.replies] == ["same", "same"]
    assert corpus.replies[0].id != corpus.replies[1].id
    assert corpus.report.notes["repeated-text"] == 1


def test_provenance_locates_blocks(data_dir: Path) -> None:
    """Each record says which file and line it started on."""
    corpus = tearcorpus.read(data_dir / "text" / "weddings.txt")
    assert corpus.posts[0].provenance is not None
    assert corpus.posts[0].provenance.line == 1
    lines = [r.provenance.line for r in corpus.replies if r.provenance is not None]
    assert lines == [8, 12, 18, 22, 26, 31]
    assert corpus.replies[0].provenance is not None
    assert corpus.replies[0].provenance.format == "text"


def test_other_encodings_on_request(data_dir: Path) -> None:
    """cp1252 text fails as UTF-8 with a located hint, and reads with encoding='cp1252'."""
    path = data_dir / "text" / "cp1252.txt"
    with pytest.raises(InputError) as info:
        tearcorpus.read(path)
    assert info.value.line == 1
    assert "--encoding" in str(info.value)
    corpus = tearcorpus.read(path, encoding="cp1252")
    assert corpus.posts[0].title == "Café title"
    assert corpus.posts[0].text == "Body with “smart quotes”"
    assert _replies(corpus) == ["A reply — naïve"]


def test_utf16_with_bom_is_detected(data_dir: Path, tmp_path: Path) -> None:
    """A UTF-16 file with its BOM (Notepad's "Unicode") reads without options."""
    text = (data_dir / "text" / "weddings.txt").read_text(encoding="utf-8")
    path = tmp_path / "u16.txt"
    path.write_bytes(text.encode("utf-16"))
    assert list(tearcorpus.read(path)) == list(tearcorpus.read(data_dir / "text" / "weddings.txt"))


@pytest.mark.parametrize(
    "title", ["[Video] Why I cry", "{draft} notes", "[2024] crying, again", "[1] first"]
)
def test_bracketed_titles_are_still_text(tmp_path: Path, title: str) -> None:
    """A title starting with a bracket is detected as a text dump, not JSON."""
    path = tmp_path / "dump.txt"
    path.write_text(f"{title}\n\nbody\n\n\nreply\n", encoding="utf-8")
    corpus = tearcorpus.read(path)
    assert corpus.report.formats == ["text"]
    assert corpus.posts[0].title == title


def test_whitespace_only_file_is_an_input_error(data_dir: Path) -> None:
    """A file of blank lines is refused with a clear error naming it."""
    with pytest.raises(InputError, match="only whitespace"):
        tearcorpus.read(data_dir / "text" / "only-whitespace.txt")


_line = st.text(
    st.characters(exclude_categories=["Cs", "Cc", "Zl", "Zp"]), min_size=1, max_size=40
).filter(lambda s: s.strip(" \t") == s and s.strip() != "")
_paragraph = st.lists(_line, min_size=1, max_size=3).map("\n".join)
_block = st.lists(_paragraph, min_size=1, max_size=3).map("\n\n".join)


@given(
    title=_line,
    body=st.lists(_paragraph, max_size=3).map("\n\n".join),
    replies=st.lists(_block, max_size=6),
    gaps=st.lists(st.integers(min_value=2, max_value=5), min_size=7, max_size=7),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    bom=st.booleans(),
)
def test_blocks_round_trip(
    tmp_path_factory: pytest.TempPathFactory,
    title: str,
    body: str,
    replies: list[str],
    gaps: list[int],
    newline: str,
    bom: bool,
) -> None:
    """Any dump built from blocks and 2+ blank-line gaps parses back into those blocks."""
    head = title + ("\n\n" + body if body else "")
    parts = [head]
    for i, reply in enumerate(replies):
        parts.append("\n" * (gaps[i] + 1) + reply)
    text = "".join(parts).replace("\n", newline)
    path = tmp_path_factory.mktemp("rt") / "dump.txt"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    corpus = tearcorpus.read(path, format="text")  # a title such as "[" is JSON-like
    (post,) = corpus.posts
    assert isinstance(post, Post)
    assert post.title == title
    assert post.text == body
    assert [r.text for r in corpus.replies] == replies
    assert all(isinstance(r, Reply) for r in corpus.replies)


@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_our_errors(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    """Whatever the bytes, reading as text raises nothing but tearcorpus errors."""
    path = tmp_path_factory.mktemp("junk") / "dump.txt"
    path.write_bytes(data)
    try:
        corpus = tearcorpus.read(path, format="text")
    except TearcorpusError:
        return
    assert len(corpus.posts) == 1
