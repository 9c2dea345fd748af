"""The dataset card (``README.md``) of a Hub folder.

The YAML front matter is a ``huggingface_hub.DatasetCardData`` with what ``push_to_hub``
puts there: ``dataset_info`` written by ``datasets``' own ``DatasetInfosDict`` from a
``DatasetInfo`` per config (features, splits with their rows and bytes, sizes), and
``configs`` with each config's ``data_files`` per split (the Hub's data files
configuration), so that the Hub and ``load_dataset`` read them. The body, rendered from
the template ``tearcorpus/templates/card.md`` (Jinja), is a card a researcher can
publish: summary, languages, configs and fields, statistics, splits, provenance,
personal information and licence. Text from the inputs (their file names) is escaped
for the Markdown table it goes into.

Machine-readable lines that ``publish`` reads back: ``<!-- tearcorpus:anonymized=all|
partial|none -->``, whether authors were pseudonymised (:func:`anonymization`);
``<!-- tearcorpus:exclude=DIGEST|none -->``, the opt-out list applied (:func:`exclusion`);
``<!-- tearcorpus:files=[...] -->``, a JSON list naming every data file of this export
(:func:`exported_files`): ``publish`` refuses a folder holding a data file it does not name.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache, partial
from importlib.resources import files
from typing import TYPE_CHECKING, Final

from attrs import define, field, frozen

from ..._version import __version__
from ...schema import AUTHOR_FIELDS, PLATFORM_NAMES, PROVENANCE_FIELDS, TABLES, Column
from .configs import SPLITS, get_config

if TYPE_CHECKING:
    import jinja2
    from huggingface_hub import DatasetCardData

    from ...report import Report
    from .stats import CorpusStats

__all__ = [
    "ExtraConfig",
    "SplitInfo",
    "anonymization",
    "card_data",
    "exclusion",
    "exported_files",
    "render_card",
    "size_category",
]

#: The tags every card carries.
TAGS: Final = ("tearcorpus", "comments", "conversations")

_ANON_MARK: Final = re.compile(r"<!--\s*tearcorpus:anonymized=(all|partial|none)\s*-->")
_EXCLUDE_MARK: Final = re.compile(r"<!--\s*tearcorpus:exclude=(\S+)\s*-->")
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


Splits = Mapping[str, Mapping[str, SplitInfo]]


@define
class ExtraConfig:
    """A config the card lists beside the declared ones (a Hub folder's ``labels``): its
    features (as ``datasets.Features.to_dict()`` gives them), what it holds, its fields
    table (Markdown lines) and a section of the card's body of its own."""

    features: dict[str, object]
    summary: str
    fields: list[str]
    section: list[str]


def anonymization(readme: str) -> str | None:
    """``all``, ``partial`` or ``none`` as recorded in a card, ``None`` if it says nothing."""
    match = _ANON_MARK.search(readme)
    return match.group(1) if match else None


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
        found = json.loads(match.group(1))
    except ValueError:
        return None
    if not isinstance(found, list) or not all(isinstance(f, str) for f in found):
        return None
    return found


def card_data(
    splits: Splits,
    *,
    default_config: str,
    languages: Sequence[str] = (),
    license: str = "unknown",
    pretty_name: str | None = None,
    rows: int = 0,
    extras: Mapping[str, ExtraConfig] | None = None,
) -> DatasetCardData:
    """The card's YAML front matter for the configs and splits written (*splits*, in the
    card's order), *rows* examples in all."""
    from datasets import DatasetInfo, Features, SplitDict
    from datasets import SplitInfo as DatasetSplit
    from datasets.info import DatasetInfosDict
    from huggingface_hub import DatasetCardData

    from ...schema import features

    data = DatasetCardData(
        language=list(languages) or None,
        license=license,
        size_categories=[size_category(rows)],
        pretty_name=pretty_name,
        tags=list(TAGS),
    )
    if not splits:
        return data
    infos = DatasetInfosDict()
    for config, parts in splits.items():
        written = SplitDict()
        for split, part in parts.items():
            written.add(DatasetSplit(name=split, num_bytes=part.num_bytes, num_examples=part.rows))
        infos[config] = DatasetInfo(
            config_name=config,
            features=features(config)
            if config not in (extras or {})
            else Features.from_dict((extras or {})[config].features),
            splits=written,
            download_size=sum(p.download_size for p in parts.values()),
            dataset_size=sum(p.num_bytes for p in parts.values()),
        )
    infos.to_dataset_card_data(data)
    data["configs"] = [
        {
            "config_name": config,
            "data_files": [{"split": s, "path": f"{config}/{s}-*"} for s in splits[config]],
            **({"default": True} if config == default_config else {}),
        }
        for config in sorted(splits)
    ]
    return data


@frozen
class _Field:
    """A row of a config's field table."""

    name: str
    type: str
    nullable: bool
    doc: str = ""


def _type_name(column: Column) -> str:
    return {
        "string": "string",
        "int": "int64",
        "bool": "bool",
        "timestamp": "timestamp (UTC, µs)",
        "platform": "ClassLabel (" + ", ".join(PLATFORM_NAMES) + ")",
        "json": "string (JSON object)",
        "author": "struct",
        "provenance": "struct",
        "messages": "list of {role, content, name}",
    }[column.type]


def _fields(config: str) -> list[_Field]:
    """The rows of *config*'s field table: its columns, and the fields of its structs."""
    rows = []
    for column in TABLES[config]:
        rows.append(_Field(f"`{column.name}`", _type_name(column), column.nullable, column.doc))
        if column.type in ("author", "provenance"):
            parts = AUTHOR_FIELDS if column.type == "author" else PROVENANCE_FIELDS
            for name, kind, nullable in parts:
                kind = "list of string" if kind == "string_list" else kind.replace("int", "int64")
                rows.append(_Field(f"`{column.name}.{name}`", kind, nullable))
    return rows


def _code(text: str) -> str:
    """*text* as a code span in a Markdown table cell: pipes escaped, line breaks shown
    as ``\\n`` / ``\\r``, and a fence longer than any run of backticks inside."""
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest or text.startswith(" ") or text.endswith(" ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _count(number: int, one: str, many: str | None = None) -> str:
    """``1 post``, ``2 posts``."""
    return f"{number} {one if number == 1 else (many or one + 's')}"


def _counts(counts: Mapping[str, int]) -> str:
    """`` (a: 1, b: 2)`` by name, or nothing for no counts."""
    if not counts:
        return ""
    return " (" + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) + ")"


@cache
def _template() -> jinja2.Template:
    import jinja2

    environment = jinja2.Environment(
        autoescape=False,  # Markdown: what needs escaping is escaped by filters
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters.update(code=_code, count=_count, counts=_counts, json=json.dumps)
    text = (files("tearcorpus") / "templates" / "card.md").read_text(encoding="utf-8")
    return environment.from_string(text)


def render_card(
    stats: CorpusStats,
    splits: Splits,
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
    summaries: Mapping[str, str] | None = None,
    front_matter: Callable[[Callable[[], DatasetCardData]], str] | None = None,
) -> str:
    """The whole ``README.md``: YAML front matter and the card's body, for *stats* and the
    configs and splits written (*splits*). *exclude_digest* is the digest of the opt-out
    list applied (recorded for ``publish``); *extras* describe the configs of *splits*
    that are not declared in :data:`~tearcorpus.exporters.hub.configs.CONFIGS`
    (``labels``), *summaries* what a row is of the optional declared ones.
    *front_matter* turns :func:`card_data` (a partial of it) into the YAML
    (default: here; the Hub export has it made in its charts' second process)."""
    extras = extras or {}
    summaries = summaries or {}
    rows = sum(p.rows for p in splits.get("replies", {}).values()) or stats.records
    make = partial(
        card_data,
        splits,
        default_config=default_config,
        languages=languages,
        license=license or "unknown",
        pretty_name=pretty_name,
        rows=rows,
        extras=extras,
    )
    sources = report.sources if report is not None else []
    return _template().render(
        yaml=front_matter(make) if front_matter is not None else make().to_yaml(),
        title=pretty_name or "Comment corpus",
        version=__version__,
        stats=stats,
        platforms=", ".join(f"{p} ({n})" for p, n in stats.platforms.items()) or "none",
        default_config=default_config,
        languages=languages,
        configs=[
            {
                "name": config,
                "default": config == default_config,
                "summary": extras[config].summary
                if config in extras
                else summaries.get(config) or get_config(config).summary,
                "fields": [] if config in extras else _fields(config),
                "lines": extras[config].fields if config in extras else [],
            }
            for config in splits
        ],
        sections=[line for extra in extras.values() for line in extra.section],
        seed=seed,
        ratios=list(zip(SPLITS, ratios, strict=True)),
        split_names=SPLITS,
        split_rows=[
            (config, [parts[s].rows if s in parts else 0 for s in SPLITS])
            for config, parts in splits.items()
        ],
        report=report,
        inputs=[
            {
                "name": os.path.basename(s.source) or s.source,
                "format": s.format,
                "posts": s.posts,
                "replies": s.replies,
                "rejected": s.rejected,
            }
            for s in sources
        ],
        reasons=report.rejected_by_reason if report is not None else {},
        exclude_digest=exclude_digest,
        withdrawn=report.dropped_by_reason.get("withdrawn", 0) if report is not None else 0,
        files=[f for parts in splits.values() for part in parts.values() for f in part.files],
        license=license,
    )
