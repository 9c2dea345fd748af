"""The dataset card (``README.md``) of a Hub folder.

The YAML front matter holds what ``push_to_hub`` writes there (``datasets``'
``MetadataConfigs`` and ``DatasetInfosDict`` into a ``huggingface_hub.DatasetCardData``),
so ``configs`` and ``dataset_info`` are exactly what the Hub and ``load_dataset`` read. It
is built without importing ``datasets`` (which costs more time and memory than a small
export); the tests compare it with what those classes write. The body is a card a
researcher can publish: summary, languages, configs and fields, statistics, splits,
provenance, personal information and licence.

A machine-readable line ``<!-- tearcorpus:anonymized=all|partial|none -->`` records
whether authors were pseudonymised; :func:`anonymization` reads it back (``publish``
uses it). Another, ``<!-- tearcorpus:files=[...] -->`` (a JSON list), names every data
file of this export; :func:`exported_files` reads it back, and ``publish`` refuses a
folder holding a data file it does not name.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from attrs import define, field

from ._version import __version__
from .schema import AUTHOR_FIELDS, PROVENANCE_FIELDS, TABLES, Column

if TYPE_CHECKING:
    from huggingface_hub import DatasetCardData

    from .hf import ArrowCorpus
    from .report import Report

__all__ = [
    "CONFIG_SUMMARIES",
    "CorpusStats",
    "ExtraConfig",
    "SplitInfo",
    "StatsBuilder",
    "anonymization",
    "corpus_stats",
    "exported_files",
    "render_card",
    "size_category",
]

#: What each config holds, for the card.
CONFIG_SUMMARIES: Final = {
    "posts": "one row per post (video or submission): the thread roots",
    "replies": "one row per reply (comment at any depth), linked by `post_id` and `parent_id`",
    "replies_in_context": (
        "one row per reply with its post's title and text and the text it answers "
        "(its parent reply, or the post for a direct reply): ready for modelling"
    ),
    "messages": (
        "one row per reply with the conversation that leads to it in the chat format "
        "(`messages`: role, content, name), ready for a chat template"
    ),
}

_ANON_MARK: Final = re.compile(r"<!--\s*tearcorpus:anonymized=(all|partial|none)\s*-->")
_FILES_MARK: Final = re.compile(r"<!--\s*tearcorpus:files=(\[.*?\])\s*-->")
_SIZE_EDGES: Final = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
    (10_000_000_000, "1B<n<10B"),
)


def size_category(rows: int) -> str:
    """The Hub's ``size_categories`` value for *rows* examples."""
    for edge, name in _SIZE_EDGES:
        if rows < edge:
            return name
    return "n>1T" if rows > 10**12 else "10B<n<100B"


@define
class SplitInfo:
    """Rows, Arrow bytes and files of one split of one config."""

    rows: int
    num_bytes: int
    files: list[str] = field(factory=list)
    download_size: int = 0


@define
class ExtraConfig:
    """A config the card lists beside the corpus tables (a Hub folder's ``labels``): its
    features (as ``datasets.Features.to_dict()`` gives them), what it holds, its fields
    table and a section of the card's body of its own."""

    features: dict[str, Any]
    summary: str
    fields: list[str]
    section: list[str]


#: Held distinct values (or length counts) past which :class:`StatsBuilder` merges them.
MERGE_AT: Final = 100_000


def _nearest(rows: int, q: float) -> int:
    # The rank ``pc.quantile(..., interpolation="nearest")`` picks among *rows* sorted
    # values: the nearest to ``(rows - 1) * q``, ties to the even rank.
    index = (rows - 1) * q
    rank = int(index)
    fraction = index - rank
    return rank + 1 if fraction > 0.5 or (fraction == 0.5 and rank & 1) else rank


class _Distinct:
    """The distinct strings of many arrays: each array's distinct values, merged into one
    array whenever they outgrow twice the last merge (memory: about the distinct values)."""

    def __init__(self) -> None:
        self._chunks: list[Any] = []
        self._held = self._merged = 0

    def add(self, values: Any) -> None:
        import pyarrow.compute as pc

        unique = pc.unique(values)
        self._chunks.append(unique)
        self._held += len(unique)
        if self._held > max(MERGE_AT, 2 * self._merged):
            merged = pc.unique(self._all())
            self._chunks, self._held, self._merged = [merged], len(merged), len(merged)

    def _all(self) -> Any:
        import pyarrow as pa

        return pa.chunked_array(self._chunks, type=pa.string())

    def count(self) -> int:
        """How many distinct non-null values were added."""
        import pyarrow.compute as pc

        return int(pc.count_distinct(self._all()).as_py())


class _Lengths:
    """How many times each length occurs, for exact min, median, p90 and max: the counts
    of each batch, merged when they outgrow twice the last merge."""

    def __init__(self) -> None:
        self._values: list[Any] = []
        self._counts: list[Any] = []
        self._held = self._merged = 0

    def add(self, lengths: Any) -> None:
        import numpy as np

        values = lengths.drop_null().to_numpy()
        if len(values) == 0:
            return
        distinct, counts = np.unique(values, return_counts=True)
        self._values.append(distinct)
        self._counts.append(counts)
        self._held += len(distinct)
        if self._held > max(MERGE_AT, 2 * self._merged):
            self._merge()

    def _merge(self) -> tuple[Any, Any]:
        import numpy as np

        if not self._values:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        distinct, at = np.unique(np.concatenate(self._values), return_inverse=True)
        counts = np.bincount(at, weights=np.concatenate(self._counts)).astype(np.int64)
        self._values, self._counts = [distinct], [counts]
        self._held = self._merged = len(distinct)
        return distinct, counts

    def summary(self) -> dict[str, int] | None:
        """Min, median, p90 and max as ``pc.quantile(..., interpolation="nearest")``
        gives them over all the lengths; ``None`` if there were none."""
        import numpy as np

        values, counts = self._merge()
        if len(values) == 0:
            return None
        ends = np.cumsum(counts)  # the rank after the last of each value
        rows = int(ends[-1])

        def at(rank: int) -> int:
            return int(values[int(np.searchsorted(ends, rank, side="right"))])

        return {
            "min": int(values[0]),
            "median": at(_nearest(rows, 0.5)),
            "p90": at(_nearest(rows, 0.9)),
            "max": int(values[-1]),
        }


@define
class CorpusStats:
    """Figures for the card, computed column-wise from the raw tables."""

    posts: int
    replies: int
    threads: int
    authors: int
    platforms: dict[str, int]
    first: str | None
    last: str | None
    estimated_times: int
    text_lengths: dict[str, dict[str, int] | None]
    transforms: dict[str, int]
    formats: dict[str, int]
    parser_versions: list[str]
    #: Records whose provenance names an anonymise / scrub transform.
    anonymized: int
    scrubbed: int

    @property
    def records(self) -> int:
        """Posts and replies together."""
        return self.posts + self.replies

    @property
    def anonymization(self) -> str:
        """``all``, ``partial`` or ``none`` of the records pseudonymised."""
        if self.records and self.anonymized == self.records:
            return "all"
        return "partial" if self.anonymized else "none"


def _is_anonymize(transform: str) -> bool:
    return transform.lower().startswith(("anonymize", "anonymise", "pseudonymi"))


def _is_scrub(transform: str) -> bool:
    return transform.lower().startswith("scrub")


class StatsBuilder:
    """:class:`CorpusStats` computed while the record batches go by, a batch at a time.

    Holds what cannot be merged into a number at once: the distinct thread and author
    ids, and how many texts have each length (for exact quantiles).
    """

    def __init__(self) -> None:
        self._rows = {"posts": 0, "replies": 0}
        self._threads = _Distinct()
        self._authors = _Distinct()
        self._lengths = {"posts": _Lengths(), "replies": _Lengths()}
        self._platforms: Counter[str] = Counter()
        self._formats: Counter[str] = Counter()
        self._transforms: Counter[str] = Counter()
        self._versions: set[str] = set()
        self._anonymized = self._scrubbed = self._estimated = 0
        self._first: Any = None
        self._last: Any = None

    def add(self, table: str, batch: Any) -> None:
        """Count *batch*, a record batch of the ``posts`` or ``replies`` table."""
        import pyarrow.compute as pc

        rows = len(batch)
        self._rows[table] += rows
        if rows == 0:
            return
        self._threads.add(batch.column("id" if table == "posts" else "post_id"))
        self._authors.add(pc.struct_field(batch.column("author"), "id"))
        self._lengths[table].add(pc.utf8_length(batch.column("text")))
        for item in pc.value_counts(batch.column("platform")).to_pylist():
            self._platforms[item["values"]] += item["counts"]
        times = batch.column("created_at")
        low, high = pc.min(times).as_py(), pc.max(times).as_py()
        if low is not None:
            self._first = low if self._first is None or low < self._first else self._first
            self._last = high if self._last is None or high > self._last else self._last
        estimated = pc.sum(pc.and_(batch.column("created_at_estimated"), pc.is_valid(times)))
        self._estimated += estimated.as_py() or 0
        provenance = batch.column("provenance")
        for item in pc.value_counts(pc.struct_field(provenance, "format")).to_pylist():
            if item["values"] is not None:
                self._formats[item["values"]] += item["counts"]
        self._versions.update(
            v for v in pc.unique(pc.struct_field(provenance, "parser_version")).to_pylist() if v
        )
        # Transform lists are short and repeat: count distinct lists, not rows.
        lists = pc.struct_field(provenance, "transforms")
        for item in pc.value_counts(pc.binary_join(lists, "\x1f")).to_pylist():
            names = [] if not item["values"] else item["values"].split("\x1f")
            for name in names:
                self._transforms[name] += item["counts"]
            if any(_is_anonymize(n) for n in names):
                self._anonymized += item["counts"]
            if any(_is_scrub(n) for n in names):
                self._scrubbed += item["counts"]

    def result(self) -> CorpusStats:
        """The statistics of every batch added."""
        first, last = self._first, self._last
        return CorpusStats(
            posts=self._rows["posts"],
            replies=self._rows["replies"],
            threads=self._threads.count(),
            authors=self._authors.count(),
            platforms=dict(self._platforms.most_common()),
            first=first.isoformat().replace("+00:00", "Z") if first is not None else None,
            last=last.isoformat().replace("+00:00", "Z") if last is not None else None,
            estimated_times=self._estimated,
            text_lengths={t: counts.summary() for t, counts in self._lengths.items()},
            transforms=dict(self._transforms.most_common()),
            formats=dict(self._formats.most_common()),
            parser_versions=sorted(self._versions),
            anonymized=self._anonymized,
            scrubbed=self._scrubbed,
        )


def corpus_stats(corpus: ArrowCorpus) -> CorpusStats:
    """Statistics of *corpus* (both tables), without building Python records."""
    stats = StatsBuilder()
    for table, data in (("posts", corpus.posts), ("replies", corpus.replies)):
        for batch in data.to_batches():
            stats.add(table, batch)
    return stats.result()


def _yaml_feature(feature: Mapping[str, Any]) -> dict[str, Any]:
    # One feature of ``Features.to_dict`` as ``Features._to_yaml_list`` writes it, for the
    # kinds our tables use: Value, ClassLabel, List and nested dicts (structs).
    kind = feature.get("_type")
    if kind == "Value":
        return {"dtype": feature["dtype"]}
    if kind == "ClassLabel":
        names = {str(i): name for i, name in enumerate(feature["names"])}
        return {"dtype": {"class_label": {"names": names}}}
    if kind == "List":
        inner = _yaml_feature(feature["feature"])
        if list(inner) in (["dtype"], ["struct"]):
            return {"list": next(iter(inner.values()))}
        return {"list": inner}
    if kind is not None:
        raise ValueError(f"no YAML form for feature type {kind!r}")
    return {"struct": _yaml_features(feature)}


def _yaml_features(features: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"name": name, **_yaml_feature(feature)} for name, feature in features.items()]


def _config_features(config: str) -> list[dict[str, Any]]:
    # ``features(config)._to_yaml_list()``, from the Features JSON that
    # ``features_schema`` carries (so ``datasets`` is not imported).
    from .schema import features_schema

    info = json.loads(features_schema(config).metadata[b"huggingface"])
    return _yaml_features(info["info"]["features"])


def _dataset_info(
    config: str, per_split: Mapping[str, SplitInfo], extras: Mapping[str, ExtraConfig]
) -> dict[str, Any]:
    # ``DatasetInfo._to_yaml_dict()`` with its ``config_name`` first, as
    # ``DatasetInfosDict.to_dataset_card_data`` writes it.
    extra = extras.get(config)
    return {
        "config_name": config,
        "features": _config_features(config) if extra is None else _yaml_features(extra.features),
        "splits": [
            {"name": split, "num_bytes": part.num_bytes, "num_examples": part.rows}
            for split, part in per_split.items()
        ],
        "download_size": sum(part.download_size for part in per_split.values()),
        "dataset_size": sum(part.num_bytes for part in per_split.values()),
    }


def _card_data(
    splits: Mapping[str, Mapping[str, SplitInfo]],
    *,
    default_config: str,
    languages: Sequence[str],
    license: str,
    pretty_name: str | None,
    rows: int,
    extras: Mapping[str, ExtraConfig] | None = None,
) -> DatasetCardData:
    """The card's YAML front matter: what ``datasets``' ``DatasetInfosDict`` and
    ``MetadataConfigs`` add to the ``DatasetCardData`` (as ``push_to_hub`` does), built
    without importing ``datasets``; ``tests/test_card_yaml.py`` checks it against them."""
    from huggingface_hub import DatasetCardData

    data = DatasetCardData(
        language=list(languages) or None,
        license=license,
        size_categories=[size_category(rows)],
        pretty_name=pretty_name,
        tags=["tearcorpus", "comments", "conversations"],
    )
    if splits:
        infos = [
            _dataset_info(config, per_split, extras or {}) for config, per_split in splits.items()
        ]
        # One config is written as a mapping (without ``config_name: default``), several
        # as a list sorted by name.
        if len(infos) == 1:
            data["dataset_info"] = infos[0]
            if infos[0]["config_name"] == "default":
                del infos[0]["config_name"]
        else:
            data["dataset_info"] = sorted(infos, key=lambda info: str(info["config_name"]))
        configs = []
        for config in sorted(splits):
            entry: dict[str, Any] = {
                "config_name": config,
                "data_files": [
                    {"split": split, "path": f"{config}/{split}-*"} for split in splits[config]
                ],
            }
            if config == default_config:
                entry["default"] = True
            configs.append(entry)
        data["configs"] = configs
    return data


def _type_name(column: Column) -> str:
    return {
        "string": "string",
        "int": "int64",
        "bool": "bool",
        "timestamp": "timestamp (UTC, µs)",
        "platform": "ClassLabel (" + ", ".join(_platforms()) + ")",
        "json": "string (JSON object)",
        "author": "struct",
        "provenance": "struct",
        "messages": "list of {role, content, name}",
    }[column.type]


def _platforms() -> list[str]:
    from .schema import PLATFORM_NAMES

    return list(PLATFORM_NAMES)


def _fields_table(config: str) -> list[str]:
    lines = ["| field | type | null? | meaning |", "|---|---|---|---|"]
    for column in TABLES[config]:
        null = "yes" if column.nullable else "no"
        lines.append(f"| `{column.name}` | {_type_name(column)} | {null} | {column.doc} |")
        if column.type in ("author", "provenance"):
            parts = AUTHOR_FIELDS if column.type == "author" else PROVENANCE_FIELDS
            for name, kind, nullable in parts:
                kind = "list of string" if kind == "string_list" else kind.replace("int", "int64")
                lines.append(
                    f"| `{column.name}.{name}` | {kind} | {'yes' if nullable else 'no'} | |"
                )
    return lines


def _fmt_lengths(lengths: dict[str, int] | None) -> str:
    if lengths is None:
        return "| – | – | – | – |"
    return f"| {lengths['min']} | {lengths['median']} | {lengths['p90']} | {lengths['max']} |"


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def anonymization(readme: str) -> str | None:
    """``all``, ``partial`` or ``none`` as recorded in a card, ``None`` if it says nothing."""
    match = _ANON_MARK.search(readme)
    return match.group(1) if match else None


_EXCLUDE_MARK: Final = re.compile(r"<!--\s*tearcorpus:exclude=(\S+)\s*-->")


def exclusion(readme: str) -> str | None:
    """The digest of the opt-out list a card records (``none`` for none applied), or
    ``None`` for a card that says nothing (written before the list existed)."""
    match = _EXCLUDE_MARK.search(readme)
    return match.group(1) if match else None


def exported_files(readme: str) -> list[str] | None:
    """The data files (relative paths) a card records as its export's, ``None`` if it
    records none (a card of an older tearcorpus, or not ours)."""
    match = _FILES_MARK.search(readme)
    if match is None:
        return None
    try:
        files = json.loads(match.group(1))
    except ValueError:
        return None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return files


def _code(text: str) -> str:
    """*text* as a code span in a Markdown table cell: pipes escaped, line breaks shown
    as ``\\n`` / ``\\r``, and a fence longer than any run of backticks inside."""
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest or text.startswith(" ") or text.endswith(" ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_card(
    stats: CorpusStats,
    splits: Mapping[str, Mapping[str, SplitInfo]],
    *,
    default_config: str = "replies_in_context",
    languages: Sequence[str] = (),
    license: str | None = None,
    pretty_name: str | None = None,
    report: Report | None = None,
    seed: int = 0,
    ratios: Sequence[float] = (0.8, 0.1, 0.1),
    exclude_digest: str | None = None,
    extras: Mapping[str, ExtraConfig] | None = None,
) -> str:
    """The whole ``README.md``: YAML front matter and the card's body. *exclude_digest*
    is the digest of the opt-out list applied (recorded for ``publish``); *extras*
    describe the configs of *splits* beside the corpus tables (``labels``)."""
    extras = extras or {}
    licence_id = license or "unknown"
    rows = sum(p.rows for p in splits.get("replies", {}).values()) or stats.records
    data = _card_data(
        splits,
        default_config=default_config,
        languages=languages,
        license=licence_id,
        pretty_name=pretty_name,
        rows=rows,
        extras=extras,
    )
    title = pretty_name or "Comment corpus"
    platforms = ", ".join(f"{p} ({n})" for p, n in stats.platforms.items()) or "none"
    out: list[str] = [f"---\n{data.to_yaml()}\n---", "", f"# {title}", ""]
    out += [
        "## Summary",
        "",
        f"A corpus of {_n(stats.posts, 'post')} and {_n(stats.replies, 'reply', 'replies')} "
        f"in {_n(stats.threads, 'thread')} (records by platform: {platforms}), with their "
        "reply structure (`post_id`, `parent_id`). Exported by "
        f"[tearcorpus](https://github.com/tearcorpus/tearcorpus) {__version__}.",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        f'ds = load_dataset("<this repo or folder>", "{default_config}")',
        "```",
        "",
        "## Languages",
        "",
        (
            "Declared by the exporter: " + ", ".join(f"`{lang}`" for lang in languages) + "."
            if languages
            else "Not stated: the exporter gave no `--language`, and tearcorpus does not "
            "detect it. Comments may be in several languages."
        ),
        "",
        "## Configs and fields",
        "",
    ]
    for config in splits:
        marker = " (default)" if config == default_config else ""
        extra = extras.get(config)
        summary = CONFIG_SUMMARIES.get(config, "") if extra is None else extra.summary
        out += [f"### `{config}`{marker}", "", summary, ""]
        out += _fields_table(config) if extra is None else extra.fields
        out.append("")
    out += [
        "Times are UTC. `extra` keeps every source field with no column, as JSON text: "
        "`json.loads(row['extra'])`. `created_at_estimated` marks times derived from "
        'relative text such as "2 weeks ago", and `created_at_precision` says how precise '
        "each time is (`exact`, `day`, `week`, `month` or `year`).",
        "",
        "## Splits",
        "",
        "Splits are grouped by thread: a post and all its replies are in the same split, "
        "so no thread leaks across train, validation and test. A thread's split comes "
        f"from a hash of its post id and the seed ({seed}); ratios of threads: "
        + ", ".join(
            f"{s} {r:g}" for s, r in zip(("train", "validation", "test"), ratios, strict=True)
        )
        + ". Splits with no rows are left out.",
        "",
        "| config | " + " | ".join(("train", "validation", "test")) + " |",
        "|---|---|---|---|",
    ]
    for config, per_split in splits.items():
        cells = [
            str(per_split[s].rows) if s in per_split else "0"
            for s in ("train", "validation", "test")
        ]
        out.append(f"| `{config}` | " + " | ".join(cells) + " |")
    out += [
        "",
        "## Statistics",
        "",
        f"- Records: {_n(stats.posts, 'post')}, {_n(stats.replies, 'reply', 'replies')}, "
        f"{_n(stats.threads, 'thread')}, {_n(stats.authors, 'distinct author id')}.",
        f"- Platforms: {platforms}.",
        (
            f"- Time range: {stats.first} to {stats.last} (UTC)"
            + (
                f"; {stats.estimated_times} times are estimates from relative dates."
                if stats.estimated_times
                else "."
            )
            if stats.first
            else "- Time range: no record has a time."
        ),
        "",
        "Text length in characters:",
        "",
        "| table | min | median | p90 | max |",
        "|---|---|---|---|---|",
        "| posts " + _fmt_lengths(stats.text_lengths["posts"]),
        "| replies " + _fmt_lengths(stats.text_lengths["replies"]),
        "",
    ]
    for extra in extras.values():
        out += extra.section
    out += [
        "## Provenance",
        "",
        f"Built with tearcorpus {__version__}"
        + (
            f" (parser versions: {', '.join(stats.parser_versions)})."
            if stats.parser_versions
            else "."
        ),
        "",
        "Input formats (records): "
        + (", ".join(f"`{f}` ({n})" for f, n in stats.formats.items()) or "not recorded")
        + ".",
        "",
    ]
    if report is not None and report.sources:
        out += [
            "| input | format | posts | replies | rejected |",
            "|---|---|---|---|---|",
        ]
        for source in report.sources:
            out.append(
                f"| {_code(os.path.basename(source.source) or source.source)} "
                f"| {source.format} "
                f"| {source.posts} | {source.replies} | {source.rejected} |"
            )
        reasons = report.rejected_by_reason
        out += [
            "",
            f"{report.read} records read, {report.written} written, "
            f"{report.rejected} rejected"
            + (
                " (" + ", ".join(f"{k}: {v}" for k, v in sorted(reasons.items())) + ")"
                if reasons
                else ""
            )
            + f", {report.dropped} dropped by transforms, {report.merged} merged"
            + (
                " ("
                + ", ".join(f"{k}: {v}" for k, v in sorted(report.merged_by_reason.items()))
                + ")"
                if report.merged
                else ""
            )
            + ": one record per id, observations of one id merged as docs/model.md says.",
            "",
        ]
    else:
        out += ["The inputs were not recorded for this export.", ""]
    transforms = ", ".join(f"`{t}` ({n})" for t, n in stats.transforms.items())
    out += [
        "Transforms applied after parsing (records): " + (transforms or "none") + ".",
        "",
        "## Personal information",
        "",
        f"<!-- tearcorpus:anonymized={stats.anonymization} -->",
        f"<!-- tearcorpus:exclude={exclude_digest or 'none'} -->",
        "<!-- tearcorpus:files="
        + json.dumps(
            [f for per_split in splits.values() for p in per_split.values() for f in p.files]
        )
        + " -->",
    ]
    if stats.anonymization == "all":
        out.append(
            "Authors are pseudonymised with a keyed hash on every record (the key is not "
            "part of this dataset)."
        )
    elif stats.anonymization == "partial":
        out.append(
            f"**Warning:** only {stats.anonymized} of {stats.records} records were "
            "pseudonymised; the others carry author names and ids as published."
        )
    else:
        out.append(
            "**Warning: no anonymisation was applied.** Author names, ids and profile "
            "links are as published, and the text may name people or hold contact "
            "details. Public comments are still personal data in many jurisdictions: "
            "check with your ethics board before sharing, or re-export with "
            "`tearcorpus convert --anonymize`."
        )
    if exclude_digest is not None:
        withdrawn = report.dropped_by_reason.get("withdrawn", 0) if report is not None else 0
        out.append(
            f"An opt-out list was applied: {withdrawn} records were withdrawn at their "
            "authors' request (which ones is not recorded here)."
        )
    if stats.scrubbed:
        out.append(
            f"Text of {stats.scrubbed} of {stats.records} records was scrubbed of emails, "
            "phone numbers, URLs, IP addresses and handles."
        )
    elif stats.anonymization != "none":
        out.append("The text itself was not scrubbed and may still name people.")
    out += [
        "",
        "Comments can reveal health, beliefs and other sensitive facts about their authors "
        "and the people they mention; treat them accordingly.",
        "",
        "## Licence",
        "",
    ]
    if license:
        out.append(f"Released by the exporter under `{license}`.")
    else:
        out.append(
            "`unknown`: the exporter chose no licence (`--license`). The comments remain "
            "the work of their authors, under the platforms' terms of service; this "
            "corpus is for research use within those terms."
        )
    out.append("")
    return "\n".join(out)
