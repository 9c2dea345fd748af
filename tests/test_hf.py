"""datasets building: declared Features, thread-grouped deterministic splits, context view."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tearcorpus import (
    Corpus,
    Post,
    Record,
    Reply,
    read,
    sample_path,
    to_dataset_dict,
    to_dict,
)
from tearcorpus.hf import assign_split, to_dataset_dicts
from tearcorpus.schema import features, records_from_table
from tests.strategies import records

pytest.importorskip("datasets")

_thread_ids = st.sampled_from([f"t{i}" for i in range(30)])
_corpus = st.lists(
    st.one_of(
        st.builds(Post, id=_thread_ids, platform=st.just("reddit")),
        st.builds(Reply, id=st.uuids().map(str), post_id=_thread_ids),
    ),
    max_size=60,
)


@given(_corpus, st.integers(0, 3))
def test_splits_never_share_a_thread(items: list[Record], seed: int) -> None:
    """No thread (post id) appears in two splits, in any config."""
    dicts = to_dataset_dicts(items, seed=seed)
    owner: dict[str, str] = {}
    for config, dd in dicts.items():
        for split, dataset in dd.items():
            column = "id" if config == "posts" else "post_id"
            for thread in dataset[column]:
                assert owner.setdefault(thread, split) == split


@given(st.lists(records, max_size=10))
def test_rows_are_kept(items: list[Record]) -> None:
    """Every record (one per id, repeated ids merged) lands in exactly one split, and
    reads back equal."""
    dicts = to_dataset_dicts(items)
    back = [
        rec
        for name in ("posts", "replies")
        for split in dicts[name].values()
        for rec in records_from_table(split.data.table, name)
    ]

    def key(record: Record) -> bytes:
        return orjson.dumps(to_dict(record), option=orjson.OPT_SORT_KEYS)

    assert sorted(map(key, back)) == sorted(map(key, Corpus(items)))


def test_deterministic_and_order_free() -> None:
    """The same seed gives the same splits whatever the record order."""
    items = [Reply(id=f"r{i}", post_id=f"t{i % 20}") for i in range(100)]
    a = to_dataset_dict(items, seed=7)
    b = to_dataset_dict(list(reversed(items)), seed=7)
    assert {s: sorted(d["id"]) for s, d in a.items()} == {s: sorted(d["id"]) for s, d in b.items()}
    assert assign_split("t1", 7) == assign_split("t1", 7)


def test_ratios_are_respected() -> None:
    """Zero-share splits are absent, and shares of threads follow the ratios roughly."""
    items = [Reply(id=str(i), post_id=f"t{i}") for i in range(2000)]
    dd = to_dataset_dict(items, split_ratios=(0.5, 0.0, 0.5))
    assert set(dd) == {"train", "test"}
    assert 850 < len(dd["train"]) < 1150
    with pytest.raises(ValueError, match="sum to 1"):
        to_dataset_dict(items, split_ratios=(0.5, 0.2, 0.5))


def test_declared_features() -> None:
    """Datasets carry the declared Features (ClassLabel platform, UTC timestamps)."""
    dd = to_dataset_dict(read(sample_path()), split_ratios=(1, 0, 0))
    assert dd["train"].features == features("replies")
    assert dd["train"].features["platform"].int2str(dd["train"][0]["platform"]) == "unknown"


def test_replies_in_context() -> None:
    """Each reply carries its post's title/text and its parent's text (the post's if direct)."""
    items: list[Record] = [
        Post(id="p", platform="youtube", title="T", text="post body"),
        Reply(id="a", post_id="p", text="first"),
        Reply(id="b", post_id="p", parent_id="a", text="answer"),
        Reply(id="c", post_id="gone", parent_id="x", text="orphan"),
    ]
    rows = {
        r["id"]: r
        for r in to_dataset_dict(items, "replies_in_context", split_ratios=(1, 0, 0))["train"]
    }
    assert (rows["a"]["post_title"], rows["a"]["parent_text"]) == ("T", "post body")
    assert (rows["b"]["post_text"], rows["b"]["parent_text"]) == ("post body", "first")
    assert (rows["c"]["post_text"], rows["c"]["parent_text"]) == (None, None)


def test_split_cache_gives_the_same_splits_across_batches() -> None:
    """split_of with a cache shared by batches (and cleared when full) names the same splits."""
    import pyarrow as pa

    from tearcorpus.exporters.hub.tables import split_of

    ids = [f"t{i % 37}" for i in range(500)]
    batches = [pa.array(ids[i : i + 60]) for i in range(0, len(ids), 60)]
    cache: dict[str, str] = {}
    cached = [split_of(b, 3, (0.5, 0.25, 0.25), cache).to_pylist() for b in batches]
    plain = [split_of(b, 3, (0.5, 0.25, 0.25)).to_pylist() for b in batches]
    assert cached == plain
    assert [n for part in plain for n in part] == [
        assign_split(i, 3, (0.5, 0.25, 0.25)) for i in ids
    ]
    assert len(cache) == 37


@settings(max_examples=max(5, settings().max_examples // 5))
@given(st.lists(records, max_size=12), st.integers(0, 3))
def test_one_config_is_that_config_of_every_config(items: list[Record], seed: int) -> None:
    """to_dataset_dict(records, config) holds the same splits and rows, in the same order,
    as that config of to_dataset_dicts."""
    every = to_dataset_dicts(items, seed=seed, split_ratios=(0.5, 0.25, 0.25))
    for config in ("posts", "replies", "replies_in_context"):
        one = to_dataset_dict(items, config, seed=seed, split_ratios=(0.5, 0.25, 0.25))
        assert list(one) == list(every[config]) == ["train", "validation", "test"]
        for split, dataset in one.items():
            assert dataset.features == every[config][split].features == features(config)
            assert dataset.data.table.equals(every[config][split].data.table)


def test_config_type_names_every_config() -> None:
    """The config names to_dataset_dict takes, as a type, are the declared configs."""
    from typing import get_args

    from tearcorpus.exporters.hub.configs import CONFIG_NAMES, ConfigName

    assert get_args(ConfigName) == CONFIG_NAMES


def test_unknown_config_is_refused() -> None:
    """A config name that is not one is a ValueError naming the configs."""
    with pytest.raises(ValueError, match="replies_in_context"):
        to_dataset_dict([], "threads")  # type: ignore[arg-type]
