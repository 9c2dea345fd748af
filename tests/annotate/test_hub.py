"""The labels config: in the Hub folder (load_dataset offline, ClassLabel features, the
card's annotation section) and from to_dataset_dicts, split by thread."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import tearcorpus
from tearcorpus import annotate
from tearcorpus.exporters.hub.card import exported_files
from tearcorpus.hf import assign_split

from .conftest import DATA, LABELS, THREADS

datasets = pytest.importorskip("datasets")


def _load(folder: Path, config: str, cache: Path) -> Any:
    return datasets.load_dataset(str(folder), config, cache_dir=str(cache))


def _split_seed() -> int:
    """A seed that puts the two test threads in different splits (computed, not assumed)."""
    posts = [p.id for p in tearcorpus.read(THREADS).posts]
    for seed in range(200):
        if len({assign_split(p, seed, (0.5, 0.5, 0.0)) for p in posts}) == 2:
            return seed
    raise AssertionError("no seed splits the threads")


def test_hub_folder_labels_config_loads_offline(tmp_path: Path, labels: Path) -> None:
    """convert --to hub with labels adds a labels config that load_dataset reads offline
    with ClassLabel features, each row in its thread's split, with its corpus text."""
    seed = _split_seed()
    out = tmp_path / "hub"
    result = tearcorpus.convert(
        THREADS, to="hub", out=out, labels=labels, seed=seed, split_ratios=(0.5, 0.5, 0.0)
    )
    assert any(f.endswith(".parquet") and "/labels/" in f for f in result.files)
    ds = _load(out, "labels", tmp_path / "cache")
    assert sorted(ds) == ["train", "validation"]
    features = ds["train"].features
    assert isinstance(features["label"], datasets.ClassLabel)
    assert features["label"].names == list(LABELS)
    assert isinstance(features["rater_labels"].feature, datasets.ClassLabel)
    corpus = tearcorpus.read(THREADS)
    texts = {r.id: r for r in corpus.replies}
    posts = {p.id: p for p in corpus.posts}
    loaded = annotate.load_labels(labels)
    majority = {a.item_id: a for a in loaded.aggregates}
    rows = 0
    for split, part in ds.items():
        for row in part:
            rows += 1
            reply = texts[row["id"]]
            assert assign_split(reply.post_id, seed, (0.5, 0.5, 0.0)) == split
            assert row["text"] == reply.text
            assert row["post_title"] == posts[reply.post_id].title
            assert row["parent_text"] == posts[reply.post_id].text
            agg = majority[row["id"]]
            label = None if row["label"] is None else features["label"].int2str(row["label"])
            assert label == agg.label
            assert row["tie"] == agg.tie
            assert row["raters"] == list(agg.raters)
            given = [features["label"].int2str(x) for x in row["rater_labels"]]
            assert given == [g[0] for g in agg.rater_labels]
    assert rows == 9
    # The other configs are as without labels, and the card names the labels files.
    assert _load(out, "replies", tmp_path / "cache")["train"].num_rows >= 1
    readme = (out / "README.md").read_text()
    files = exported_files(readme)
    assert files is not None
    assert any(f.startswith("labels/") for f in files)
    assert "config_name: labels" in readme
    assert "## Annotation" in readme
    figures = annotate.agreement(labels)
    assert f"Krippendorff's alpha (nominal): {figures.krippendorff_alpha:.3f}" in readme
    assert "class_label" in readme.split("---")[1]


def test_multi_label_config_is_a_list_of_classlabel(tmp_path: Path) -> None:
    """Multi-label tasks give a list of ClassLabel in the labels config."""
    tasks = tmp_path / "tasks"
    annotate.export_tasks(THREADS, tasks, tool="label-studio", labels=LABELS, multi=True)
    export = json.loads((DATA / "label-studio-export.json").read_text())
    for task in export:
        for ann in task["annotations"]:
            if ann["result"]:
                ann["result"][0]["value"]["choices"] = ["sadness", "other"]
    (tmp_path / "e.json").write_text(json.dumps(export))
    annotate.import_labels(tmp_path / "e.json", tasks=tasks, out=tmp_path / "labels")
    tearcorpus.convert(THREADS, to="hub", out=tmp_path / "hub", labels=tmp_path / "labels")
    ds = _load(tmp_path / "hub", "labels", tmp_path / "cache")["train"]
    feature = ds.features["label"]
    assert isinstance(feature.feature, datasets.ClassLabel)
    assert all(feature.feature.int2str(row["label"]) == ["sadness", "other"] for row in ds)


def test_to_dataset_dict_gives_the_same_rows(tmp_path: Path, labels: Path) -> None:
    """to_dataset_dict(..., "labels", labels=...) gives the Hub folder's rows."""
    corpus = tearcorpus.read(THREADS)
    dd = tearcorpus.to_dataset_dict(corpus, "labels", labels=labels)
    tearcorpus.convert(THREADS, to="hub", out=tmp_path / "hub", labels=labels)
    hub = _load(tmp_path / "hub", "labels", tmp_path / "cache")
    assert dd["train"].to_list() == hub["train"].to_list()
    assert dd["train"].features == hub["train"].features
    with pytest.raises(ValueError, match="labels="):
        tearcorpus.to_dataset_dict(corpus, "labels")


def test_labels_of_another_text_are_refused(tmp_path: Path, labels: Path) -> None:
    """A corpus whose text is not the labelled one (scrubbed after the tasks were made)
    is refused naming the item, and no folder is left."""
    corpus = tearcorpus.read(THREADS)
    changed = [
        r if not isinstance(r, tearcorpus.Reply) or r.id != corpus.replies[0].id
        else tearcorpus.Reply(id=r.id, post_id=r.post_id, text=r.text + "!", platform=r.platform)
        for r in corpus
    ]  # fmt: skip
    with pytest.raises(tearcorpus.ExportError, match=corpus.replies[0].id):
        tearcorpus.write_hub_folder(changed, str(tmp_path / "hub"), labels=str(labels))
    assert not (tmp_path / "hub").exists()


def test_overwrite_replaces_labels_shards(tmp_path: Path, labels: Path) -> None:
    """Rewriting a folder without labels removes the earlier labels shards."""
    out = tmp_path / "hub"
    tearcorpus.convert(THREADS, to="hub", out=out, labels=labels)
    assert list((out / "labels").glob("*.parquet"))
    tearcorpus.convert(THREADS, to="hub", out=out, overwrite=True)
    assert not (out / "labels").exists()


def test_labels_only_with_hub(tmp_path: Path, labels: Path) -> None:
    """--labels is refused with another output format."""
    with pytest.raises(tearcorpus.TearcorpusError, match="--to hub"):
        tearcorpus.convert(THREADS, to="jsonl", out=tmp_path / "j", labels=labels)


def test_labels_shard_has_features_metadata(tmp_path: Path, labels: Path) -> None:
    """The shard carries the Features (ClassLabel names) in its Parquet metadata."""
    tearcorpus.convert(THREADS, to="hub", out=tmp_path / "hub", labels=labels)
    (shard,) = (tmp_path / "hub" / "labels").glob("*.parquet")
    meta = json.loads(pq.read_schema(shard).metadata[b"huggingface"])
    assert meta["info"]["features"]["label"]["names"] == list(LABELS)
