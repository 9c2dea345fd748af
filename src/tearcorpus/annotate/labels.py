"""Labels back from an annotation tool, keyed by record id and checked against the text.

:func:`import_labels` reads what the tools export:

- **Label Studio**: the JSON export (a list of tasks, each with its ``data`` and its
  ``annotations``: ``completed_by``, ``was_cancelled``, ``created_at`` / ``updated_at``
  and a ``result`` whose ``choices`` item from the control named ``label`` holds
  ``value.choices``). ``completed_by`` may be a user id or a user object (its email, or
  its id, names the rater). Cancelled (skipped) annotations are counted.
- **doccano**: the JSONL export of a text-classification project, one file per rater
  (the file's name is the rater: ``alice.jsonl``) or the zip of them doccano gives; a
  line holds the text, the keys the tasks carried (``id``, ``text_sha1``, the context)
  and ``label``, a list of label names. Older doccano versions write ``annotations``
  with label *ids* and user ids instead: give the project's label list
  (``label_map``: doccano's label export, a JSON list of ``{"id": ..., "text": ...}``).
  An empty label list is an example this rater did not label (counted as ``empty``).
- **CSV**: the sheet of ``annotate export --tool csv``, one copy per rater (the
  ``rater`` column, or else the file's name, names the rater); several labels of a
  multi-label item are separated by ``;``.

Every label is keyed by the record id its task carried and checked against the task's
text hash: the text the tool gives back (and the ``text_sha1`` it carried) must hash as
the task's did, or the import stops with an error naming the file and the item, and
nothing is written. Unknown items and labels stop it too. Cancelled annotations, empty
ones and items nobody labelled are counted, never guessed. A rater's later annotation
of the same item replaces the earlier one (counted as ``superseded``).

It writes, into a labels folder: ``labels.parquet`` and ``labels.csv`` (the long table:
``item_id, rater, label, annotated_at``, one row per label given; a multi-label rating
with no label chosen is one row with an empty label), ``aggregated.parquet`` and
``aggregated.csv`` (one row per labelled item: the majority label, the share of raters
who agree with it, ties marked and left without a label) and ``labels.json``.
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import io
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from types import ModuleType
from typing import Final, TypedDict

from attrs import define, field, frozen

from .._atomic import OutputDir
from .._version import __version__
from ..errors import MissingDependencyError, TearcorpusError
from ..model import JsonValue
from ._common import (
    ITEMS_FILE,
    LABELS_FORMAT,
    LABELS_MANIFEST,
    SEPARATOR,
    TASKS_FORMAT,
    TASKS_MANIFEST,
    ItemKey,
    LabelError,
    LabelScheme,
    dumps,
    read_bytes,
    read_items,
    read_manifest,
    text_sha1,
)
from ._exports import Counts, Given, detect, doccano, label_studio, read_label_map, sheet

__all__ = [
    "IMPORT_TOOLS",
    "Aggregate",
    "ImportSource",
    "LabelImport",
    "LabelImportDict",
    "Labels",
    "Rating",
    "aggregate",
    "import_labels",
    "load_labels",
]

#: The exports :func:`import_labels` reads (``auto``: told by the file).
IMPORT_TOOLS: Final = ("auto", "label-studio", "doccano", "csv")
#: The files of a labels folder.
LABEL_FILES: Final = (
    "labels.parquet",
    "labels.csv",
    "aggregated.parquet",
    "aggregated.csv",
    LABELS_MANIFEST,
)


@frozen
class Rating:
    """One rater's judgement of one item: the labels chosen (one, or for multi-label
    tasks any number, none included)."""

    item_id: str
    rater: str
    labels: tuple[str, ...]
    annotated_at: datetime | None = None


@frozen
class Aggregate:
    """The raters' judgements of one item, folded: the majority label (for multi-label
    tasks, every label more than half the raters chose) and how far they agree."""

    item_id: str
    post_id: str
    parent_id: str | None
    text_sha1: str
    #: The majority label; ``None`` on a tie (single-label).
    label: str | None
    #: Multi-label: the labels chosen by more than half the raters (empty for single-label).
    labels: tuple[str, ...]
    raters: tuple[str, ...]
    #: Each rater's labels, in the order of :attr:`raters`.
    rater_labels: tuple[tuple[str, ...], ...]
    #: The share of raters agreeing with the majority (multi-label: with the majority
    #: decision on each label, averaged over the labels).
    agreement: float
    #: No majority: two labels had the most votes (single-label), or exactly half the
    #: raters chose a label (multi-label): see :attr:`tied`.
    tie: bool
    tied: tuple[str, ...]


def aggregate(
    ratings: Iterable[Rating], scheme: LabelScheme, items: dict[str, ItemKey]
) -> list[Aggregate]:
    """*ratings* folded by item (in the order of *items*; items without a rating left out)."""
    by_item: dict[str, list[Rating]] = {}
    for rating in ratings:
        by_item.setdefault(rating.item_id, []).append(rating)
    out = []
    for item_id, key in items.items():
        given = sorted(by_item.get(item_id, ()), key=lambda r: r.rater)
        if not given:
            continue
        raters = tuple(r.rater for r in given)
        count = len(given)
        votes: Counter[str] = Counter(label for r in given for label in r.labels)
        label: str | None = None
        chosen: tuple[str, ...] = ()
        if scheme.multi:
            chosen = tuple(lab for lab in scheme.labels if 2 * votes[lab] > count)
            tied = tuple(lab for lab in scheme.labels if 2 * votes[lab] == count)
            shares = [max(votes[lab], count - votes[lab]) / count for lab in scheme.labels]
            agreement = sum(shares) / len(shares)
        else:
            top = max(votes.values())
            leaders = tuple(lab for lab in scheme.labels if votes[lab] == top)
            tied = leaders if len(leaders) > 1 else ()
            label = None if tied else leaders[0]
            agreement = top / count
        out.append(
            Aggregate(
                item_id,
                key.post_id,
                key.parent_id,
                key.text_sha1,
                label,
                chosen,
                raters,
                tuple(r.labels for r in given),
                agreement,
                bool(tied),
                tied,
            )
        )
    return out


class ImportSource(TypedDict):
    """What :func:`import_labels` read from one export file."""

    source: str
    tool: str
    annotations: int
    taken: int
    cancelled: int
    empty: int


class LabelImportDict(TypedDict):
    """A :class:`LabelImport` as plain JSON data (:meth:`LabelImport.to_dict`)."""

    output: str
    files: list[str]
    labels: list[str]
    multi: bool
    ordered: bool
    items: int
    labelled: int
    unlabelled: int
    raters: list[str]
    annotations: int
    taken: int
    cancelled: int
    empty: int
    superseded: int
    ties: int
    sources: list[ImportSource]


@define
class LabelImport:
    """What :func:`import_labels` read and wrote; the counts add up: every annotation
    read is ``taken``, ``cancelled``, ``empty`` or ``superseded``."""

    outdir: str
    files: list[str]
    scheme: LabelScheme
    #: Items in the tasks; of them labelled (at least one rating) and not.
    items: int
    labelled: int
    unlabelled: int
    raters: list[str]
    #: Annotations read, and what became of them.
    annotations: int
    taken: int
    cancelled: int
    empty: int
    superseded: int
    #: Items whose raters tied (no majority label).
    ties: int
    #: Per export file: tool, annotations, cancelled, empty.
    sources: list[ImportSource] = field(factory=list)

    def to_dict(self) -> LabelImportDict:
        """What was imported, as plain JSON data (``annotate import --json``)."""
        return {
            "output": self.outdir,
            "files": self.files,
            **self.scheme.to_dict(),
            "items": self.items,
            "labelled": self.labelled,
            "unlabelled": self.unlabelled,
            "raters": self.raters,
            "annotations": self.annotations,
            "taken": self.taken,
            "cancelled": self.cancelled,
            "empty": self.empty,
            "superseded": self.superseded,
            "ties": self.ties,
            "sources": self.sources,
        }


# -- import


def _check(given: Given, items: dict[str, ItemKey], scheme: LabelScheme, tasks: str) -> None:
    def refused(reason: str) -> LabelError:
        return LabelError(given.where, reason, item=given.item_id)

    key = items.get(given.item_id)
    if key is None:
        raise refused(f"not an item of the tasks in {tasks}")
    if given.text is None and given.carried_sha1 is None:
        raise refused("carries neither its text nor its text_sha1: cannot check it is the task's")
    if given.text is not None and text_sha1(given.text) != key.text_sha1:
        raise refused("the text no longer matches the task's (text hash differs): refused")
    if given.carried_sha1 is not None and given.carried_sha1 != key.text_sha1:
        raise refused(
            f"text_sha1 {given.carried_sha1} is not the task's ({key.text_sha1}): refused"
        )
    for label in given.labels:
        if scheme.index(label) is None:
            raise refused(f"unknown label {label!r} (the labels: {', '.join(scheme.labels)})")
    if not scheme.multi and len(given.labels) > 1:
        raise refused(f"{len(given.labels)} labels for a single-label task")


def _pyarrow() -> ModuleType:
    try:
        return importlib.import_module("pyarrow")
    except ImportError:
        raise MissingDependencyError("annotation labels", "hf", "pyarrow") from None


def import_labels(
    exports: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    tasks: str | os.PathLike[str],
    out: str | os.PathLike[str],
    tool: str = "auto",
    label_map: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> LabelImport:
    """Read the annotation tool's *exports* of the tasks folder *tasks* and write a
    labels folder *out* (see the module docs). *tool* is told by each file unless given
    (``label-studio``, ``doccano``, ``csv``); *label_map* is doccano's label export, for
    doccano versions that give label ids."""
    tasks = os.fspath(tasks)
    outdir = os.fspath(out)
    named = [exports] if isinstance(exports, str | os.PathLike) else exports
    paths = [os.fspath(path) for path in named]
    if not paths:
        raise TearcorpusError("no export given")
    if tool not in IMPORT_TOOLS:
        raise TearcorpusError(f"unknown tool {tool!r}; choose one of: {', '.join(IMPORT_TOOLS)}")
    manifest = read_manifest(tasks, TASKS_MANIFEST, TASKS_FORMAT, "a tasks folder")
    scheme = LabelScheme.from_dict(manifest)
    items = read_items(tasks)
    items_file = os.path.join(tasks, ITEMS_FILE)
    ids = None if label_map is None else read_label_map(os.fspath(label_map))
    latest: dict[tuple[str, str], Rating] = {}
    superseded = 0
    sources: list[ImportSource] = []
    for path in paths:
        kind = detect(path) if tool == "auto" else tool
        counts = Counts()
        if kind == "label-studio":
            given_all: Iterator[Given] = label_studio(path, counts)
        elif kind == "doccano":
            given_all = doccano(path, counts, ids)
        else:
            given_all = sheet(path, counts, scheme.multi)
        taken = 0
        for given in given_all:
            if not scheme.multi and not given.labels:
                counts.empty += 1
                continue
            _check(given, items, scheme, tasks)
            rating = Rating(given.item_id, given.rater, given.labels, given.annotated_at)
            key = (given.item_id, given.rater)
            earlier = latest.get(key)
            taken += 1
            if earlier is not None:
                superseded += 1
                if (
                    earlier.annotated_at is not None
                    and rating.annotated_at is not None
                    and rating.annotated_at < earlier.annotated_at
                ):
                    continue  # the one kept is the later
            latest[key] = rating
        sources.append(
            {
                "source": os.path.basename(path),
                "tool": kind,
                "annotations": counts.annotations,
                "taken": taken,
                "cancelled": counts.cancelled,
                "empty": counts.empty,
            }
        )
    ratings = sorted(latest.values(), key=lambda r: (r.item_id, r.rater))
    folded = aggregate(ratings, scheme, items)
    raters = sorted({r.rater for r in ratings})
    result = LabelImport(
        outdir=outdir,
        files=[],
        scheme=scheme,
        items=len(items),
        labelled=len(folded),
        unlabelled=len(items) - len(folded),
        raters=raters,
        annotations=sum(source["annotations"] for source in sources),
        taken=len(ratings),
        cancelled=sum(source["cancelled"] for source in sources),
        empty=sum(source["empty"] for source in sources),
        superseded=superseded,
        ties=sum(1 for a in folded if a.tie),
        sources=sources,
    )
    assert result.annotations == result.taken + result.cancelled + result.empty + superseded
    info = {
        "format": LABELS_FORMAT,
        "tearcorpus_version": __version__,
        **scheme.to_dict(),
        "tasks": {
            "tool": manifest.get("tool"),
            "items_digest": "sha256:" + hashlib.sha256(read_bytes(items_file)).hexdigest(),
        },
        **{k: v for k, v in result.to_dict().items() if k not in ("output", "files")},
        "files": list(LABEL_FILES),
    }
    result.files = _write(outdir, ratings, folded, scheme, info, overwrite)
    return result


def _rows(ratings: Sequence[Rating]) -> dict[str, list[object]]:
    given = [(rating, label) for rating in ratings for label in rating.labels or (None,)]
    return {
        "item_id": [rating.item_id for rating, _label in given],
        "rater": [rating.rater for rating, _label in given],
        "label": [label for _rating, label in given],
        "annotated_at": [rating.annotated_at for rating, _label in given],
    }


def _aggregated_columns(folded: Sequence[Aggregate], multi: bool) -> dict[str, list[object]]:
    return {
        "item_id": [a.item_id for a in folded],
        "post_id": [a.post_id for a in folded],
        "parent_id": [a.parent_id for a in folded],
        "text_sha1": [a.text_sha1 for a in folded],
        "label": [list(a.labels) if multi else a.label for a in folded],
        "raters": [len(a.raters) for a in folded],
        "agreement": [a.agreement for a in folded],
        "tie": [a.tie for a in folded],
        "tied": [list(a.tied) for a in folded],
    }


def _csv(columns: dict[str, list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(columns))
    for row in zip(*columns.values(), strict=True):
        cells = []
        for value in row:
            if value is None:
                cells.append("")
            elif isinstance(value, list):
                cells.append(SEPARATOR.join(value))
            elif isinstance(value, bool):
                cells.append("true" if value else "false")
            elif isinstance(value, datetime):
                cells.append(value.isoformat().replace("+00:00", "Z"))
            elif isinstance(value, float):
                cells.append(f"{value:.4f}")
            else:
                cells.append(str(value))
        writer.writerow(cells)
    return buffer.getvalue().encode("utf-8")


def _write(
    outdir: str,
    ratings: Sequence[Rating],
    folded: Sequence[Aggregate],
    scheme: LabelScheme,
    info: dict[str, object],
    overwrite: bool,
) -> list[str]:
    pa = _pyarrow()
    import pyarrow.parquet as pq

    long_schema = pa.schema(
        [
            pa.field("item_id", pa.string(), nullable=False),
            pa.field("rater", pa.string(), nullable=False),
            pa.field("label", pa.string()),
            pa.field("annotated_at", pa.timestamp("us", tz="UTC")),
        ]
    )
    label_type = pa.list_(pa.string()) if scheme.multi else pa.string()
    agg_schema = pa.schema(
        [
            pa.field("item_id", pa.string(), nullable=False),
            pa.field("post_id", pa.string(), nullable=False),
            pa.field("parent_id", pa.string()),
            pa.field("text_sha1", pa.string(), nullable=False),
            pa.field("label", label_type),
            pa.field("raters", pa.int64(), nullable=False),
            pa.field("agreement", pa.float64(), nullable=False),
            pa.field("tie", pa.bool_(), nullable=False),
            pa.field("tied", pa.list_(pa.string()), nullable=False),
        ]
    )
    rows = _rows(ratings)
    columns = _aggregated_columns(folded, scheme.multi)
    with OutputDir(outdir, overwrite=overwrite) as out:
        pq.write_table(pa.table(rows, schema=long_schema), out.open("labels.parquet"))
        out.open("labels.csv").write(_csv(rows))
        pq.write_table(pa.table(columns, schema=agg_schema), out.open("aggregated.parquet"))
        out.open("aggregated.csv").write(_csv(columns))
        out.open(LABELS_MANIFEST).write(dumps(info))
    return [os.path.join(outdir, name) for name in LABEL_FILES]


# -- reading a labels folder back


@define
class Labels:
    """A labels folder read back: the scheme, every rating and the folded items."""

    folder: str
    scheme: LabelScheme
    ratings: list[Rating]
    aggregates: list[Aggregate]
    manifest: dict[str, JsonValue]

    @property
    def raters(self) -> list[str]:
        """The raters who gave a rating, sorted."""
        return sorted({r.rater for r in self.ratings})


def load_labels(folder: str | os.PathLike[str]) -> Labels:
    """The labels folder *folder* (written by :func:`import_labels`)."""
    folder = os.fspath(folder)
    manifest = read_manifest(folder, LABELS_MANIFEST, LABELS_FORMAT, "a labels folder")
    scheme = LabelScheme.from_dict(manifest)
    _pyarrow()
    import pyarrow.parquet as pq

    paths = {name: os.path.join(folder, f"{name}.parquet") for name in ("labels", "aggregated")}
    try:
        long = pq.read_table(paths["labels"]).to_pydict()
        agg = pq.read_table(paths["aggregated"]).to_pydict()
    except (OSError, ValueError) as exc:
        raise LabelError(folder, f"unreadable labels table: {exc}") from None
    grouped: dict[tuple[str, str], list[str]] = {}
    when: dict[tuple[str, str], datetime | None] = {}
    for item, rater, label, at in zip(
        long["item_id"], long["rater"], long["label"], long["annotated_at"], strict=True
    ):
        key = (item, rater)
        grouped.setdefault(key, [])
        if label is not None:
            grouped[key].append(label)
        when[key] = at
    ratings = [Rating(i, r, tuple(labels), when[(i, r)]) for (i, r), labels in grouped.items()]
    keys = {
        item: ItemKey(item, post, parent, sha)
        for item, post, parent, sha in zip(
            agg["item_id"], agg["post_id"], agg["parent_id"], agg["text_sha1"], strict=True
        )
    }
    return Labels(folder, scheme, ratings, aggregate(ratings, scheme, keys), manifest)
