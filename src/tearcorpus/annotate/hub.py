"""The ``labels`` config of a Hub folder, and of :func:`tearcorpus.hf.to_dataset_dicts`.

One row per labelled reply: its ids, its text and context (the post's title, the text
it answers: its parent reply's, or the post's for a direct reply), the aggregated label
as a ``ClassLabel`` (a list of ``ClassLabel`` for multi-label tasks; empty on a tie),
the share of raters who agree with it, the tie mark, and every rater's labels. Rows are
split by thread with :func:`tearcorpus.hf.assign_split`, as the other configs, so a
labelled reply is in its thread's split.

The texts come from the corpus being written, never from the tasks: each labelled
reply's text must hash as the text its raters were given, or the build stops naming the
item (tasks made with other transforms than the corpus's would attach labels to other
words). Only the rows wanted are kept while the records stream by: the labelled replies,
their parents and their posts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Final, TypedDict

from ..errors import ExportError
from ..schema import _datasets
from ._common import LabelError, LabelScheme, text_sha1
from .labels import Labels, load_labels

if TYPE_CHECKING:
    import datasets
    import pyarrow as pa

    from .._atomic import OutputDir
    from ..exporters.hub.card import ExtraConfig, SplitInfo
    from ..exporters.hub.tables import SplitTables

__all__ = [
    "LABELS_CONFIG",
    "LabelColumns",
    "LabelsConfig",
    "labels_dataset_dict",
    "labels_features",
]

#: The config's name in a Hub folder and in :func:`tearcorpus.hf.to_dataset_dicts`.
LABELS_CONFIG: Final = "labels"


def labels_features(scheme: LabelScheme) -> datasets.Features:
    """The ``datasets.Features`` of the ``labels`` config for *scheme*."""
    ds = _datasets()
    names = ds.ClassLabel(names=list(scheme.labels))
    string = ds.Value("string")
    return ds.Features(
        {
            "id": string,
            "post_id": string,
            "parent_id": string,
            "post_title": string,
            "parent_text": string,
            "text": string,
            "label": ds.List(names) if scheme.multi else names,
            "agreement": ds.Value("float64"),
            "tie": ds.Value("bool"),
            "raters": ds.List(string),
            "rater_labels": ds.List(ds.List(names)) if scheme.multi else ds.List(names),
        }
    )


#: What each field of the config holds, for the card.
FIELD_DOCS: Final = {
    "id": "the reply's id (the `id` of `replies`)",
    "post_id": "the thread's post id",
    "parent_id": "the reply it answers; null for a direct reply to the post",
    "post_title": "the post's title",
    "parent_text": "the text the reply answers: its parent reply's, or the post's",
    "text": "the reply's text, as in `replies`",
    "label": "the majority label (null on a tie)",
    "agreement": "the share of raters who agree with `label`",
    "tie": "no majority: `label` is left empty",
    "raters": "who rated the reply",
    "rater_labels": "each rater's label, in the order of `raters`",
}


class LabelColumns(TypedDict):
    """The columns of the ``labels`` config (:meth:`LabelsConfig.rows`), labels as indices."""

    id: list[str]
    post_id: list[str]
    parent_id: list[str | None]
    post_title: list[str | None]
    parent_text: list[str | None]
    text: list[str]
    #: An index, ``None`` on a tie; for multi-label tasks a list of indices.
    label: list[int | list[int] | None]
    agreement: list[float]
    tie: list[bool]
    raters: list[list[str]]
    #: Each rater's label (for multi-label tasks, labels), in the order of ``raters``.
    rater_labels: list[list[int] | list[list[int]]]


class LabelsConfig:
    """The ``labels`` config under way: the labels folder read, the rows it needs
    collected from the record batches as they go by (:meth:`add`), then the table
    split by thread (:meth:`split_tables`)."""

    def __init__(self, labels: Labels | str | os.PathLike[str]) -> None:
        if not isinstance(labels, Labels):
            try:
                labels = load_labels(labels)
            except LabelError as exc:
                raise ExportError(f"--labels: {exc}") from None
        self.labels = labels
        self.features = labels_features(labels.scheme)
        self._items = {a.item_id: a for a in labels.aggregates}
        parents = {a.parent_id for a in labels.aggregates if a.parent_id is not None}
        self._reply_ids = sorted(set(self._items) | parents)
        self._post_ids = sorted({a.post_id for a in labels.aggregates})
        self._replies: dict[str, tuple[str, str | None, str]] = {}
        self._posts: dict[str, tuple[str | None, str]] = {}

    def add(self, table: str, batch: pa.RecordBatch) -> None:
        """Keep the rows of *batch* (of the ``posts`` or ``replies`` table) this config needs."""
        import pyarrow as pa
        import pyarrow.compute as pc

        wanted = self._post_ids if table == "posts" else self._reply_ids
        mask = pc.is_in(batch.column("id"), value_set=pa.array(wanted, pa.string()))
        if not pc.any(mask).as_py():
            return
        rows = batch.filter(mask)
        kept = ("title", "text") if table == "posts" else ("post_id", "parent_id", "text")
        values = zip(*(rows.column(c).to_pylist() for c in kept), strict=True)
        keyed = zip(rows.column("id").to_pylist(), values, strict=True)
        if table == "posts":
            self._posts.update(keyed)
        else:
            self._replies.update(keyed)

    def add_tables(self, tables: SplitTables) -> None:
        """Keep the rows needed from a corpus's tables, cut by split."""
        from .._batches import read_batches

        for table in ("posts", "replies"):
            for part in tables.files.get(table, {}).values():
                for batch in read_batches(part.path):
                    self.add(table, batch)

    def rows(self) -> LabelColumns:
        """The config's columns (label names as indices), item by item; raises
        :class:`~tearcorpus.ExportError` for an item missing from the corpus or whose
        text is not the one labelled."""
        folder = self.labels.folder
        found: list[tuple[str, str | None, str | None, str | None, str]] = []
        for item_id, agg in self._items.items():
            reply = self._replies.get(item_id)
            if reply is None:
                raise ExportError(
                    f"--labels {folder}: item {item_id} is not a reply of this corpus "
                    "(labels of another corpus, or left out by a transform)"
                )
            post_id, parent_id, text = reply
            if text_sha1(text) != agg.text_sha1:
                raise ExportError(
                    f"--labels {folder}: item {item_id}: the corpus's text is not the text "
                    "that was labelled (text hash differs): export the tasks from this "
                    "corpus, with the transforms it is built with"
                )
            title, post_text = self._posts.get(post_id, (None, None))
            parent = self._replies.get(parent_id) if parent_id is not None else None
            parent_text = post_text if parent_id is None else (parent[2] if parent else None)
            found.append((post_id, parent_id, title, parent_text, text))
        folded = self._items.values()
        index = self.labels.scheme.labels.index
        if self.labels.scheme.multi:
            label: list[int | list[int] | None] = [[index(n) for n in agg.labels] for agg in folded]
            given: list[list[int] | list[list[int]]] = [
                [[index(name) for name in one] for one in agg.rater_labels] for agg in folded
            ]
        else:
            label = [None if agg.label is None else index(agg.label) for agg in folded]
            given = [[index(one[0]) for one in agg.rater_labels] for agg in folded]
        return {
            "id": list(self._items),
            "post_id": [row[0] for row in found],
            "parent_id": [row[1] for row in found],
            "post_title": [row[2] for row in found],
            "parent_text": [row[3] for row in found],
            "text": [row[4] for row in found],
            "label": label,
            "agreement": [agg.agreement for agg in folded],
            "tie": [agg.tie for agg in folded],
            "raters": [list(agg.raters) for agg in folded],
            "rater_labels": given,
        }

    def split_tables(self, *, seed: int, ratios: Sequence[float]) -> dict[str, pa.Table]:
        """Split name → table, for every split with a share (empty ones included),
        split by thread as the other configs."""
        import pyarrow as pa

        from ..hf import SPLITS, assign_split

        columns = self.rows()
        table = pa.table(columns, schema=self.features.arrow_schema)
        names = [assign_split(post, seed, ratios) for post in columns["post_id"]]
        return {
            split: table.filter(pa.array([name == split for name in names], pa.bool_()))
            for split, share in zip(SPLITS, ratios, strict=True)
            if share > 0
        }

    def write(
        self, out: OutputDir, *, seed: int, ratios: Sequence[float]
    ) -> tuple[dict[str, SplitInfo], list[str], ExtraConfig]:
        """Write the config's shards (one per non-empty split) into the Hub folder
        *out*; returns the card's split entries, the files (relative) and the card's
        account of the config."""
        import pyarrow.parquet as pq

        from ..exporters.hub.card import SplitInfo

        splits: dict[str, SplitInfo] = {}
        for split, table in self.split_tables(seed=seed, ratios=ratios).items():
            if len(table) == 0:
                continue
            path = f"{LABELS_CONFIG}/{split}-00000-of-00001.parquet"
            handle = out.open(path)
            pq.write_table(table, handle, compression="snappy")
            splits[split] = SplitInfo(len(table), table.nbytes, [path], handle.tell())
        return splits, [info.files[0] for info in splits.values()], self.card(splits)

    def card(self, splits: Mapping[str, SplitInfo]) -> ExtraConfig:
        """The card's account of the config: features, fields and an annotation section."""
        from ..exporters.hub.card import ExtraConfig
        from .agreement import agreement

        labels = self.labels
        scheme = labels.scheme
        figures = agreement(labels)
        info = labels.manifest
        kinds = "one label or more" if scheme.multi else "one label"
        lists = "list of " if scheme.multi else ""
        types = {
            "label": f"{lists}ClassLabel ({', '.join(scheme.labels)})",
            "agreement": "float64",
            "tie": "bool",
            "raters": "list of string",
            "rater_labels": f"list of {lists}ClassLabel",
        }
        fields = ["| field | type | null? | meaning |", "|---|---|---|---|"]
        for name in self.features:
            null = "yes" if name in ("parent_id", "post_title", "parent_text", "label") else "no"
            fields.append(
                f"| `{name}` | {types.get(name, 'string')} | {null} | {FIELD_DOCS[name]} |"
            )

        def fmt(value: float | None) -> str:
            return "undefined" if value is None else f"{value:.3f}"

        rows = sum(part.rows for part in splits.values())
        section = [
            "## Annotation",
            "",
            f"The `{LABELS_CONFIG}` config holds {rows} replies labelled by "
            f"{len(labels.raters)} raters with {kinds} each from: "
            + ", ".join(f"`{label}`" for label in scheme.labels)
            + (" (an ordered scale, in this order)" if scheme.ordered else "")
            + ".",
            "",
            f"- Tasks: {info.get('items', rows)} replies, sampled by thread; "
            f"{info.get('unlabelled', 0)} were not labelled by anyone. "
            f"Annotations read: {info.get('annotations', 0)} "
            f"({info.get('cancelled', 0)} cancelled, {info.get('empty', 0)} empty, "
            f"{info.get('superseded', 0)} replaced by the rater's later one).",
            f"- Krippendorff's alpha (nominal): {fmt(figures.krippendorff_alpha)}"
            + (f"; ordinal: {fmt(figures.krippendorff_alpha_ordinal)}" if scheme.ordered else "")
            + (
                f" (95% bootstrap interval {fmt(figures.alpha_ci[0])} to "
                f"{fmt(figures.alpha_ci[1])}, {figures.bootstrap_samples} resamples of the "
                "replies)"
                if figures.alpha_ci is not None
                else ""
            )
            + ".",
            f"- Fleiss' kappa: {fmt(figures.fleiss_kappa)}"
            + (
                f" ({figures.raters_per_item} raters per reply)."
                if figures.raters_per_item is not None
                else " (not every reply has as many raters)."
            ),
        ]
        kappas = [k for _a, _b, _n, k in figures.cohen_kappa if k is not None]
        if kappas:
            section.append(
                f"- Cohen's kappa between pairs of raters: {min(kappas):.3f} to "
                f"{max(kappas):.3f} (mean {sum(kappas) / len(kappas):.3f})."
            )
        if scheme.multi:
            rule = (
                "a label is in `label` when more than half the raters of the reply chose "
                "it; a label chosen by exactly half is a tie (`tie` is true) and is left "
                "out. Overall figures pool every (reply, label) decision."
            )
        else:
            rule = (
                "`label` is the label most raters chose; where two labels have the most "
                "votes the reply is a tie: `tie` is true and `label` is empty (null), "
                "not resolved."
            )
        section += [
            f"- Ties: {figures.ties} of {rows} replies. Aggregation: {rule} "
            "Every rater's own label is kept in `rater_labels`.",
            "",
        ]
        summary = (
            "one row per labelled reply with its context, the raters' labels and the "
            "majority label as a ClassLabel (see Annotation)"
        )
        return ExtraConfig(self.features.to_dict(), summary, fields, section)


def labels_dataset_dict(
    corpus: SplitTables,
    labels: Labels | str | os.PathLike[str],
    *,
    seed: int = 0,
    split_ratios: Sequence[float] = (0.8, 0.1, 0.1),
) -> datasets.DatasetDict:
    """The ``labels`` config of *corpus* (its record tables, cut by split) as a
    ``DatasetDict``."""
    from datasets.table import InMemoryTable

    ds = _datasets()
    config = LabelsConfig(labels)
    config.add_tables(corpus)
    out = ds.DatasetDict()
    for split, table in config.split_tables(seed=seed, ratios=split_ratios).items():
        info = ds.DatasetInfo(features=config.features, config_name=LABELS_CONFIG)
        out[split] = ds.Dataset(InMemoryTable(table), info=info, split=ds.NamedSplit(split))
    return out
