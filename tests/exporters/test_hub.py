"""Hub folder: push_to_hub's layout, loadable offline by datasets.load_dataset, a real card."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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
from tearcorpus.card import anonymization
from tearcorpus.exporters import ExportOptions, ExportResult, hub
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


def test_context_matches_whole_corpus_join_on_inconsistent_threads(tmp_path: Path) -> None:
    """Parents in another thread (so another split) and ids used twice are resolved as the
    whole-corpus join (hf.to_dataset_dicts) resolves them: an id used twice is one record,
    merged (the later observation's text)."""
    from tearcorpus.hf import to_dataset_dicts

    items, ratios, b = _inconsistent_threads()
    write_hub_folder(items, str(tmp_path / "hub"), split_ratios=ratios, seed=1)
    got = _context_rows(tmp_path / "hub")
    expected = to_dataset_dicts(items, split_ratios=ratios, seed=1)["replies_in_context"]
    assert len(got) >= 2  # the threads really are spread over splits
    for name, rows in got.items():
        assert rows == expected[name].to_list()
    parents = {r["id"]: r["parent_text"] for rows in got.values() for r in rows}
    assert parents["x1"] == f"reply {b} 1"
    assert parents["x2"] == "reply 1 0"
    assert parents["y1"] == parents["y2"] == "dup second"
    assert parents["z"] is None


@pytest.mark.parametrize("config", ["posts", "replies", "replies_in_context"])
def test_shard_writer_settings_are_datasets_own(config: str) -> None:
    """The Parquet writer settings reproduced for our Features are those datasets computes."""
    from datasets import config as ds_config
    from datasets.arrow_writer import (
        get_parquet_column_options,
        get_writer_batch_size_from_data_size,
        get_writer_batch_size_from_features,
    )
    from datasets.utils.py_utils import convert_file_size_to_int

    from tearcorpus.exporters._hubstream import (
        CDC_OPTIONS,
        DATASETS_ROW_GROUP_BYTES,
        parquet_column_options,
    )

    feats = features(config)
    assert get_writer_batch_size_from_features(feats) is None
    assert CDC_OPTIONS == ds_config.DEFAULT_CDC_OPTIONS
    assert convert_file_size_to_int(ds_config.MAX_ROW_GROUP_SIZE) == DATASETS_ROW_GROUP_BYTES
    assert get_writer_batch_size_from_data_size(1000, 123_456) == max(
        1, 1000 * DATASETS_ROW_GROUP_BYTES // 123_456
    )
    schema = feats.arrow_schema
    assert parquet_column_options(schema) == get_parquet_column_options(feats, schema)


def test_shards_are_written_without_importing_datasets(tmp_path: Path) -> None:
    """The Hub folder, shards and card, is written without importing datasets."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from tearcorpus import read, sample_path\n"
        "import tearcorpus.card as card\n"
        "render = card.render_card\n"
        "def spy(*args, **kwargs):\n"
        "    assert 'datasets' not in sys.modules, 'datasets imported before the card'\n"
        "    return render(*args, **kwargs)\n"
        "card.render_card = spy\n"
        "from tearcorpus import write_hub_folder\n"
        f"write_hub_folder(read(sample_path()), {str(tmp_path / 'hub')!r})\n"
        "assert 'datasets' not in sys.modules\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "hub" / "replies").iterdir())) == 1


@pytest.mark.parametrize("chunk", [1, 2, 3, 1000])
def test_foreign_parents_same_for_any_id_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """Parents in other splits, looked up a chunk of ids at a time, are the first by input
    order (here an id used in all three splits, and ids in two batches of a split)."""
    import numpy as np
    import pyarrow as pa

    from tearcorpus.exporters import _hubstream

    monkeypatch.setattr(_hubstream, "ID_CHUNK_ROWS", chunk)
    schema = pa.schema([("id", pa.string()), ("text", pa.string())])
    # Input order of the replies, with each one's split.
    order = [("a", 1), ("dup", 1), ("b", 0), ("dup", 0), ("c", 2), ("dup", 2), ("d", 2)]
    order += [("dup", 1), ("a", 1)]
    paths = {}
    for number in range(3):
        part = _hubstream.SplitFile(str(tmp_path / f"r{number}.arrow"), schema)
        rows = [(i, name) for i, (name, s) in enumerate(order) if s == number]
        for i, name in rows:  # a batch per row: several batches per file
            part.add(pa.table({"id": [name], "text": [f"{name}@{i}"]}, schema=schema))
        part.close()
        paths[number] = part.path
    splits = np.array([s for _, s in order], dtype=np.int8)
    keys = pa.array(["dup", "a", "d", None, "b", "zzz"])
    found = _hubstream._foreign_parents(keys, 0, paths, splits)
    assert found is not None
    rows, texts = found
    assert rows.tolist() == [0, 1, 2]
    assert texts.to_pylist() == ["dup@1", "a@0", "d@6"]
    assert _hubstream._foreign_parents(pa.array(["b", None]), 0, paths, splits) is None


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


def test_context_join_is_sized_before_it_runs(tmp_path: Path) -> None:
    """ContextJoin.nbytes, from text lengths alone, is the sum of its batches' nbytes."""
    from tearcorpus.exporters._hubstream import ContextJoin, SplitRouter, context_nbytes
    from tearcorpus.hf import SPLITS, record_batches

    items, ratios, _ = _inconsistent_threads()
    router = SplitRouter(str(tmp_path), seed=1, ratios=ratios)
    for start in range(0, len(items), 5):  # batches of a few rows: several per split
        for table, batch in record_batches(items[start : start + 5]):
            router.add(table, batch)
    router.close()
    replies = {SPLITS.index(s): f.path for s, f in router.files["replies"].items()}
    checked = 0
    for split, part in router.files["replies"].items():
        join = ContextJoin(
            router.files["posts"][split],
            part,
            str(tmp_path),
            split=SPLITS.index(split),
            all_replies=replies,
            reply_splits=router.reply_splits(),
        )
        expected = join.nbytes(
            router.reply_chars[split], router.text_lengths[split], router.source_nulls[split]
        )
        batches = list(join.batches())
        nulls = router.source_nulls[split]
        assert len(batches) == len(nulls) > 1
        assert expected == sum(context_nbytes(b, n) for b, n in zip(batches, nulls, strict=True))
        checked += join.foreign is not None
    assert checked  # a split with parents in another split was sized too


def test_cut_rows_gives_each_range_its_rows() -> None:
    """Contiguous row ranges cut from one pass over batches (one empty) hold their rows."""
    import pyarrow as pa

    from tearcorpus.exporters._hubstream import cut_rows, shard_ranges

    sizes = [3, 0, 5, 1, 4]
    values = list(range(sum(sizes)))
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    batches = [
        pa.record_batch([pa.array(values[s : s + n])], names=["v"])
        for s, n in zip(starts, sizes, strict=True)
    ]
    for shards in (1, 2, 3, 5, 13):
        ranges = shard_ranges(len(values), shards)
        got = [
            [v for table in tables for v in table.column("v").to_pylist()]
            for tables in cut_rows(batches, ranges)
        ]
        assert got == [values[start:end] for start, end in ranges]


def test_feed_stops_when_its_consumer_fails() -> None:
    """A writer that fails stops the feed (no deadlock) and its error is raised."""
    from concurrent.futures import ThreadPoolExecutor

    from tearcorpus.exporters._hubstream import Feed

    def consume(feed: Feed) -> None:
        for item in feed:
            if item == 3:
                raise ValueError("writer failed")

    with ThreadPoolExecutor(1) as pool:
        feed = Feed()
        job = pool.submit(consume, feed)
        feed.pour(range(1000), job)
        with pytest.raises(ValueError, match="writer failed"):
            job.result()
        done = Feed()
        total = pool.submit(lambda: sum(done))
        done.pour(range(10), total)
        assert total.result() == 45


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


def test_progress_display_is_closed_when_the_export_fails(tmp_path: Path) -> None:
    """A failing shard write still closes the display (no bar left open on stderr)."""
    from tearcorpus.exporters._base import ExportOptions
    from tearcorpus.hf import record_batches

    steps = _Steps()
    options = ExportOptions(progress=steps)
    batches = record_batches(iter_records(sample_path()))
    folder = tmp_path / "hub"

    def failing_shard(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("tearcorpus.exporters._hubstream.write_shard", failing_shard)
        with pytest.raises(OSError, match="disk full"):
            _export_batches(batches, str(folder), options)
    assert steps.closed == 1
    assert not folder.exists()
