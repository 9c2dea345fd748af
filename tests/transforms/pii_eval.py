"""Precision and recall of the scrubber per kind, on the labelled set in tests/data/pii/.

Run ``.venv/bin/python -m tests.transforms.pii_eval`` to print the table published in
docs/privacy.md. An expected span counts as found when a predicted span of the same kind
covers it entirely (the value is gone); a predicted span is correct when it overlaps an
expected span of the same kind.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from tearcorpus.transforms.scrub import KINDS, find_pii

LABELLED = Path(__file__).parent.parent / "data" / "pii" / "labelled.jsonl"
#: Written separately from the patterns, never used to tune them: the honest figure.
HELDOUT = LABELLED.with_name("heldout.jsonl")


def load(path: Path = LABELLED) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """The labelled lines as ``(text, [(start, end, kind), ...])``."""
    rows = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        data: dict[str, Any] = json.loads(line)
        text: str = data["text"]
        spans: list[tuple[int, int, str]] = []
        pos = 0
        for span in data["spans"]:
            start = text.find(span["value"], pos)
            if start < 0:
                raise ValueError(f"{path}:{number}: {span['value']!r} not in text")
            end = start + len(span["value"])
            spans.append((start, end, span["kind"]))
            pos = end
        rows.append((text, spans))
    return rows


def evaluate(path: Path = LABELLED) -> dict[str, dict[str, float]]:
    """Per kind: support, true positives, false positives, misses, precision, recall."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    found: Counter[str] = Counter()
    support: Counter[str] = Counter()
    for text, expected in load(path):
        predicted = find_pii(text)
        for start, end, kind in expected:
            support[kind] += 1
            if any(p[2] == kind and p[0] <= start and p[1] >= end for p in predicted):
                found[kind] += 1
        for start, end, kind in predicted:
            if any(e[2] == kind and e[0] < end and start < e[1] for e in expected):
                tp[kind] += 1
            else:
                fp[kind] += 1
    table: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        predicted_n = tp[kind] + fp[kind]
        table[kind] = {
            "support": support[kind],
            "found": found[kind],
            "false_positives": fp[kind],
            "precision": tp[kind] / predicted_n if predicted_n else 1.0,
            "recall": found[kind] / support[kind] if support[kind] else 1.0,
        }
    return table


def misses(path: Path = LABELLED) -> list[str]:
    """Every labelled line the scrubber gets wrong, for debugging."""
    out = []
    for text, expected in load(path):
        predicted = find_pii(text)
        if sorted((s, k) for s, _, k in predicted) != sorted((s, k) for s, _, k in expected):
            got = [(text[s:e], k) for s, e, k in predicted]
            want = [(text[s:e], k) for s, e, k in expected]
            out.append(f"{text!r}\n    want {want}\n    got  {got}")
    return out


def markdown(table: dict[str, dict[str, float]]) -> str:
    lines = [
        "| kind | placeholder | labelled | found | false positives | precision | recall |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for kind, row in table.items():
        lines.append(
            f"| {kind} | `[{kind.upper()}]` | {row['support']:.0f} | {row['found']:.0f} "
            f"| {row['false_positives']:.0f} | {row['precision']:.1%} | {row['recall']:.1%} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    chosen = HELDOUT if "--heldout" in sys.argv else LABELLED
    if "--misses" in sys.argv:
        print("\n".join(misses(chosen)))
    rows = load(chosen)
    negatives = sum(1 for _, spans in rows if not spans)
    print(f"{chosen.name}: {len(rows)} labelled lines, {negatives} hard negatives\n")
    print(markdown(evaluate(chosen)))
