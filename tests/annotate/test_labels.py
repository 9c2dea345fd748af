"""Labels back from Label Studio, doccano and the sheet: keyed by id, checked by hash."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tearcorpus import annotate
from tearcorpus.annotate import LabelError

from .conftest import DATA, LABELS, THREADS

LS = DATA / "label-studio-export.json"


def _ls_expected() -> dict[tuple[str, str], tuple[str, ...]]:
    """(item, rater) -> labels, read from the fixture independently: the latest
    non-cancelled annotation of each rater wins."""
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    when: dict[tuple[str, str], str] = {}
    for task in json.loads(LS.read_text()):
        for ann in task["annotations"]:
            if ann["was_cancelled"]:
                continue
            who = ann["completed_by"]
            rater = who["email"] if isinstance(who, dict) else str(who)
            key = (task["data"]["id"], rater)
            if key in when and when[key] > ann["updated_at"]:
                continue
            when[key] = ann["updated_at"]
            out[key] = tuple(ann["result"][0]["value"]["choices"])
    return out


def test_label_studio_export_comes_back(tmp_path: Path, tasks: Path) -> None:
    """Every label of the export is keyed by its record id and rater; cancelled and
    superseded annotations are counted and the counts add up."""
    result = annotate.import_labels(LS, tasks=tasks, out=tmp_path / "labels")
    expected = _ls_expected()
    assert result.raters == ["1", "2", "chen@example.org"]
    assert (result.annotations, result.cancelled, result.superseded) == (29, 1, 1)
    assert result.taken == len(expected) == 27
    assert result.annotations == result.taken + result.cancelled + result.empty + result.superseded
    assert (result.items, result.labelled, result.unlabelled) == (9, 9, 0)
    table = pq.read_table(tmp_path / "labels" / "labels.parquet").to_pylist()
    got = {(r["item_id"], r["rater"]): (r["label"],) for r in table}
    assert got == expected
    assert table[0]["annotated_at"].tzinfo is not None
    # ben's later annotation of item 2 replaced his first
    second = json.loads(LS.read_text())[1]["data"]["id"]
    assert got[(second, "2")] == ("sadness",)
    stamp = [r["annotated_at"] for r in table if (r["item_id"], r["rater"]) == (second, "2")]
    assert stamp == [datetime(2025, 5, 9, 12, 0, tzinfo=UTC)]


def test_aggregated_majority_and_ties(tmp_path: Path, tasks: Path) -> None:
    """The aggregated table has the majority label, the share agreeing, ties marked."""
    annotate.import_labels(LS, tasks=tasks, out=tmp_path / "labels")
    rows = pq.read_table(tmp_path / "labels" / "aggregated.parquet").to_pylist()
    expected = _ls_expected()
    assert len(rows) == 9
    for row in rows:
        given = [labels[0] for (item, _r), labels in expected.items() if item == row["item_id"]]
        top = max(given.count(label) for label in given)
        leaders = sorted({label for label in given if given.count(label) == top})
        assert row["raters"] == len(given)
        assert row["agreement"] == pytest.approx(top / len(given))
        assert row["tie"] == (len(leaders) > 1)
        assert row["label"] == (None if row["tie"] else leaders[0])
        assert sorted(row["tied"]) == (leaders if row["tie"] else [])
    assert any(row["tie"] for row in rows)
    sheet = (tmp_path / "labels" / "aggregated.csv").read_text()
    assert sheet.splitlines()[0].split(",")[:5] == [
        "item_id",
        "post_id",
        "parent_id",
        "text_sha1",
        "label",
    ]


def test_edited_text_is_refused_naming_the_item(tmp_path: Path, tasks: Path) -> None:
    """A label whose text no longer matches the task's hash is refused, nothing written."""
    export = json.loads(LS.read_text())
    export[3]["data"]["text"] += " (edited)"
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(export))
    with pytest.raises(LabelError, match="text no longer matches") as caught:
        annotate.import_labels(path, tasks=tasks, out=tmp_path / "labels")
    assert caught.value.item == export[3]["data"]["id"]
    assert export[3]["data"]["id"] in str(caught.value)
    assert not (tmp_path / "labels").exists()


def test_carried_hash_of_another_text_is_refused(tmp_path: Path, tasks: Path) -> None:
    """A task whose carried text_sha1 is not the task's is refused even with its text."""
    export = json.loads(LS.read_text())
    export[0]["data"]["text_sha1"] = "0" * 40
    path = tmp_path / "x.json"
    path.write_text(json.dumps(export))
    with pytest.raises(LabelError, match="is not the task's"):
        annotate.import_labels(path, tasks=tasks, out=tmp_path / "labels")


def test_unknown_item_and_label_are_refused(tmp_path: Path, tasks: Path) -> None:
    """An id that is not one of the tasks', or a label outside the set, stops the import."""
    export = json.loads(LS.read_text())
    export[0]["data"]["id"] = "txt-0000000000000000"
    (tmp_path / "a.json").write_text(json.dumps(export))
    with pytest.raises(LabelError, match="not an item of the tasks"):
        annotate.import_labels(tmp_path / "a.json", tasks=tasks, out=tmp_path / "la")
    export = json.loads(LS.read_text())
    export[2]["annotations"][0]["result"][0]["value"]["choices"] = ["joy"]
    (tmp_path / "b.json").write_text(json.dumps(export))
    with pytest.raises(LabelError, match="unknown label 'joy'"):
        annotate.import_labels(tmp_path / "b.json", tasks=tasks, out=tmp_path / "lb")


def test_unlabelled_and_empty_are_counted(tmp_path: Path, tasks: Path) -> None:
    """Items nobody labelled and annotations without a choice are counted, not guessed."""
    export = json.loads(LS.read_text())
    export[0]["annotations"] = []
    export[1]["annotations"][0]["result"] = []
    (tmp_path / "e.json").write_text(json.dumps(export))
    result = annotate.import_labels(tmp_path / "e.json", tasks=tasks, out=tmp_path / "l")
    assert (result.unlabelled, result.labelled, result.empty) == (1, 8, 1)
    assert result.annotations == result.taken + result.cancelled + result.empty + result.superseded


def test_doccano_zip_of_rater_files(tmp_path: Path) -> None:
    """doccano's export (a zip of one JSONL file per rater, label names) comes back with
    the file names as raters; an empty label list is counted as empty."""
    tasks = tmp_path / "tasks"
    annotate.export_tasks(THREADS, tasks, tool="doccano", labels=LABELS)
    result = annotate.import_labels(DATA / "doccano-export.zip", tasks=tasks, out=tmp_path / "l")
    assert result.raters == ["ana", "ben"]
    assert (result.annotations, result.taken, result.empty) == (18, 17, 1)
    with zipfile.ZipFile(DATA / "doccano-export.zip") as archive:
        lines = [json.loads(x) for x in archive.read("ana.jsonl").splitlines()]
    rows = pq.read_table(tmp_path / "l" / "labels.parquet").to_pylist()
    ana = {r["item_id"]: r["label"] for r in rows if r["rater"] == "ana"}
    assert ana == {line["id"]: line["label"][0] for line in lines}


def test_doccano_label_ids_need_the_label_map(tmp_path: Path, tasks: Path) -> None:
    """Older doccano exports give label ids: refused without the map, named with it."""
    old = DATA / "doccano-old-export.jsonl"
    with pytest.raises(LabelError, match="label-map"):
        annotate.import_labels(old, tasks=tasks, out=tmp_path / "a")
    result = annotate.import_labels(
        old, tasks=tasks, out=tmp_path / "b", label_map=DATA / "doccano-labels.json"
    )
    assert result.raters == ["1", "2", "3"]
    assert result.taken == 27
    first = json.loads(old.read_text().splitlines()[0])
    names = {e["id"]: e["text"] for e in json.loads((DATA / "doccano-labels.json").read_text())}
    rows = pq.read_table(tmp_path / "b" / "labels.parquet").to_pylist()
    got = {r["rater"]: r["label"] for r in rows if r["item_id"] == first["meta"]["id"]}
    assert got == {str(a["user"]): names[a["label"]] for a in first["annotations"]}


def test_filled_sheets_come_back(tmp_path: Path) -> None:
    """Filled copies of the sheet (rater column or file name) come back; ;-separated
    labels for multi-label tasks; the defusing prefix is undone."""
    tasks = tmp_path / "tasks"
    annotate.export_tasks(THREADS, tasks, tool="csv", labels=("-1", "+1", "0"), multi=True)
    raw = (tasks / "tasks.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(raw)))
    for name, fill in (("dana", "'-1;'+1"), ("eli", "0")):
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for number, row in enumerate(rows):
            writer.writerow({**row, "label": fill if number % 2 == 0 else ""})
        (tmp_path / f"sheet-{name}.csv").write_text("\ufeff" + out.getvalue(), encoding="utf-8")
    result = annotate.import_labels(
        [tmp_path / "sheet-dana.csv", tmp_path / "sheet-eli.csv"], tasks=tasks, out=tmp_path / "l"
    )
    assert result.raters == ["sheet-dana", "sheet-eli"]
    assert (result.taken, result.empty) == (10, 8)
    table = pq.read_table(tmp_path / "l" / "labels.parquet").to_pylist()
    assert sorted({r["label"] for r in table if r["rater"] == "sheet-dana"}) == ["+1", "-1"]
    agg = pq.read_table(tmp_path / "l" / "aggregated.parquet").to_pylist()
    # dana chose -1 and +1, eli 0: each label has 1 of 2 raters, a tie on each
    assert all(row["label"] == [] and row["tie"] for row in agg)


def test_not_a_tasks_folder(tmp_path: Path) -> None:
    """--tasks must name a folder written by annotate export."""
    with pytest.raises(LabelError, match="not a tasks folder"):
        annotate.import_labels(LS, tasks=tmp_path, out=tmp_path / "l")
