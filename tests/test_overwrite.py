"""--overwrite replaces: an output folder holds what the last run wrote, nothing older."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tearcorpus import (
    Author,
    ExportError,
    Post,
    Reply,
    write_csv,
    write_hub_folder,
    write_jsonl,
    write_parquet,
)
from tearcorpus.model import Record
from tearcorpus.publish import check_hub_folder
from tearcorpus.transforms import anonymize

KEY = "0123456789abcdef-overwrite-test-key"


def _records(threads: int = 30, replies: int = 12) -> list[Record]:
    """A corpus with real-looking author names (what must not leak)."""
    out: list[Record] = []
    for t in range(threads):
        out.append(
            Post(
                id=f"p{t}",
                platform="reddit",
                title=f"Thread {t}",
                text=f"Why do I cry at films? ({t})",
                author=Author(id=f"t2_op{t}", name=f"RealPerson{t}"),
            )
        )
        for r in range(replies):
            out.append(
                Reply(
                    id=f"p{t}r{r}",
                    post_id=f"p{t}",
                    parent_id=None if r == 0 else f"p{t}r{r - 1}",
                    text=f"Reply {r} in thread {t}: me too, every time. " * 3,
                    author=Author(id=f"t2_u{t}_{r}", name=f"Named Person {t}-{r}"),
                )
            )
    return out


def _tree(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_hub_overwrite_drops_the_earlier_runs_extra_shards(tmp_path: Path) -> None:
    """An anonymised export over a larger, identifiable one keeps none of its shards."""
    datasets = pytest.importorskip("datasets")
    out = tmp_path / "hub"
    first = write_hub_folder(_records(), str(out), max_shard_size=4_000)
    assert any("-of-00001" not in f for f in first.files if f.endswith(".parquet"))
    second = write_hub_folder(
        list(anonymize(_records(), key=KEY)), str(out), overwrite=True, max_shard_size=10**9
    )
    written = {os.path.relpath(f, out).replace(os.sep, "/") for f in second.files}
    assert _tree(out) == written
    assert not any("Named Person" in p.read_text("latin-1") for p in out.rglob("*.parquet"))
    # What is left loads with the card's split sizes, and publishes.
    loaded = datasets.load_dataset(str(out), "replies")
    assert sum(len(split) for split in loaded.values()) == 30 * 12
    _, files = check_hub_folder(str(out))
    assert set(files) == written


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (write_jsonl, write_csv),
        (write_csv, write_parquet),
        (write_parquet, write_jsonl),
        (write_hub_folder, write_jsonl),
        (write_jsonl, write_hub_folder),
    ],
)
def test_overwrite_removes_every_file_of_the_earlier_export(
    tmp_path: Path, before: object, after: object
) -> None:
    """Any exporter over any other: only the new export's files remain (and a user's note)."""
    out = tmp_path / "out"
    before(_records(3, 2), str(out))  # type: ignore[operator]
    (out / "notes.txt").write_text("the user's own file")
    result = after(_records(2, 1), str(out), overwrite=True)  # type: ignore[operator]
    written = {os.path.relpath(f, out).replace(os.sep, "/") for f in result.files}
    assert _tree(out) == written | {"notes.txt"}
    assert (out / "notes.txt").read_text() == "the user's own file"
    assert {p.name for p in out.iterdir() if p.is_dir()} <= {
        "posts",
        "replies",
        "replies_in_context",
        "images",  # the card's charts
    }


def test_overwrite_of_a_table_with_no_records_removes_the_old_one(tmp_path: Path) -> None:
    """A JSONL export with no posts over one with posts leaves no old posts.jsonl."""
    out = tmp_path / "out"
    write_jsonl(_records(2, 2), str(out))
    replies_only = [r for r in _records(2, 2) if isinstance(r, Reply)]
    write_jsonl(replies_only, str(out), overwrite=True)
    assert _tree(out) == {"replies.jsonl", "manifest.json"}


def test_overwrite_refuses_a_foreign_file_among_the_shards(tmp_path: Path) -> None:
    """A file tearcorpus did not write, in a Hub config folder, stops the overwrite by name."""
    pytest.importorskip("pyarrow")
    out = tmp_path / "hub"
    write_hub_folder(_records(3, 2), str(out))
    (out / "replies" / "mine.parquet").write_bytes(b"the user's")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(ExportError, match=r"replies/mine\.parquet was not written by tearcorpus"):
        write_hub_folder(_records(1, 1), str(out), overwrite=True)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_overwrite_never_removes_a_foreign_manifest_or_readme(tmp_path: Path) -> None:
    """A README.md or manifest.json that is not ours is kept when this run does not write it."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "README.md").write_text("# my notes\n")
    write_parquet(_records(1, 1), str(out), overwrite=True)
    assert (out / "README.md").read_text() == "# my notes\n"
    out2 = tmp_path / "out2"
    out2.mkdir()
    (out2 / "manifest.json").write_text('{"format": "someone-elses"}')
    write_hub_folder(_records(1, 1), str(out2), overwrite=True)
    assert (out2 / "manifest.json").read_text() == '{"format": "someone-elses"}'
