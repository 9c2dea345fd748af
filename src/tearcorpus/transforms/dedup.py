"""Duplicate removal: exact (normalised text hash) and near (MinHash LSH).

Both keep the first record with a text and drop later ones, and both keep only hashes,
never texts: exact dedup holds 16 bytes per distinct text; near dedup holds a MinHash
signature per kept text in an LSH index (``num_perm`` × 8 bytes, 1 KiB at the default
128), so memory grows with the number of distinct texts, not their length.

The normalised text is NFKC, casefolded, with every run of whitespace and punctuation
collapsed: "Thank you!!" and "thank you" are one text. Texts shorter than
``min_chars`` (after normalising) are never treated as duplicates, so short stock
replies ("thank you") can be kept when wanted. Like filters, dedup judges replies only
unless ``include_posts=True``.

Near duplicates use word 3-gram shingles and datasketch's ``MinHashLSH`` (optional extra
``dedup``) with a Jaccard threshold (default 0.8); a record is dropped when it is
near a text kept before it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import TYPE_CHECKING, ClassVar, Final

from ..errors import MissingDependencyError
from ..model import Post, Record
from ..report import Report
from ._base import Drop

if TYPE_CHECKING:
    from datasketch import MinHash, MinHashLSH

__all__ = ["ExactDedup", "NearDedup", "normalized_text"]

_NOISE: Final = re.compile(r"[\W_]+")


def normalized_text(text: str) -> str:
    """The form two texts are compared in: NFKC, casefolded, punctuation and spaces collapsed."""
    return _NOISE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def _text(record: Record) -> str:
    if isinstance(record, Post):
        return "\n".join(t for t in (record.title, record.text) if t)
    return record.text


class ExactDedup:
    """Drop a record whose normalised text was seen before (reason ``duplicate``)."""

    name: ClassVar[str] = "dedup"
    drops: ClassVar[bool] = True

    def __init__(self, *, min_chars: int = 1, include_posts: bool = False) -> None:
        self.min_chars = min_chars
        self.include_posts = include_posts
        self._seen: set[bytes] = set()

    def apply(self, record: Record, report: Report) -> Record | Drop:
        if isinstance(record, Post) and not self.include_posts:
            return record
        norm = normalized_text(_text(record))
        if len(norm) < max(self.min_chars, 1):
            return record
        digest = hashlib.blake2b(norm.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        if digest in self._seen:
            return Drop("duplicate")
        self._seen.add(digest)
        return record


class NearDedup:
    """Drop a record whose text is near one kept before (reason ``near-duplicate``)."""

    name: ClassVar[str] = "near-dedup"
    drops: ClassVar[bool] = True

    def __init__(
        self,
        *,
        threshold: float = 0.8,
        num_perm: int = 128,
        min_chars: int = 1,
        include_posts: bool = False,
    ) -> None:
        try:
            from datasketch import MinHash, MinHashLSH
        except ImportError:
            raise MissingDependencyError("near-duplicate removal", "dedup", "datasketch") from None
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"near-dedup threshold must be in (0, 1], not {threshold}")
        self.threshold = threshold
        self.num_perm = num_perm
        self.min_chars = min_chars
        self.include_posts = include_posts
        self._minhash: type[MinHash] = MinHash
        self._lsh: MinHashLSH = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._count = 0

    def _signature(self, norm: str) -> MinHash:
        words = norm.split()
        shingles = (
            {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}
            if len(words) >= 3
            else {norm}
        )
        sig = self._minhash(num_perm=self.num_perm, seed=1)
        sig.update_batch([s.encode("utf-8", "surrogatepass") for s in sorted(shingles)])
        return sig

    def apply(self, record: Record, report: Report) -> Record | Drop:
        if isinstance(record, Post) and not self.include_posts:
            return record
        norm = normalized_text(_text(record))
        if len(norm) < max(self.min_chars, 1):
            return record
        sig = self._signature(norm)
        if self._lsh.query(sig):
            return Drop("near-duplicate")
        self._lsh.insert(str(self._count), sig)
        self._count += 1
        return record
