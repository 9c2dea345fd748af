"""The card's YAML front matter is what ``datasets``' own classes write, without them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tearcorpus import card, read, write_hub_folder
from tearcorpus.card import SplitInfo
from tearcorpus.schema import features

datasets = pytest.importorskip("datasets")
pytest.importorskip("huggingface_hub")
pytest.importorskip("pyarrow")

CONFIGS = ("posts", "replies", "replies_in_context")
SPLITS = ("train", "validation", "test")
DATA = Path(__file__).parent / "data"

Splits = Mapping[str, Mapping[str, SplitInfo]]


def _oracle(
    splits: Splits,
    *,
    default_config: str = "replies_in_context",
    languages: Sequence[str] = (),
    license: str = "unknown",
    pretty_name: str | None = None,
    rows: int = 0,
) -> Any:
    """The card data as ``datasets``' classes build it (``push_to_hub``'s code)."""
    from datasets import DatasetInfo, SplitDict
    from datasets import SplitInfo as HfSplitInfo
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCardData

    data = DatasetCardData(
        language=list(languages) or None,
        license=license,
        size_categories=[card.size_category(rows)],
        pretty_name=pretty_name,
        tags=["tearcorpus", "comments", "conversations"],
    )
    infos = {}
    configs: dict[str, dict[str, Any]] = {}
    for config, per_split in splits.items():
        info = DatasetInfo(
            config_name=config,
            features=features(config),
            splits=SplitDict(),
            download_size=0,
            dataset_size=0,
        )
        for split, part in per_split.items():
            info.splits.add(
                HfSplitInfo(name=split, num_bytes=part.num_bytes, num_examples=part.rows)
            )
            info.download_size += part.download_size
            info.dataset_size += part.num_bytes
        info.size_in_bytes = info.download_size + info.dataset_size
        infos[config] = info
        configs[config] = {
            "data_files": [{"split": s, "path": f"{config}/{s}-*"} for s in per_split]
        }
        if config == default_config:
            configs[config]["default"] = True
    DatasetInfosDict(infos).to_dataset_card_data(data)
    MetadataConfigs(configs).to_dataset_card_data(data)
    return data


def _ours(splits: Splits, **kwargs: Any) -> str:
    options: dict[str, Any] = {"default_config": "replies_in_context", "languages": ()}
    options |= {"license": "unknown", "pretty_name": None, "rows": 0} | kwargs
    return str(card._card_data(splits, **options).to_yaml())


def _part(rows: int, nbytes: int, download: int) -> SplitInfo:
    return SplitInfo(rows, nbytes, download_size=download)


def _front_matter(readme: str) -> str:
    assert readme.startswith("---\n")
    return readme[4 : readme.index("\n---\n", 4)]


FULL = {
    c: {s: _part(10 + i, 1000 * (i + 1), 300 + i) for i, s in enumerate(SPLITS)} for c in CONFIGS
}

CASES: dict[str, tuple[Splits, dict[str, Any]]] = {
    "three configs, three splits": (FULL, {}),
    "configs given out of name order": (
        {c: FULL[c] for c in reversed(CONFIGS)},
        {},
    ),
    "splits given out of order": (
        {c: {s: FULL[c][s] for s in reversed(SPLITS)} for c in CONFIGS},
        {},
    ),
    "one table only (posts)": ({"posts": {"train": _part(5, 900, 4000)}}, {}),
    "one config, the default": ({"replies_in_context": {"test": _part(1, 10, 20)}}, {}),
    "two configs, no default among them": (
        {"posts": FULL["posts"], "replies": {"validation": _part(0, 0, 0)}},
        {"default_config": "replies_in_context"},
    ),
    "a config with no splits": ({"posts": {}, "replies": FULL["replies"]}, {}),
    "one config with no splits": ({"replies": {}}, {"default_config": "replies"}),
    "empty tables: no configs at all": ({}, {}),
    "empty splits of zero rows and bytes": (
        {c: {"train": _part(0, 0, 0)} for c in CONFIGS},
        {},
    ),
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
        {"rows": 12_345_678_901, "default_config": "replies"},
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_yaml_is_datasets_own(name: str) -> None:
    """Each layout of configs and splits renders as DatasetInfosDict + MetadataConfigs do."""
    splits, kwargs = CASES[name]
    assert _ours(splits, **kwargs) == _oracle(splits, **kwargs).to_yaml()


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
    st.none() | st.text(max_size=20),
)
def test_yaml_is_datasets_own_for_any_layout(
    splits: dict[str, dict[str, SplitInfo]],
    default_config: str,
    languages: list[str],
    pretty_name: str | None,
) -> None:
    """Any configs, splits (in any order), sizes, languages and title render as datasets does."""
    kwargs: dict[str, Any] = {"default_config": default_config, "languages": languages}
    kwargs |= {"pretty_name": pretty_name, "rows": sum(len(s) for s in splits.values())}
    assert _ours(splits, **kwargs) == _oracle(splits, **kwargs).to_yaml()


def test_features_are_datasets_own() -> None:
    """The YAML features of each table are Features._to_yaml_list of schema.features."""
    for config in CONFIGS:
        assert card._config_features(config) == features(config)._to_yaml_list()


def test_unknown_feature_type_is_refused() -> None:
    """A feature kind with no YAML form here raises instead of writing a wrong card."""
    with pytest.raises(ValueError, match="Image"):
        card._yaml_feature({"_type": "Image"})


def test_render_card_front_matter_is_the_oracles() -> None:
    """render_card's front matter is the datasets-built YAML between --- lines."""
    splits = {"posts": FULL["posts"], "replies": FULL["replies"]}
    stats = card.StatsBuilder().result()
    readme = card.render_card(
        stats, splits, default_config="replies", languages=("en",), license="mit"
    )
    oracle = _oracle(splits, default_config="replies", languages=("en",), license="mit", rows=33)
    assert _front_matter(readme) == oracle.to_yaml()


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
def test_exported_card_reads_back_through_datasets(tmp_path: Path, name: str) -> None:
    """A written card's YAML, parsed by datasets and written again by it, is unchanged."""
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard, DatasetCardData

    corpus = read([str(path) for path in INPUTS[name]], options={"video_id": "Xq7Tz0bWc3M"})
    out = tmp_path / "hub"
    write_hub_folder(corpus, str(out), split_ratios=(0.5, 0.25, 0.25), languages=("en",))
    text = (out / "README.md").read_text(encoding="utf-8")
    written = DatasetCard(text).data
    top = written.to_dict()  # type: ignore[no-untyped-call]
    again = DatasetCardData(
        **{k: v for k, v in top.items() if k not in ("dataset_info", "configs")}
    )
    infos = DatasetInfosDict.from_dataset_card_data(written)
    # Every folder but the card's images is a config.
    assert sorted(infos) == sorted(
        p.name for p in out.iterdir() if p.is_dir() and p.name != "images"
    )
    for config, info in infos.items():
        assert info.features == features(config)
        assert set(info.splits) == {p.name.split("-")[0] for p in (out / config).iterdir()}
    infos.to_dataset_card_data(again)
    MetadataConfigs.from_dataset_card_data(written).to_dataset_card_data(again)
    assert _front_matter(text) == again.to_yaml()


def test_hub_export_never_imports_datasets(tmp_path: Path) -> None:
    """Writing a Hub folder, card included, imports no datasets module."""
    script = (
        "import sys\n"
        "from tearcorpus import read, sample_path, write_hub_folder\n"
        f"write_hub_folder(read(sample_path()), {str(tmp_path / 'hub')!r})\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'datasets')\n"
        "assert not loaded, loaded\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "hub" / "README.md").read_text(encoding="utf-8").startswith("---\n")
