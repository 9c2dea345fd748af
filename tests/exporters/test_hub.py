"""Hub folder: push_to_hub's layout, loadable offline by datasets.load_dataset, a real card."""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tearcorpus import (
    Platform,
    Post,
    Record,
    Reply,
    iter_records,
    read,
    sample_path,
    write_hub_folder,
)
from tearcorpus.exporters import ExportOptions, ExportResult, hub
from tearcorpus.exporters.hub.card import anonymization
from tearcorpus.schema import features

from ..conftest import SHARED_SAMPLES, with_samples

datasets = pytest.importorskip("datasets")
pytest.importorskip("huggingface_hub")

YTDLP_SAMPLE = SHARED_SAMPLES / "ytdlp" / "ytdlp_BaW_jenozKc.info.json"


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No network: the Hub and datasets run offline."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)


def _load(folder: Path, config: str | None, cache: Path) -> Any:
    return datasets.load_dataset(str(folder), config, cache_dir=str(cache))


def test_sample_loads_offline_with_all_rows(tmp_path: Path) -> None:
    """The bundled sample exported to a Hub folder loads with load_dataset, all rows."""
    out = tmp_path / "hub"
    result = write_hub_folder(read(sample_path()), str(out), languages=("en",))
    assert (result.posts, result.replies) == (1, 19)
    for config, rows in (("posts", 1), ("replies", 19), ("replies_in_context", 19)):
        dd = _load(out, config, tmp_path / "cache")
        assert sum(len(d) for d in dd.values()) == rows
        for dataset in dd.values():
            assert dataset.features == features(config)
    default = _load(out, None, tmp_path / "cache")
    assert "parent_text" in next(iter(default.values())).column_names


def test_layout_is_push_to_hub_s(tmp_path: Path) -> None:
    """Shards are <config>/<split>-0000i-of-0000n.parquet, cut by size."""
    items = [Reply(id=str(i), post_id="p", text="x" * 200) for i in range(50)]
    out = tmp_path / "hub"
    write_hub_folder(items, str(out), split_ratios=(1, 0, 0), max_shard_size=3000)
    shards = sorted(p.name for p in (out / "replies").iterdir())
    n = len(shards)
    assert n > 1
    assert shards == [f"train-{i:05d}-of-{n:05d}.parquet" for i in range(n)]
    dd = _load(out, "replies", tmp_path / "cache")
    assert sorted(dd["train"]["id"], key=int) == [str(i) for i in range(50)]
    assert not list(out.rglob(".*"))  # no spill or temporary files left


def test_card_yaml_and_body(tmp_path: Path) -> None:
    """README has configs and dataset_info per config, and the card's sections."""
    from huggingface_hub import DatasetCard

    out = tmp_path / "hub"
    corpus = read(sample_path())
    write_hub_folder(corpus, str(out), license="cc-by-4.0", pretty_name="Tears")
    text = (out / "README.md").read_text()
    card = DatasetCard(text)
    data: dict[str, Any] = card.data.to_dict()  # type: ignore[no-untyped-call]
    assert {c["config_name"] for c in data["configs"]} == {
        "posts",
        "replies",
        "replies_in_context",
    }
    info = {i["config_name"]: i for i in data["dataset_info"]}
    replies = sum(s["num_examples"] for s in info["replies"]["splits"])
    assert replies == 19
    assert data["license"] == "cc-by-4.0"
    assert data["size_categories"] == ["n<1K"]
    assert "language" not in data  # not given: not claimed
    for heading in ("## Summary", "## Statistics", "## Provenance", "## Personal information"):
        assert heading in text
    assert "no anonymisation was applied" in text
    assert anonymization(text) == "none"


def test_card_reports_anonymisation(tmp_path: Path) -> None:
    """Records whose provenance lists an anonymise transform are reported as such."""
    from tearcorpus import Provenance

    prov = Provenance(source="in", format="text", transforms=("anonymize:hmac", "scrub"))
    items: list[Record] = [Post(id="p", platform="reddit", provenance=prov)]
    items += [Reply(id="r", post_id="p", provenance=prov)]
    out = tmp_path / "hub"
    write_hub_folder(items, str(out))
    text = (out / "README.md").read_text()
    assert anonymization(text) == "all"
    assert "pseudonymised" in text
    assert "scrubbed" in text


def test_refuses_non_empty_and_bad_ratios(tmp_path: Path) -> None:
    """Non-empty output and bad split ratios are clear errors."""
    from tearcorpus import ExportError

    (tmp_path / "x").write_text("mine")
    with pytest.raises(ExportError, match="not empty"):
        write_hub_folder([], str(tmp_path))
    with pytest.raises(ExportError, match="sum to 1"):
        write_hub_folder([], str(tmp_path / "new"), split_ratios=(0.5, 0.5, 0.5))


@pytest.mark.parametrize(
    ("dump", "replies"),
    with_samples(
        [(Path(__file__).parents[1] / "data" / "ytdlp" / "ytdlp_Xq7Tz0bWc3M.info.json", 24)],
        [(YTDLP_SAMPLE, 25)],
    ),
)
def test_sample_plus_ytdlp_loads_all_replies(tmp_path: Path, dump: Path, replies: int) -> None:
    """The bundled sample and a yt-dlp dump export together and load with all replies."""
    items = list(iter_records([sample_path(), dump]))
    out = tmp_path / "hub"
    write_hub_folder(items, str(out))
    dd = _load(out, "replies", tmp_path / "cache")
    assert sum(len(d) for d in dd.values()) == replies


def _context_rows(folder: Path) -> dict[str, list[dict[str, Any]]]:
    import pyarrow.parquet as pq

    out: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((folder / "replies_in_context").iterdir()):
        out.setdefault(path.name.split("-")[0], []).extend(pq.read_table(path).to_pylist())
    return out


def _inconsistent_threads() -> tuple[list[Record], tuple[float, float, float], int]:
    # Threads spread over three splits (seed 1), with replies answering a reply of another
    # thread, an id used in two threads, and an orphan; and the thread b whose reply x1
    # answers.
    from tearcorpus.hf import assign_split

    items: list[Record] = [
        Post(id=f"p{t}", platform=Platform.REDDIT, text=f"post {t}", title=f"t{t}")
        for t in range(12)
    ]
    for t in range(12):
        items += [Reply(id=f"r{t}-{i}", post_id=f"p{t}", text=f"reply {t} {i}") for i in range(3)]
    ratios = (0.4, 0.3, 0.3)
    split = {t: assign_split(f"p{t}", 1, ratios) for t in range(12)}
    a = 0
    b, c = (next(t for t in range(12) if split[t] != split[k]) for k in (0, 1))
    items += [
        # answers a reply of another thread, in another split
        Reply(id="x1", post_id=f"p{a}", parent_id=f"r{b}-1", text="cross 1"),
        Reply(id="x2", post_id=f"p{c}", parent_id="r1-0", text="cross 2"),
        # an id used in two threads (two splits): the first is the parent everyone gets
        Reply(id="dup", post_id=f"p{b}", text="dup first"),
        Reply(id="dup", post_id=f"p{a}", text="dup second"),
        Reply(id="y1", post_id=f"p{a}", parent_id="dup", text="to dup"),
        Reply(id="y2", post_id=f"p{b}", parent_id="dup", text="to dup too"),
        Reply(id="z", post_id="p4", parent_id="missing", text="orphan"),
    ]
    return items, ratios, b


def _context_oracle(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """The replies_in_context rows of each split, made here from the folder's posts and
    replies shards (rows in order): each reply with its post's title and text (looked
    up by id) and its parent's text (the post's for a direct reply)."""
    import pyarrow.parquet as pq

    def rows(config: str) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        if (folder / config).is_dir():
            for path in sorted((folder / config).iterdir()):
                out.setdefault(path.name.split("-")[0], []).extend(pq.read_table(path).to_pylist())
        return out

    posts = {p["id"]: p for split in rows("posts").values() for p in split}
    replies = rows("replies")
    texts = {r["id"]: r["text"] for split in replies.values() for r in split}
    expected: dict[str, list[dict[str, Any]]] = {}
    for split, split_rows in replies.items():
        for reply in split_rows:
            post = posts.get(reply["post_id"])
            post_text = post["text"] if post else None
            parent = reply["parent_id"]
            author = reply["author"] or {}
            expected.setdefault(split, []).append(
                {
                    "id": reply["id"],
                    "post_id": reply["post_id"],
                    "parent_id": parent,
                    "platform": reply["platform"],
                    "post_title": post["title"] if post else None,
                    "post_text": post_text,
                    "parent_text": post_text if parent is None else texts.get(parent),
                    "text": reply["text"],
                    "author_id": author.get("id"),
                    "author_is_uploader": author.get("is_uploader") or False,
                    "created_at": reply["created_at"],
                    "like_count": reply["like_count"],
                    "depth": reply["depth"],
                }
            )
    return expected


def test_context_rows_on_inconsistent_threads(tmp_path: Path) -> None:
    """Parents in another thread (so another split), an id used twice (one record,
    merged: the later observation's text) and an orphan: each reply in context has its
    post's and its parent's text, wherever they are, as to_dataset_dicts has them."""
    from tearcorpus.hf import to_dataset_dicts

    items, ratios, b = _inconsistent_threads()
    write_hub_folder(items, str(tmp_path / "hub"), split_ratios=ratios, seed=1)
    got = _context_rows(tmp_path / "hub")
    assert len(got) >= 2  # the threads really are spread over splits
    assert got == _context_oracle(tmp_path / "hub")
    expected = to_dataset_dicts(items, split_ratios=ratios, seed=1)["replies_in_context"]
    for name, rows in got.items():
        assert rows == expected[name].to_list()
    parents = {r["id"]: r["parent_text"] for rows in got.values() for r in rows}
    assert parents["x1"] == f"reply {b} 1"
    assert parents["x2"] == "reply 1 0"
    assert parents["y1"] == parents["y2"] == "dup second"
    assert parents["z"] is None


@pytest.mark.parametrize(("chunk", "buckets", "scatter"), [(1, 1, 1), (2, 2, 3), (3, 128, 2)])
def test_context_rows_same_for_any_chunking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, buckets: int, scatter: int
) -> None:
    """The join's rows do not depend on how many ids of another split it looks up at a
    time, how many bucket files it fetches texts through, or how many rows it copies at
    a time (here with record batches of 4 rows: several per split)."""
    from tearcorpus import Corpus
    from tearcorpus.exporters.hub import join
    from tearcorpus.hf import record_batches

    threads, ratios, _ = _inconsistent_threads()
    items = list(Corpus(threads))  # one record per id, as the writers give the batches
    monkeypatch.setattr(join, "ID_CHUNK_ROWS", chunk)
    monkeypatch.setattr(join, "MAX_BUCKETS", buckets)
    monkeypatch.setattr(join, "SCATTER_ROWS", scatter)
    batches = [
        pair
        for start in range(0, len(items), 4)
        for pair in record_batches(items[start : start + 4])
    ]
    folder = tmp_path / "hub"
    _export_batches(batches, str(folder), ExportOptions(split_ratios=ratios, seed=1))
    assert _context_rows(folder) == _context_oracle(folder)


def _export_batches(
    batches: Any, outdir: str, options: ExportOptions, *, overlap: bool = False
) -> ExportResult:
    """A Hub folder export fed Arrow batches (as --workers feeds it)."""
    writer = hub.open(outdir, options, overlap=overlap)
    try:
        for table, batch in batches:
            writer.write_batch(table, batch)
    except BaseException:
        writer.abort()
        raise
    return writer.close()


def _folder_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("corpus", ["sample", "inconsistent"])
def test_overlapped_export_writes_the_same_files(tmp_path: Path, corpus: str) -> None:
    """Shards written by a second thread, the join streamed to it, give the same bytes."""
    from tearcorpus.exporters._base import ExportOptions
    from tearcorpus.hf import record_batches

    if corpus == "sample":
        items, ratios = list(iter_records(sample_path())), (0.8, 0.1, 0.1)
    else:
        items, ratios, _ = _inconsistent_threads()
    # Small shards: several per split, each its own row groups.
    options = ExportOptions(split_ratios=ratios, seed=1, max_shard_size=700)
    folders = {}
    for overlap in (False, True):
        folder = tmp_path / f"hub-{overlap}"
        _export_batches(record_batches(items), str(folder), options, overlap=overlap)
        folders[overlap] = _folder_bytes(folder)
    assert any("-00001-of-" in name for name in folders[False])
    assert folders[True] == folders[False]


class _Steps:
    """Records what an export shows as progress (a real display's interface)."""

    def __init__(self) -> None:
        self.bars: list[tuple[str, int, str]] = []
        self.counts: list[int] = []
        self.closed = 0

    def __call__(self, desc: str, total: int, unit: str) -> _Steps:
        self.bars.append((desc, total, unit))
        return self

    def update(self, n: int = 1) -> None:
        self.counts.append(n)

    def close(self) -> None:
        self.closed += 1


@pytest.mark.parametrize("overlap", [False, True])
def test_writing_shows_progress_in_rows(tmp_path: Path, overlap: bool) -> None:
    """After the records are read, one progress display counts the rows written to the
    three configs (posts, replies, and the replies again with their context), to the end."""
    from tearcorpus.exporters._base import ExportOptions
    from tearcorpus.hf import record_batches

    items = list(iter_records(sample_path()))
    steps = _Steps()
    options = ExportOptions(seed=1, max_shard_size=700, progress=steps)
    result = _export_batches(record_batches(items), str(tmp_path / "hub"), options, overlap=overlap)
    total = result.posts + 2 * result.replies
    assert steps.bars == [("writing the Hub folder", total, " rows")]
    assert sum(steps.counts) == total == 39
    assert steps.closed == 1


@pytest.mark.parametrize("max_shard_size", [700, 3_000, 20_000, 10**9])
def test_shards_are_cut_by_size_in_row_order(tmp_path: Path, max_shard_size: int) -> None:
    """Each split is cut into num_bytes // max_shard_size + 1 contiguous shards (at most a
    shard per row) whose rows differ by one at most, the first ones larger; read in name
    order they hold the split's rows in record order."""
    import pyarrow.parquet as pq
    from huggingface_hub import DatasetCard

    from tearcorpus.hf import assign_split

    items: list[Record] = [Post(id=f"p{t}", platform="reddit", text=f"post {t}") for t in range(6)]
    items += [Reply(id=f"r{i}", post_id=f"p{i % 6}", text="x" * (i % 50)) for i in range(300)]
    ratios = (0.5, 0.25, 0.25)
    out = tmp_path / "hub"
    write_hub_folder(items, str(out), split_ratios=ratios, max_shard_size=max_shard_size)
    card = DatasetCard((out / "README.md").read_text())
    data: dict[str, Any] = card.data.to_dict()  # type: ignore[no-untyped-call]
    for info in data["dataset_info"]:
        config = info["config_name"]
        for split in info["splits"]:
            name, rows, nbytes = split["name"], split["num_examples"], split["num_bytes"]
            shards = sorted((out / config).glob(f"{name}-*.parquet"))
            count = min(rows, nbytes // max_shard_size + 1)
            assert [s.name for s in shards] == [
                f"{name}-{i:05d}-of-{count:05d}.parquet" for i in range(count)
            ]
            sizes = [pq.ParquetFile(s).metadata.num_rows for s in shards]
            assert sum(sizes) == rows
            assert sizes == sorted(sizes, reverse=True)
            assert max(sizes) - min(sizes) <= 1
            ids = [i for s in shards for i in pq.read_table(s, columns=["id"])["id"].to_pylist()]
            kind = Post if config == "posts" else Reply
            expected = [
                r.id
                for r in items
                if type(r) is kind
                and assign_split(r.id if isinstance(r, Post) else r.post_id, 0, ratios) == name
            ]
            assert ids == expected
    if max_shard_size == 700:
        assert len(list((out / "replies").iterdir())) > 3


def test_shards_are_what_datasets_writes(tmp_path: Path) -> None:
    """Each shard holds what Dataset.to_parquet writes for the same rows: the same table
    and Features, the same column chunks (codec, encodings, size, page index) and the
    same footer keys."""
    import pyarrow.parquet as pq

    out = tmp_path / "hub"
    write_hub_folder(read(sample_path()), str(out), max_shard_size=2_000)
    shards = sorted(out.rglob("*.parquet"))
    assert len(shards) > 3
    for shard in shards:
        config = shard.parent.name
        table = pq.read_table(shard)
        info = datasets.DatasetInfo(features=features(config))
        theirs = tmp_path / "theirs.parquet"
        datasets.Dataset(datasets.table.InMemoryTable(table), info=info).to_parquet(str(theirs))
        ours_meta, their_meta = pq.ParquetFile(shard).metadata, pq.ParquetFile(theirs).metadata
        assert pq.read_table(theirs).equals(table, check_metadata=True)
        assert ours_meta.metadata == their_meta.metadata  # Arrow schema, Features, chunking
        assert ours_meta.num_row_groups == their_meta.num_row_groups == 1
        for index in range(ours_meta.num_columns):
            ours, theirs_column = (
                ours_meta.row_group(0).column(index),
                their_meta.row_group(0).column(index),
            )
            for attribute in (
                "path_in_schema",
                "compression",
                "encodings",
                "total_compressed_size",
                "has_offset_index",
                "has_column_index",
            ):
                assert getattr(ours, attribute) == getattr(theirs_column, attribute), attribute
            assert ours.compression == "SNAPPY"
            assert ours.has_offset_index


class _FullDisk(io.FileIO):
    """A file on a disk with *room* bytes left (shared by every file of a test)."""

    room: ClassVar[list[int]] = [0]

    def write(self, data: Any) -> int:
        size = len(memoryview(data))
        if size > self.room[0]:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room[0] -= size
        return super().write(data)


@pytest.fixture
def full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder whose files hold 6,000 bytes in all, unbuffered: writing a shard fails."""
    real_fdopen = os.fdopen
    out = tmp_path / "hub"
    _FullDisk.room[0] = 6_000

    def fdopen(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if mode == "wb" and os.readlink(f"/proc/self/fd/{fd}").startswith(str(out)):
            return _FullDisk(fd, "wb")
        return real_fdopen(fd, mode, *args, **kwargs)

    monkeypatch.setattr(os, "fdopen", fdopen)
    return out


@pytest.mark.parametrize("overlap", [False, True])
def test_a_full_disk_stops_the_export(full_disk: Path, overlap: bool) -> None:
    """A shard write that fails (in the writer thread too) is raised, the progress
    display is closed, and nothing is left behind."""
    from tearcorpus.hf import record_batches

    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc/self/fd")
    steps = _Steps()
    options = ExportOptions(progress=steps, max_shard_size=2_000)
    batches = record_batches(iter_records(sample_path()))
    with pytest.raises(OSError, match="No space left"):
        _export_batches(batches, str(full_disk), options, overlap=overlap)
    assert _FullDisk.room[0] < 6_000  # the disk was written to
    assert steps.closed == 1
    assert not full_disk.exists()
