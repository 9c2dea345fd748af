"""The annotation round trip: corpus → annotation tool → labels → agreement → corpus.

1. :func:`export_tasks` samples replies by thread and writes tasks for Label Studio,
   doccano or a spreadsheet, each with its context and its text's hash;
2. :func:`import_labels` reads the tool's export back, keyed by record id and checked
   against the text hash, into a labels folder (a long table and an aggregated one);
3. :func:`agreement` measures how far the raters agree (Krippendorff's alpha, Fleiss'
   and Cohen's kappa, per label and per rater, a bootstrap interval, a heatmap);
4. ``convert --to hub --labels DIR`` (``labels=`` from Python, and
   :func:`tearcorpus.hf.to_dataset_dicts`) publishes the labels with the corpus as a
   ``labels`` config of ``ClassLabel`` features, described in the card.

See docs/annotation.md.
"""

from __future__ import annotations

from ._common import Item, LabelError, LabelScheme, text_sha1
from .agreement import Agreement, agreement, cohen_kappa, fleiss_kappa, krippendorff_alpha
from .hub import LABELS_CONFIG, LabelsConfig, labels_dataset_dict, labels_features
from .labels import (
    IMPORT_TOOLS,
    Aggregate,
    LabelImport,
    Labels,
    Rating,
    aggregate,
    import_labels,
    load_labels,
)
from .tasks import CONTEXTS, TOOLS, TaskExport, export_tasks, select_items, write_tasks

__all__ = [
    "CONTEXTS",
    "IMPORT_TOOLS",
    "LABELS_CONFIG",
    "TOOLS",
    "Aggregate",
    "Agreement",
    "Item",
    "LabelError",
    "LabelImport",
    "LabelScheme",
    "Labels",
    "LabelsConfig",
    "Rating",
    "TaskExport",
    "aggregate",
    "agreement",
    "cohen_kappa",
    "export_tasks",
    "fleiss_kappa",
    "import_labels",
    "krippendorff_alpha",
    "labels_dataset_dict",
    "labels_features",
    "load_labels",
    "select_items",
    "text_sha1",
    "write_tasks",
]
