"""Records → Hub folder → datasets.load_dataset: the same rows, in order, and counts that
add up (a property over any records, anonymised or not)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Literal

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tearcorpus import Corpus, Post, Record, to_dict, write_hub_folder
from tearcorpus.exporters.hub.card import anonymization
from tearcorpus.hf import assign_split
from tearcorpus.schema import features, records_from_table
from tearcorpus.transforms import anonymize
from tests.strategies import records

datasets = pytest.importorskip("datasets")
pytest.importorskip("huggingface_hub")

KEY = "9c4f1e2b7a6d3058e1f2a4c6b8d0e3f5a7c9b1d3e5f7092b4d6f8a0c2e4b6d8f"
RATIOS = (0.5, 0.25, 0.25)


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No network: datasets runs offline."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)


def _key(record: Record) -> bytes:
    return orjson.dumps(to_dict(record), option=orjson.OPT_SORT_KEYS)


def _thread(record: Record) -> str:
    return record.id if isinstance(record, Post) else record.post_id


def _card(folder: Path) -> dict[str, Any]:
    from huggingface_hub import DatasetCard

    card = DatasetCard((folder / "README.md").read_text())
    data: dict[str, Any] = card.data.to_dict()  # type: ignore[no-untyped-call]
    return data


@settings(max_examples=max(5, settings().max_examples // 5))
@given(st.lists(records, max_size=12), st.booleans(), st.integers(0, 2))
def test_records_come_back_from_load_dataset(
    items: list[Record], anonymised: bool, seed: int
) -> None:
    """Every record (one per id) comes back from load_dataset, equal, in its thread's
    split and in record order there; replies_in_context has one row per reply, in the
    replies' order; the card's counts are the rows loaded; the card says whether the
    records were anonymised."""
    expected = list(Corpus(items))
    if anonymised:
        expected = list(anonymize(expected, key=KEY))
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "hub"
        result = write_hub_folder(expected, str(folder), split_ratios=RATIOS, seed=seed)
        posts = [r for r in expected if isinstance(r, Post)]
        assert (result.posts, result.replies) == (len(posts), len(expected) - len(posts))
        card = _card(folder)
        mark = anonymization((folder / "README.md").read_text())
        assert mark == ("all" if anonymised and expected else "none")
        infos = card.get("dataset_info", [])
        infos = [infos] if isinstance(infos, dict) else infos  # one config: a mapping
        written = {info["config_name"]: info for info in infos}
        back: list[Record] = []
        loaded: dict[str, Any] = {}
        for config, info in written.items():
            dd = datasets.load_dataset(str(folder), config, cache_dir=f"{work}/cache")
            loaded[config] = dd
            assert {s["name"]: s["num_examples"] for s in info["splits"]} == {
                split: len(ds) for split, ds in dd.items()
            }
            for dataset in dd.values():
                assert dataset.features == features(config)
        tables: tuple[tuple[Literal["posts", "replies"], bool], ...] = (
            ("posts", True),
            ("replies", False),
        )
        for table, kind in tables:
            rows = [r for r in expected if isinstance(r, Post) is kind]
            assert (table in loaded) is bool(rows)
            for split, dataset in loaded.get(table, {}).items():
                mine = [r for r in rows if assign_split(_thread(r), seed, RATIOS) == split]
                again = list(records_from_table(dataset.data.table, table))
                assert [r.id for r in again] == [r.id for r in mine]  # record order
                back += again
        assert sorted(map(_key, back)) == sorted(map(_key, expected))
        replies = loaded.get("replies", {})
        context = loaded.get("replies_in_context", {})
        assert list(context) == list(replies)
        for split, dataset in context.items():
            assert dataset["id"] == replies[split]["id"]
            assert dataset["text"] == replies[split]["text"]
