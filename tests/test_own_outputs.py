"""Reading our own outputs back: JSONL, CSV and Parquet export folders, a Hub folder, and
their files (manifest.json and the card are recognised and skipped with a note)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

import tearcorpus
from tearcorpus import MissingDependencyError, Record

SAMPLE = tearcorpus.sample_path()


def _by_id(records: list[Record]) -> dict[tuple[str, str], tuple[Record, object]]:
    """Records keyed by kind and id, with their provenance (equality leaves it out)."""
    return {(type(r).__name__, r.id): (r, r.provenance) for r in records}


def _writers() -> dict[str, Callable[[tearcorpus.Corpus, str], object]]:
    return {
        "jsonl": lambda corpus, out: tearcorpus.write_jsonl(corpus, out),
        "csv": lambda corpus, out: tearcorpus.write_csv(corpus, out),
        "parquet": lambda corpus, out: tearcorpus.write_parquet(corpus, out),
    }


@pytest.mark.parametrize("kind", ["jsonl", "csv", "parquet"])
def test_export_folder_reads_back_equal(tmp_path: Path, kind: str) -> None:
    """An export folder, given as the folder or as its files, reads back the same records."""
    if kind == "parquet":
        pytest.importorskip("pyarrow")
    original = tearcorpus.read(SAMPLE)
    out = tmp_path / kind
    _writers()[kind](original, str(out))
    expected = _by_id(list(original))
    for given in (out, sorted(out.iterdir())):
        corpus = tearcorpus.read(given)
        assert _by_id(list(corpus)) == expected
        assert (len(corpus.posts), len(corpus.replies)) == (1, 19)
        assert corpus.report.rejected == 0
        assert corpus.report.notes == {"manifest-skipped": 1}
        manifest = corpus.report.sources[0]
        assert (manifest.source, manifest.format) == (str(out / "manifest.json"), "manifest")


def test_hub_folder_reads_back_equal(tmp_path: Path) -> None:
    """A Hub folder gives its posts and replies configs' records; the derived config and
    the card are skipped (with notes when given as files)."""
    pytest.importorskip("pyarrow")
    original = tearcorpus.read(SAMPLE)
    out = tmp_path / "hub"
    tearcorpus.write_hub_folder(original, str(out), split_ratios=(0.5, 0.25, 0.25))
    assert (out / "replies_in_context").is_dir()
    expected = _by_id(list(original))
    corpus = tearcorpus.read(out)
    assert _by_id(list(corpus)) == expected
    assert {s.format for s in corpus.report.sources} == {"parquet"}
    assert all("replies_in_context" not in s.source for s in corpus.report.sources)
    files = sorted(out.iterdir())  # README.md and the three config folders
    corpus = tearcorpus.read(files)
    assert _by_id(list(corpus)) == expected
    notes = corpus.report.notes
    assert notes["card-skipped"] == 1
    assert notes["derived-table-skipped"] >= 1
    assert corpus.report.rejected == 0


def test_inspect_on_an_output_folder_glob(tmp_path: Path) -> None:
    """``tearcorpus inspect out/*`` on a Parquet export succeeds with the right counts."""
    pytest.importorskip("pyarrow")
    out = tmp_path / "pq"
    tearcorpus.write_parquet(tearcorpus.read(SAMPLE), str(out))
    files = [str(p) for p in sorted(out.iterdir())]
    proc = subprocess.run(
        [sys.executable, "-m", "tearcorpus", "inspect", "--json", *files],
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    info = orjson.loads(proc.stdout)
    assert (info["posts"], info["replies"], info["rejected"]) == (1, 19, 0)
    assert info["formats"] == ["manifest", "parquet"]
    assert info["notes"] == {"manifest-skipped": 1}


def test_parquet_without_pyarrow_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading Parquet without pyarrow raises MissingDependencyError naming the hf extra."""
    pytest.importorskip("pyarrow")
    out = tmp_path / "pq"
    tearcorpus.write_parquet(tearcorpus.read(SAMPLE), str(out))
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(MissingDependencyError, match=r"tearcorpus\[hf\]"):
        tearcorpus.read(out / "replies.parquet")


def test_foreign_parquet_is_a_format_error(tmp_path: Path) -> None:
    """A Parquet file that is not one of our tables is refused with one clear error."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "other.parquet"
    pq.write_table(pa.table({"x": [1, 2, 3]}), path)
    with pytest.raises(tearcorpus.FormatError, match="not a tearcorpus posts or replies table"):
        tearcorpus.read(path)


def test_parquet_rows_that_are_no_records_are_rejected(tmp_path: Path) -> None:
    """A replies table whose ``extra`` cell is no JSON, or whose ``extra`` column holds no
    text at all, gives located ``invalid-record`` rejections; the counts add up."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    tearcorpus.write_parquet(tearcorpus.read(SAMPLE), str(tmp_path / "out"))
    table = pq.read_table(tmp_path / "out" / "replies.parquet")
    column = table.schema.get_field_index("extra")
    texts = table.column("extra").to_pylist()
    broken = table.set_column(column, "extra", pa.array(["{", *texts[1:]], pa.string()))
    pq.write_table(broken, tmp_path / "broken.parquet")
    numbers = table.set_column(column, "extra", pa.array(range(len(texts)), pa.int64()))
    pq.write_table(numbers, tmp_path / "numbers.parquet")

    corpus = tearcorpus.read(tmp_path / "broken.parquet")
    (report,) = corpus.report.sources
    assert (report.read, report.replies, report.rejected) == (19, 18, 1)
    assert report.rejected_by_reason == {"invalid-record": 1}
    assert report.errors[0].index == 0

    corpus = tearcorpus.read(tmp_path / "numbers.parquet")
    (report,) = corpus.report.sources
    assert (report.read, report.replies, report.rejected) == (19, 0, 19)
    assert report.rejected_by_reason == {"invalid-record": 19}
    assert [error.index for error in report.errors[:3]] == [0, 1, 2]
    assert "extra: expected JSON text, not int" in str(report.errors[0])


def test_inspect_stays_free_of_pyarrow() -> None:
    """Inspecting a text dump does not import pyarrow (the Parquet reader is lazy)."""
    code = (
        "import sys\n"
        "from tearcorpus.cli import main\n"
        f"main(['inspect', {str(SAMPLE)!r}])\n"
        "print('pyarrow' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "False"


def test_other_folders_are_still_refused(tmp_path: Path) -> None:
    """A folder that is no output of ours still gives the 'is a directory' error."""
    (tmp_path / "notes.txt").write_text("hello\n")
    with pytest.raises(tearcorpus.InputError, match="is a directory"):
        tearcorpus.read(tmp_path)


@pytest.mark.parametrize("manifest", [b"[1, 2]", b'"tearcorpus-jsonl"', b"null", b"{broken"])
def test_a_folder_with_a_manifest_not_ours_is_refused_as_a_folder(
    tmp_path: Path, manifest: bytes
) -> None:
    """A ``manifest.json`` that is not a JSON object (or not JSON) is no manifest of ours:
    the folder gets the 'is a directory' error, not a crash."""
    (tmp_path / "manifest.json").write_bytes(manifest)
    with pytest.raises(tearcorpus.InputError, match="is a directory"):
        tearcorpus.read(tmp_path)
