"""What the annotation round's steps share: the label scheme, text hashes, the manifests
of a tasks folder and a labels folder, and the error they raise."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterable, Mapping
from typing import Final, TypedDict, TypeGuard

import orjson
from attrs import field, frozen

from ..errors import TearcorpusError
from ..model import JsonValue

__all__ = [
    "ITEMS_FILE",
    "LABELS_MANIFEST",
    "TASKS_MANIFEST",
    "Item",
    "ItemLine",
    "LabelError",
    "LabelScheme",
    "SchemeDict",
    "is_strings",
    "read_bytes",
    "read_items",
    "read_manifest",
    "text_sha1",
]

#: The manifest of a tasks folder (``annotate export``).
TASKS_MANIFEST: Final = "annotation.json"
#: Every task's key: id, thread, parent and text hash, one JSON object a line.
ITEMS_FILE: Final = "items.jsonl"
#: The manifest of a labels folder (``annotate import``).
LABELS_MANIFEST: Final = "labels.json"
#: Marks of the two manifests.
TASKS_FORMAT: Final = "tearcorpus-annotation-tasks"
LABELS_FORMAT: Final = "tearcorpus-labels"
#: Several labels of one rater in a CSV cell (multi-label) are separated by this.
SEPARATOR: Final = ";"


class LabelError(TearcorpusError, ValueError):
    """Labels that cannot be taken as they are: an unknown item or label, a text that
    no longer matches its task, a file that is not an export of the tool. Prints as
    ``source: item ID: reason`` (``source`` alone when no item is concerned)."""

    def __init__(self, source: str, reason: str, *, item: str | None = None) -> None:
        self.source = source
        self.reason = reason
        self.item = item
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source if self.item is None else f"{self.source}: item {self.item}"
        return f"{where}: {self.reason}"

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (self.source, self.reason, self.item))


def _rebuild(source: str, reason: str, item: str | None) -> LabelError:
    return LabelError(source, reason, item=item)


def is_strings(value: object) -> TypeGuard[list[str]]:
    """Whether *value* (decoded JSON) is a list of strings."""
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def text_sha1(text: str) -> str:
    """The hex SHA-1 of *text*'s UTF-8 bytes: what ties a label to the text it was given for."""
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def _labels(value: Iterable[str]) -> tuple[str, ...]:
    labels = tuple(value)
    if not labels:
        raise TearcorpusError("--labels: give at least one label")
    seen: set[str] = set()
    for label in labels:
        if not label or label != label.strip():
            raise TearcorpusError(f"--labels: {label!r} is empty or has spaces around it")
        if any(c in label for c in (SEPARATOR, ",", "\n", "\r", "\t")):
            raise TearcorpusError(f"--labels: {label!r} may not hold ';', ',', tabs or breaks")
        if label in seen:
            raise TearcorpusError(f"--labels: {label!r} is given twice")
        seen.add(label)
    return labels


class SchemeDict(TypedDict):
    """A :class:`LabelScheme` as plain JSON data (:meth:`LabelScheme.to_dict`)."""

    labels: list[str]
    multi: bool
    ordered: bool


@frozen
class LabelScheme:
    """The labels raters choose from, in their order, and how they choose."""

    labels: tuple[str, ...] = field(converter=_labels)
    #: Raters may choose several labels of an item (otherwise exactly one).
    multi: bool = False
    #: The labels are an ordered scale, in the order given (Krippendorff's ordinal alpha).
    ordered: bool = False

    def __attrs_post_init__(self) -> None:
        if self.multi and self.ordered:
            raise TearcorpusError("--ordered applies to single-label tasks, not --multi")

    def index(self, label: str) -> int | None:
        """The position of *label*, ``None`` for a label not in the scheme."""
        try:
            return self.labels.index(label)
        except ValueError:
            return None

    def to_dict(self) -> SchemeDict:
        """The scheme as plain JSON data (kept in the tasks' manifest)."""
        return {"labels": list(self.labels), "multi": self.multi, "ordered": self.ordered}

    @classmethod
    def from_dict(cls, data: Mapping[str, JsonValue]) -> LabelScheme:
        """The scheme :meth:`to_dict` wrote (in a manifest)."""
        labels = data["labels"]
        if not is_strings(labels):
            raise TearcorpusError(f"not a label scheme: the labels are {labels!r}")
        return cls(tuple(labels), multi=bool(data["multi"]), ordered=bool(data["ordered"]))


class ItemLine(TypedDict):
    """A line of :data:`ITEMS_FILE` (:meth:`Item.key`)."""

    id: str
    post_id: str
    parent_id: str | None
    text_sha1: str


@frozen
class Item:
    """One reply to label, with the context the rater sees and the hash of its text."""

    id: str
    post_id: str
    parent_id: str | None
    text: str
    #: The post's title, and the text the reply answers (its parent's, or the post's).
    post_title: str | None = None
    parent_text: str | None = None
    #: The author's pseudonym: only in a corpus built with ``--anonymize``.
    author: str | None = None

    @property
    def text_sha1(self) -> str:
        """The SHA-1 of the reply's text: labels coming back are checked against it."""
        return text_sha1(self.text)

    def key(self) -> ItemLine:
        """The line of :data:`ITEMS_FILE`."""
        return {
            "id": self.id,
            "post_id": self.post_id,
            "parent_id": self.parent_id,
            "text_sha1": self.text_sha1,
        }


@frozen
class ItemKey:
    """What a tasks folder keeps of each item (:data:`ITEMS_FILE`)."""

    id: str
    post_id: str
    parent_id: str | None
    text_sha1: str


def read_manifest(folder: str, name: str, kind: str, what: str) -> dict[str, JsonValue]:
    """The manifest *name* of *folder*, checked to be a *kind* manifest."""
    path = os.path.join(folder, name)
    if not os.path.isdir(folder):
        raise LabelError(folder, f"not a folder (expected {what})")
    try:
        with open(path, "rb") as handle:
            data = orjson.loads(handle.read())
    except FileNotFoundError:
        raise LabelError(folder, f"no {name}: not {what}") from None
    except (OSError, orjson.JSONDecodeError) as exc:
        raise LabelError(path, f"unreadable: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != kind:
        raise LabelError(path, f"not {what}'s manifest")
    return data


def read_items(folder: str) -> dict[str, ItemKey]:
    """Item id → key, from a tasks folder's :data:`ITEMS_FILE`, in task order."""
    path = os.path.join(folder, ITEMS_FILE)
    items: dict[str, ItemKey] = {}
    for number, line in enumerate(io.BytesIO(read_bytes(path)), 1):
        if not line.strip():
            continue
        try:
            data = orjson.loads(line)
            key = ItemKey(
                str(data["id"]),
                str(data["post_id"]),
                None if data["parent_id"] is None else str(data["parent_id"]),
                str(data["text_sha1"]),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise LabelError(f"{path}:{number}", f"not an item line: {exc}") from None
        items[key.id] = key
    return items


def read_bytes(path: str) -> bytes:
    """The content of the file *path*; a :class:`LabelError` naming it when unreadable."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise LabelError(path, f"unreadable: {exc.strerror or exc}") from None


def dumps(data: object) -> bytes:
    """Indented JSON with a final newline, for manifests."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n"
