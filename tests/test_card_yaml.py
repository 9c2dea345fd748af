"""The card's YAML front matter reads back, through datasets and the Hub, as written."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tearcorpus import read, write_hub_folder
from tearcorpus.exporters.hub import card
from tearcorpus.exporters.hub.card import SplitInfo
from tearcorpus.exporters.hub.stats import StatsBuilder
from tearcorpus.schema import features

datasets = pytest.importorskip("datasets")
pytest.importorskip("huggingface_hub")
pytest.importorskip("pyarrow")

CONFIGS = ("posts", "replies", "replies_in_context")
SPLITS = ("train", "validation", "test")
DATA = Path(__file__).parent / "data"

Splits = Mapping[str, Mapping[str, SplitInfo]]


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No network: the Hub and datasets run offline."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)


def _part(rows: int, nbytes: int, download: int) -> SplitInfo:
    return SplitInfo(rows, nbytes, download_size=download)


def _front_matter(readme: str) -> str:
    assert readme.startswith("---\n")
    return readme[4 : readme.index("\n---\n", 4)]


def _read_back(yaml: str) -> dict[str, Any]:
    """The YAML as the Hub reads a card (huggingface_hub's DatasetCard)."""
    from huggingface_hub import DatasetCard

    parsed = DatasetCard(f"---\n{yaml}\n---\n")
    data: dict[str, Any] = parsed.data.to_dict()  # type: ignore[no-untyped-call]
    return data


def _check(splits: Splits, default_config: str, **kwargs: Any) -> None:
    """card_data's YAML, read back by huggingface_hub and datasets, states *splits*."""
    from datasets.info import DatasetInfosDict
    from huggingface_hub import DatasetCardData

    written = card.card_data(splits, default_config=default_config, **kwargs).to_yaml()
    data = _read_back(written)
    assert data["license"] == kwargs.get("license", "unknown")
    assert data["tags"] == ["tearcorpus", "comments", "conversations"]
    assert data["size_categories"] == [card.size_category(kwargs.get("rows", 0))]
    assert data.get("language") == (list(kwargs.get("languages", ())) or None)
    assert data.get("pretty_name") == kwargs.get("pretty_name")
    # dataset_info, as datasets reads it when it loads the folder.
    infos = DatasetInfosDict.from_dataset_card_data(DatasetCardData(**data))
    assert sorted(infos) == sorted(splits)
    for config, parts in splits.items():
        info = infos[config]
        assert info.features == features(config)
        got = {s.name: (s.num_examples, s.num_bytes) for s in info.splits.values()}
        assert got == {s: (p.rows, p.num_bytes) for s, p in parts.items()}
        assert info.download_size == sum(p.download_size for p in parts.values())
        assert info.dataset_size == sum(p.num_bytes for p in parts.values())
    # configs: every config's data files per split, the default one marked.
    listed = data.get("configs", [])
    assert [c["config_name"] for c in listed] == sorted(splits)
    for entry in listed:
        name = entry["config_name"]
        expected = [{"split": s, "path": f"{name}/{s}-*"} for s in splits[name]]
        assert entry["data_files"] == expected
        assert entry.get("default", False) is (name == default_config)


FULL = {
    c: {s: _part(10 + i, 1000 * (i + 1), 300 + i) for i, s in enumerate(SPLITS)} for c in CONFIGS
}

CASES: dict[str, tuple[Splits, dict[str, Any]]] = {
    "three configs, three splits": (FULL, {}),
    "configs given out of name order": ({c: FULL[c] for c in reversed(CONFIGS)}, {}),
    "splits given out of order": (
        {c: {s: FULL[c][s] for s in reversed(SPLITS)} for c in CONFIGS},
        {},
    ),
    "one table only (posts)": ({"posts": {"train": _part(5, 900, 4000)}}, {}),
    "one config, the default": ({"replies_in_context": {"test": _part(1, 10, 20)}}, {}),
    "two configs, no default among them": (
        {"posts": FULL["posts"], "replies": {"validation": _part(0, 0, 0)}},
        {},
    ),
    "a config with no splits": ({"posts": {}, "replies": FULL["replies"]}, {}),
    "one config with no splits": ({"replies": {}}, {"default_config": "replies"}),
    "empty tables: no configs at all": ({}, {}),
    "languages, licence and an odd title": (
        FULL,
        {
            "languages": ("en", "de"),
            "license": "cc-by-4.0",
            "pretty_name": "Odd: \"name\" – ünïcode # x\n'second' line",
            "rows": 123_456,
        },
    ),
    "big counts": (
        {"replies": {"train": _part(12_345_678_901, 2**40 + 7, 2**39)}},
        {"rows": 12_345_678_901},
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_yaml_reads_back(name: str) -> None:
    """Each layout of configs and splits reads back with its features, rows, bytes and
    data files, the default config marked, the card's tags and licence."""
    splits, kwargs = CASES[name]
    options = dict(kwargs)
    _check(splits, options.pop("default_config", "replies_in_context"), **options)


part_infos = st.builds(
    _part, st.integers(0, 10**12), st.integers(0, 10**12), st.integers(0, 10**12)
)
split_layouts = st.dictionaries(
    st.sampled_from(CONFIGS),
    st.dictionaries(st.sampled_from(SPLITS), part_infos, max_size=3),
    max_size=3,
)


@given(
    split_layouts,
    st.sampled_from(CONFIGS),
    st.lists(st.sampled_from(["en", "de", "fr", "zh"]), unique=True, max_size=3),
    # YAML reads a NEL or a Unicode line or paragraph separator in a title as a space.
    st.none() | st.text(st.characters(exclude_characters="\x85\u2028\u2029"), max_size=20),
)
def test_yaml_reads_back_for_any_layout(
    splits: dict[str, dict[str, SplitInfo]],
    default_config: str,
    languages: list[str],
    pretty_name: str | None,
) -> None:
    """Any configs, splits (in any order), sizes, languages and title read back."""
    rows = sum(len(s) for s in splits.values())
    _check(splits, default_config, languages=languages, pretty_name=pretty_name, rows=rows)


def test_render_card_front_matter_is_the_card_data() -> None:
    """render_card's front matter, between --- lines, is the card data's YAML."""
    splits = {"posts": FULL["posts"], "replies": FULL["replies"]}
    stats = StatsBuilder().result()
    readme = card.render_card(
        stats, splits, default_config="replies", languages=("en",), license="mit"
    )
    data = _read_back(_front_matter(readme))
    assert (data["language"], data["license"]) == (["en"], "mit")
    assert [c["config_name"] for c in data["configs"] if c.get("default")] == ["replies"]
    assert data["size_categories"] == ["n<1K"]  # 33 replies


INPUTS = {
    "text": [DATA / "text" / "weddings.txt"],
    "ytdlp": [DATA / "ytdlp" / "ytdlp_Xq7Tz0bWc3M.info.json"],
    "reddit": [DATA / "reddit" / "thread.json", DATA / "reddit" / "thread_2013.json"],
    "pushshift comments only": [DATA / "pushshift" / "RC_2024-01.ndjson"],
    "pushshift submissions only": [DATA / "pushshift" / "RS_2024-01.ndjson"],
    "youtube api": [DATA / "youtube_api" / "threads_page1.json"],
    "ycd": [DATA / "ycd" / "ycd_Xq7Tz0bWc3M.jsonl"],
}


@pytest.mark.parametrize("name", list(INPUTS))
def test_exported_card_is_what_datasets_loads(tmp_path: Path, name: str) -> None:
    """A written folder's card gives datasets each config with its features and the splits
    on disk with their row counts; the default config is replies_in_context when written."""
    import pyarrow.parquet as pq

    corpus = read([str(path) for path in INPUTS[name]], options={"video_id": "Xq7Tz0bWc3M"})
    out = tmp_path / "hub"
    write_hub_folder(corpus, str(out), split_ratios=(0.5, 0.25, 0.25), languages=("en",))
    # Every folder but the card's images is a config.
    configs = sorted(p.name for p in out.iterdir() if p.is_dir() and p.name != "images")
    assert configs
    for config in configs:
        builder = datasets.load_dataset_builder(str(out), config, cache_dir=str(tmp_path / "c"))
        assert builder.info.features == features(config)
        on_disk: dict[str, int] = {}
        for shard in (out / config).iterdir():
            split = shard.name.split("-")[0]
            on_disk[split] = on_disk.get(split, 0) + pq.ParquetFile(shard).metadata.num_rows
        assert {s.name: s.num_examples for s in builder.info.splits.values()} == on_disk
    default = datasets.load_dataset_builder(str(out), cache_dir=str(tmp_path / "c"))
    expected = "replies_in_context" if "replies_in_context" in configs else configs[0]
    assert default.config.name == expected
