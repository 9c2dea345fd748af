"""The annotation round trip on the bundled sample, with three simulated raters.

1. the sample's replies go to Label Studio as tasks (``tasks.json``, ``label_config.xml``);
2. three raters label them: simulated here (seeded), written as Label Studio's JSON
   export would give them back (one rater cancels a task);
3. the export comes back as a labels folder, keyed by record id and checked against the
   text hash;
4. agreement: Krippendorff's alpha and the rest (a heatmap when matplotlib is there);
5. a Hub folder with the labels as a ``labels`` config of ClassLabel features, loaded
   back offline with ``datasets.load_dataset``.

Run: ``python examples/annotation_loop.py`` (writes into a temporary folder).
"""

from __future__ import annotations

import importlib.util
import json
import random
import tempfile
from pathlib import Path
from typing import Any

import tearcorpus
from tearcorpus import annotate

LABELS = ("sadness", "empathy", "gratitude", "other")
RATERS = (("ana@example.org", 0.9), ("ben@example.org", 0.75), ("chen@example.org", 0.6))


def simulated_export(tasks_dir: Path, seed: int) -> list[dict[str, Any]]:
    """Label Studio's JSON export of *tasks_dir*'s tasks, labelled by three raters: each
    gives the item's "true" label (drawn once per item) with their own accuracy, and
    otherwise a random one; the least careful rater skips (cancels) the first task."""
    rng = random.Random(seed)
    tasks = json.loads((tasks_dir / "tasks.json").read_text())
    exported = []
    for number, task in enumerate(tasks, 1):
        truth = rng.choice(LABELS)
        annotations = []
        for user, (email, accuracy) in enumerate(RATERS, 1):
            cancelled = email.startswith("chen") and number == 1
            choice = truth if rng.random() < accuracy else rng.choice(LABELS)
            result = (
                []
                if cancelled
                else [
                    {
                        "id": f"r{number}-{user}",
                        "from_name": "label",
                        "to_name": "text",
                        "type": "choices",
                        "origin": "manual",
                        "value": {"choices": [choice]},
                    }
                ]
            )
            annotations.append(
                {
                    "id": number * 10 + user,
                    "completed_by": {"id": user, "email": email},
                    "result": result,
                    "was_cancelled": cancelled,
                    "ground_truth": False,
                    "created_at": f"2025-03-0{user}T10:{number:02d}:00.000000Z",
                    "updated_at": f"2025-03-0{user}T10:{number:02d}:30.000000Z",
                    "lead_time": 12.5,
                    "task": number,
                }
            )
        exported.append({"id": number, "data": task["data"], "annotations": annotations})
    return exported


def main() -> None:
    sample = tearcorpus.sample_path()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        tasks = annotate.export_tasks(
            sample, root / "tasks", tool="label-studio", labels=LABELS, sample=15, seed=7
        )
        print(f"1. {tasks.items} tasks from {tasks.threads} thread for Label Studio")

        export = root / "project-1-at-2025-03-04.json"
        export.write_text(json.dumps(simulated_export(root / "tasks", seed=7), indent=1))
        labels = annotate.import_labels(export, tasks=root / "tasks", out=root / "labels")
        print(
            f"2. {labels.annotations} annotations back: {labels.taken} taken from "
            f"{len(labels.raters)} raters, {labels.cancelled} cancelled; "
            f"{labels.labelled} items labelled, {labels.ties} ties"
        )

        heatmap = root / "agreement.png" if importlib.util.find_spec("matplotlib") else None
        figures = annotate.agreement(root / "labels", heatmap=heatmap)
        assert figures.alpha_ci is not None
        print(
            f"3. Krippendorff's alpha {figures.krippendorff_alpha:.3f} "
            f"(95% CI {figures.alpha_ci[0]:.3f} .. {figures.alpha_ci[1]:.3f}); "
            f"Fleiss' kappa {figures.fleiss_kappa}"
            + (f"; heatmap {Path(figures.heatmap).name}" if figures.heatmap else "")
        )

        tearcorpus.convert(sample, to="hub", out=root / "hub", labels=root / "labels")
        from datasets import load_dataset

        ds = load_dataset(str(root / "hub"), "labels")
        split = next(iter(ds))
        row = ds[split][0]
        names = ds[split].features["label"]
        label = "tie" if row["label"] is None else names.int2str(row["label"])
        print(
            f"4. Hub folder: labels config {dict(ds.num_rows)}, label feature "
            f"{type(names).__name__}{tuple(names.names)}; first row: {label!r} for "
            f"{row['text'][:50]!r}..."
        )


if __name__ == "__main__":
    main()
