"""The command line of the round trip: annotate export, annotate import, agree, and
convert --to hub --labels, on the bundled sample with three raters' Label Studio export."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

import tearcorpus
from tearcorpus.cli import main

from .conftest import DATA, LABELS, THREADS


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _three_raters(tasks: Path, seed: int) -> list[dict[str, Any]]:
    """A Label Studio JSON export of *tasks* by three raters of differing care."""
    rng = random.Random(seed)
    exported = []
    for number, task in enumerate(json.loads((tasks / "tasks.json").read_text()), 1):
        truth = rng.choice(LABELS)
        annotations = []
        for user, care in ((1, 0.9), (2, 0.7), (3, 0.5)):
            choice = truth if rng.random() < care else rng.choice(LABELS)
            annotations.append(
                {
                    "id": number * 10 + user,
                    "completed_by": user,
                    "was_cancelled": False,
                    "created_at": "2025-01-02T03:04:05.000000Z",
                    "updated_at": "2025-01-02T03:04:06.000000Z",
                    "result": [
                        {
                            "from_name": "label",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": [choice]},
                        }
                    ],
                }
            )
        exported.append({"id": number, "data": task["data"], "annotations": annotations})
    return exported


def test_round_trip_on_the_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The sample goes to Label Studio tasks, three raters' export comes back, agree --json
    gives the alpha NLTK computes on the same labels, and the Hub folder's labels config
    loads offline as ClassLabel features."""
    datasets = pytest.importorskip("datasets")
    from nltk.metrics.agreement import AnnotationTask

    sample = str(tearcorpus.sample_path())
    tasks, labels, hub = tmp_path / "tasks", tmp_path / "labels", tmp_path / "hub"
    code, out, _ = _run(
        capsys,
        "annotate", "export", sample, "--tool", "label-studio", "-o", str(tasks),
        "--labels", ",".join(LABELS), "--sample", "15", "--seed", "4", "--json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["items"] == 15
    export = _three_raters(tasks, seed=4)
    (tmp_path / "export.json").write_text(json.dumps(export))
    code, out, _ = _run(
        capsys, "annotate", "import", str(tmp_path / "export.json"),
        "--tasks", str(tasks), "-o", str(labels), "--json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["taken"] == 45
    code, out, _ = _run(capsys, "agree", str(labels), "--json", "--no-plot")
    assert code == 0
    figures = json.loads(out)
    triples = [
        (str(a["completed_by"]), t["data"]["id"], a["result"][0]["value"]["choices"][0])
        for t in export
        for a in t["annotations"]
    ]
    assert figures["krippendorff_alpha"] == pytest.approx(AnnotationTask(triples).alpha(), abs=1e-6)
    assert (figures["items"], figures["raters"]) == (15, 3)
    assert figures["fleiss_kappa"] is not None
    code, _, _ = _run(
        capsys, "convert", sample, "--to", "hub", "-o", str(hub), "--labels", str(labels)
    )
    assert code == 0
    ds = datasets.load_dataset(str(hub), "labels", cache_dir=str(tmp_path / "cache"))
    assert sum(ds.num_rows.values()) == 15
    assert isinstance(next(iter(ds.values())).features["label"], datasets.ClassLabel)


def test_human_output_and_heatmap(
    tmp_path: Path, labels: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """agree without --json prints the figures and writes the heatmap when it can."""
    pytest.importorskip("matplotlib")
    code, out, _ = _run(capsys, "agree", str(labels), "--samples", "50")
    assert code == 0
    assert "Krippendorff's alpha: nominal" in out
    assert "Fleiss' kappa" in out
    assert (labels / "agreement.png").read_bytes()[:4] == b"\x89PNG"


def test_errors_are_one_line(
    tmp_path: Path, tasks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A refused label, a missing folder and a bad option exit 1 with one line naming it."""
    export = json.loads((DATA / "label-studio-export.json").read_text())
    item = export[2]["data"]["id"]
    export[2]["data"]["text"] = "something else"
    (tmp_path / "bad.json").write_text(json.dumps(export))
    code, out, err = _run(
        capsys, "annotate", "import", str(tmp_path / "bad.json"), "--tasks", str(tasks),
        "-o", str(tmp_path / "l"),
    )  # fmt: skip
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert item in err
    assert "bad.json" in err
    code, _, err = _run(capsys, "agree", str(tmp_path / "nowhere"))
    assert code == 1
    assert "nowhere" in err
    code, _, err = _run(
        capsys, "annotate", "export", *THREADS, "--tool", "csv", "-o", str(tmp_path / "t"),
        "--labels", "a,,b",
    )  # fmt: skip
    assert code == 1
    assert "empty label" in err


def test_export_with_anonymize(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """annotate export --anonymize runs the transforms of convert: the tasks hold the
    texts of the anonymised corpus, so the labels attach to it."""
    monkeypatch.setenv("TEARCORPUS_KEY", "an example key 0123456789abcdef")
    reddit = Path(__file__).parent.parent / "data" / "reddit"
    dumps = [str(reddit / "thread.json")]
    code, _, err = _run(
        capsys, "annotate", "export", *dumps, "--tool", "doccano", "-o", str(tmp_path / "t"),
        "--labels", "x,y", "--anonymize",
    )  # fmt: skip
    assert code == 0, err
    corpus = tearcorpus.read(dumps)
    anon = tearcorpus.Corpus(
        tearcorpus.transforms.scrub(
            tearcorpus.transforms.anonymize(corpus, key="an example key 0123456789abcdef")
        )
    )
    texts = {r.id: r.text for r in anon.replies}
    lines = [json.loads(x) for x in (tmp_path / "t" / "tasks.jsonl").read_text().splitlines()]
    assert lines
    assert all(texts[line["id"]] == line["text"] for line in lines)
    manifest = json.loads((tmp_path / "t" / "annotation.json").read_text())
    assert manifest["transforms"] == ["anonymize", "scrub"]
