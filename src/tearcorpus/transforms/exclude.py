"""Consent that sticks: an opt-out list of records and authors to leave out of every build.

The list is a text file, one entry a line (blank lines and ``#`` comments are skipped):

- a comment id or a post id: that record goes, and with a post every reply under it;
- ``author:<platform id>``: every post and reply of that author. The id may be the raw
  platform id or its pseudonym (``anon-...``, as an anonymised corpus shows it): a
  pseudonym is matched when the run anonymises with the same key, or when the records
  were anonymised already.

Records left out are dropped as ``withdrawn`` (counted, never listed); the Hub folder's
card states how many, and records the list's digest so that ``publish`` can refuse a
folder built without the list it is given (``TEARCORPUS_EXCLUDE``).
"""

from __future__ import annotations

import hashlib
from typing import ClassVar, Final

from ..errors import InputError
from ..model import Record, Reply
from ..report import Report
from ._base import Drop

__all__ = ["REASON", "Excluder", "digest", "read_list"]

#: The ``Report.dropped`` reason of a withdrawn record.
REASON: Final = "withdrawn"
_AUTHOR: Final = "author:"


def read_list(path: str) -> tuple[frozenset[str], frozenset[str]]:
    """The record ids and the author ids of the opt-out list at *path*."""
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(path, f"cannot read the opt-out list: {reason}") from None
    ids: set[str] = set()
    authors: set[str] = set()
    for line in lines:
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if entry.startswith(_AUTHOR):
            authors.add(entry[len(_AUTHOR) :].strip())
        else:
            ids.add(entry)
    return frozenset(ids), frozenset(authors)


def digest(path: str) -> str:
    """``sha256:`` and the hex digest of the list's entries (sorted, comments left out):
    the same list gives the same digest whatever its order and comments."""
    ids, authors = read_list(path)
    entries = sorted(ids) + sorted(_AUTHOR + a for a in authors)
    return "sha256:" + hashlib.sha256("\n".join(entries).encode()).hexdigest()


class Excluder:
    """Drop the records and authors of an opt-out list (see the module docs)."""

    name: ClassVar[str] = "exclude"
    drops: ClassVar[bool] = True

    def __init__(
        self, ids: frozenset[str], authors: frozenset[str], key: bytes | None = None
    ) -> None:
        self.ids = ids
        self.authors = authors
        self.key = key
        self._pseudonyms = key is not None and any(a.startswith("anon-") for a in authors)

    @classmethod
    def load(cls, path: str, key: bytes | None = None) -> Excluder:
        """The excluder of the list at *path*; *key* matches pseudonyms to raw ids."""
        ids, authors = read_list(path)
        return cls(ids, authors, key)

    def apply(self, record: Record, report: Report) -> Record | Drop:
        if record.id in self.ids or (type(record) is Reply and record.post_id in self.ids):
            return Drop(REASON)
        author = record.author
        if author is not None and author.id is not None and self.authors:
            if author.id in self.authors:
                return Drop(REASON)
            if self._pseudonyms:
                from .anonymize import pseudonym

                assert self.key is not None
                if pseudonym(self.key, record.platform, author.id) in self.authors:
                    return Drop(REASON)
        return record
