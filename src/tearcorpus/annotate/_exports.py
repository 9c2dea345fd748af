"""The annotation tools' exports read into :class:`Given` annotations, before they are
checked: Label Studio's JSON export, doccano's JSONL export (per-rater files or their
zip) and the filled CSV sheet (see :mod:`tearcorpus.annotate.labels` for the shapes)."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from datetime import UTC, datetime

import orjson
from attrs import define, frozen

from ..model import JsonValue
from ._common import SEPARATOR, LabelError, is_strings, read_bytes
from .tasks import SHEET_TRIGGERS


@define
class Counts:
    annotations: int = 0
    cancelled: int = 0
    empty: int = 0


@frozen
class Given:
    """One annotation as a tool gives it back, before it is checked."""

    item_id: str
    rater: str
    labels: tuple[str, ...]
    annotated_at: datetime | None
    #: The text the tool gives back, and the hash the task carried (``None``: not given).
    text: str | None
    carried_sha1: str | None
    where: str


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _time(annotation: dict[str, JsonValue]) -> datetime | None:
    """An annotation's time: when it was last updated, else created."""
    return _when(annotation.get("updated_at")) or _when(annotation.get("created_at"))


def _checked(text: object, carried: object) -> tuple[str | None, str | None]:
    """The text a tool gives back and the hash the task carried, where they are strings."""
    return text if isinstance(text, str) else None, carried if isinstance(carried, str) else None


def _load_json(path: str) -> JsonValue:
    content = read_bytes(path)
    try:
        data: JsonValue = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise LabelError(path, f"not JSON: {exc}") from None
    return data


def _rater_of(value: JsonValue) -> str | None:
    """Label Studio's ``completed_by``: a user id, or a user object."""
    if isinstance(value, dict):
        value = value.get("email") or value.get("id")
    if value is None or isinstance(value, bool) or value == "":
        return None
    return str(value)


def label_studio(path: str, counts: Counts) -> Iterator[Given]:
    tasks = _load_json(path)
    if not isinstance(tasks, list):
        raise LabelError(path, "not a Label Studio JSON export (expected a list of tasks)")
    for number, task in enumerate(tasks):
        where = f"{path}[task {number}]"
        if not isinstance(task, dict) or not isinstance(data := task.get("data"), dict):
            raise LabelError(where, "not a Label Studio task (no 'data'); export as JSON")
        if "id" not in data:
            raise LabelError(where, "the task's data has no 'id': not a tearcorpus task")
        item = str(data["id"])
        common = _checked(data.get("text"), data.get("text_sha1"))
        annotations = task.get("annotations") or []
        if not isinstance(annotations, list):
            raise LabelError(where, "'annotations' is not a list", item=item)
        for annotation in annotations:
            if not isinstance(annotation, dict):
                raise LabelError(where, "an annotation is not an object", item=item)
            counts.annotations += 1
            if annotation.get("was_cancelled"):
                counts.cancelled += 1
                continue
            rater = _rater_of(annotation.get("completed_by"))
            if rater is None:
                raise LabelError(where, "an annotation has no 'completed_by'", item=item)
            choices: list[str] = []
            results = annotation.get("result") or []
            for result in results if isinstance(results, list) else ():
                if (
                    isinstance(result, dict)
                    and result.get("type") == "choices"
                    and result.get("from_name") == "label"
                ):
                    value = result.get("value")
                    found = value.get("choices") if isinstance(value, dict) else None
                    if not is_strings(found):
                        raise LabelError(where, "a 'choices' result without choices", item=item)
                    choices += found
            yield Given(item, rater, tuple(choices), _time(annotation), *common, where)


def doccano_files(path: str) -> Iterator[tuple[str, str, bytes]]:
    """``(where, rater, content)`` of each JSONL file of *path* (a file, or a zip of them)."""
    import zipfile

    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if info.is_dir() or not info.filename.endswith((".jsonl", ".json")):
                        continue
                    stem = os.path.splitext(os.path.basename(info.filename))[0]
                    yield f"{path}!{info.filename}", stem, archive.read(info)
        except (OSError, zipfile.BadZipFile) as exc:
            raise LabelError(path, f"unreadable zip: {exc}") from None
        return
    yield path, os.path.splitext(os.path.basename(path))[0], read_bytes(path)


def doccano(path: str, counts: Counts, label_map: dict[int, str] | None) -> Iterator[Given]:
    for source, stem, content in doccano_files(path):
        for number, line in enumerate(content.splitlines(), 1):
            if not line.strip():
                continue
            where = f"{source}:{number}"
            try:
                row = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise LabelError(where, f"not a JSON line: {exc}") from None
            if not isinstance(row, dict):
                raise LabelError(where, "not a JSON object")
            # Older versions keep the imported keys under ``meta``; newer ones spread them.
            meta = row.get("meta")
            keys = {**row, **meta} if isinstance(meta, dict) else row
            if "id" not in keys:
                raise LabelError(where, "no 'id': not a tearcorpus task")
            item = str(keys["id"])
            common = _checked(row.get("text", row.get("data")), keys.get("text_sha1"))
            if "annotations" in row:  # label ids and user ids
                for annotation in row["annotations"] or []:
                    counts.annotations += 1
                    label = annotation.get("label") if isinstance(annotation, dict) else None
                    if label is None:
                        counts.empty += 1
                        continue
                    name = doccano_label(label, label_map, where, item)
                    user = annotation.get("user_name") or annotation.get("user") or stem
                    yield Given(item, str(user), (name,), _time(annotation), *common, where)
                continue
            labels = row.get("label", row.get("labels"))
            if labels is None:
                labels = []
            if isinstance(labels, str | int):
                labels = [labels]
            if not isinstance(labels, list):
                raise LabelError(where, "'label' is not a list of labels", item=item)
            counts.annotations += 1
            if not labels:
                counts.empty += 1
                continue
            names = tuple(doccano_label(label, label_map, where, item) for label in labels)
            yield Given(item, stem, names, None, *common, where)


def doccano_label(label: object, label_map: dict[int, str] | None, where: str, item: str) -> str:
    if isinstance(label, str):
        return label
    if isinstance(label, int) and not isinstance(label, bool):
        if label_map is None:
            raise LabelError(
                where,
                f"doccano gave the label id {label}, not its name: pass the project's "
                "label list (doccano's label export) as --label-map",
                item=item,
            )
        if label not in label_map:
            raise LabelError(where, f"label id {label} is not in the label map", item=item)
        return label_map[label]
    raise LabelError(where, f"not a label: {label!r}", item=item)


def read_label_map(path: str) -> dict[int, str]:
    """doccano's label export (a JSON list of ``{"id": ..., "text": ...}``) as id → name."""
    data = _load_json(path)
    if not isinstance(data, list):
        raise LabelError(path, "not doccano's label export (a list of labels)")
    out: dict[int, str] = {}
    for entry in data:
        if not isinstance(entry, dict) or not isinstance(text := entry.get("text"), str):
            raise LabelError(path, "a label without 'id' and 'text'")
        ident = entry.get("id")
        if not isinstance(ident, int) or isinstance(ident, bool):
            raise LabelError(path, f"label {text!r} has no numeric 'id'")
        out[ident] = text
    return out


def _undefuse(cell: str) -> str:
    # The sheet prefixed cells starting with a formula trigger (or ') with one '.
    if cell.startswith("'") and cell[1:].startswith(SHEET_TRIGGERS):
        return cell[1:]
    return cell


def sheet(path: str, counts: Counts, multi: bool) -> Iterator[Given]:
    try:
        content = read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LabelError(path, "not UTF-8 text: save the sheet as CSV UTF-8") from None
    reader = csv.DictReader(io.StringIO(content, newline=""))
    missing = [c for c in ("id", "label") if c not in (reader.fieldnames or ())]
    if missing:
        raise LabelError(path, f"not a tasks sheet: no {' or '.join(missing)} column")
    stem = os.path.splitext(os.path.basename(path))[0]
    for row in reader:
        where = f"{path}:{reader.line_num}"
        cells = {k: _undefuse(v or "") for k, v in row.items() if k is not None}
        item = cells["id"]
        if not item:
            raise LabelError(where, "a row without an id")
        counts.annotations += 1
        raw = cells["label"].strip()
        if not raw:
            counts.empty += 1
            continue
        parts = raw.split(SEPARATOR) if multi else [raw]
        labels = tuple(_undefuse(part.strip()) for part in parts if part.strip())
        rater = cells.get("rater", "").strip() or stem
        when = _when(cells.get("annotated_at"))
        carried = cells.get("text_sha1") or None
        # The text of a sheet may have been touched by the spreadsheet (line ends): the
        # hash column is what is checked, the text only when there is none.
        text = None if carried else (cells.get("text") or "").replace("\r\n", "\n") or None
        yield Given(item, rater, labels, when, text, carried, where)


def detect(path: str) -> str:
    if path.endswith(".csv"):
        return "csv"
    if path.endswith((".zip", ".jsonl")):
        return "doccano"
    head = read_bytes(path)[:4096].lstrip()
    for start, tool in ((b"PK", "doccano"), (b"[", "label-studio"), (b"{", "doccano")):
        if head.startswith(start):
            return tool
    raise LabelError(path, "not a Label Studio JSON, doccano JSONL or tasks CSV export")
