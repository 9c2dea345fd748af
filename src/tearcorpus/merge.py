"""One record per id: the merge policy every path applies (see docs/model.md).

A record may be observed more than once: the same comment in two scrapes of a video, two
overlapping API pages, a month passed twice, or a parser's *placeholder* post (known by
its id alone) beside the real post. Every path that writes records (:class:`~tearcorpus.Corpus`,
``convert`` in one process or with workers, the datatrove steps) keeps one record per id,
folded from its observations in input order by :func:`merge`:

- a real post replaces its placeholder, and a placeholder for a known post adds nothing;
- otherwise the newest observation wins for the text, the counts and the flags (newest by
  the scrape time the record carries, ``extra["retrieved_utc"]`` or
  ``extra["retrieved_on"]`` of a Pushshift dump, when both observations have one; else
  the later input);
- the earliest ``created_at`` is kept (an exact time before an estimated one);
- a field the newest observation lacks (``None``) is taken from the older one, and so are
  the ``extra`` keys it lacks: nothing is lost;
- a text that changed between observations sets ``is_edited`` and keeps the earlier texts,
  oldest first, in ``extra["earlier_texts"]``.

Posts and replies have separate id spaces (a submission and a comment may share a base-36
id). Every observation folded into another is counted in ``Report.merged`` by reason
(:data:`PLACEHOLDER`, :data:`DUPLICATE_POST`, :data:`DUPLICATE_REPLY`), so that
``read == written + rejected + dropped + merged``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import attrs

from .model import JsonValue, Post, Record, Reply

__all__ = [
    "DUPLICATE_POST",
    "DUPLICATE_REPLY",
    "EARLIER_TEXTS",
    "PLACEHOLDER",
    "is_placeholder",
    "merge",
    "merge_reason",
    "observed_at",
]

#: ``Report.merged`` reason: a placeholder post gave way to the real post.
PLACEHOLDER: Final = "placeholder"
#: ``Report.merged`` reason: a post seen again (another input or scrape) was folded in.
DUPLICATE_POST: Final = "duplicate-post"
#: ``Report.merged`` reason: a reply seen again (another input or scrape) was folded in.
DUPLICATE_REPLY: Final = "duplicate-reply"
#: ``extra`` key of the texts a record had in earlier observations, oldest first.
EARLIER_TEXTS: Final = "earlier_texts"

#: ``extra`` keys that say when a record was scraped (epoch seconds), in order of trust.
_SCRAPED_KEYS: Final = ("retrieved_utc", "retrieved_on")
#: Fields filled from the older observation when the newer one lacks them.
_FILLED: Final = (
    "title",
    "author",
    "url",
    "like_count",
    "view_count",
    "comment_count",
    "reply_count",
    "depth",
)


def is_placeholder(record: Record) -> bool:
    """A post a parser made up from an id alone (``extra["placeholder"]`` is true)."""
    return type(record) is Post and record.extra.get("placeholder") is True


def observed_at(record: Record) -> float | None:
    """When the record was scraped, in epoch seconds, where it says so (Pushshift's
    ``retrieved_utc`` / ``retrieved_on``); else ``None``."""
    for key in _SCRAPED_KEYS:
        value = record.extra.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                continue
    return None


def merge_reason(old: Record, new: Record) -> str:
    """The ``Report.merged`` reason of folding *new* into *old* (same kind, same id)."""
    if is_placeholder(old) or is_placeholder(new):
        return PLACEHOLDER
    return DUPLICATE_POST if type(old) is Post else DUPLICATE_REPLY


def merge(old: Record, new: Record) -> Record:
    """One record from *old* (everything observed so far) and *new* (the next observation
    in input order) of the same id: the policy in this module's docs."""
    if is_placeholder(new):
        return old
    if is_placeholder(old):
        return new
    old_seen, new_seen = observed_at(old), observed_at(new)
    if old_seen is not None and new_seen is not None and old_seen > new_seen:
        newer, older = old, new
    else:
        newer, older = new, old
    changes: dict[str, Any] = {}
    for name in _FILLED:
        if getattr(newer, name, 0) is None and getattr(older, name, None) is not None:
            changes[name] = getattr(older, name)
    earliest = _earliest(older, newer)
    if earliest is older:
        for name in _TIME_FIELDS:
            changes[name] = getattr(older, name)
    extra: dict[str, JsonValue] = {**older.extra, **newer.extra}
    texts = _earlier_texts(older, newer)
    if texts:
        extra[EARLIER_TEXTS] = list(texts)
    if texts or older.is_edited:
        changes["is_edited"] = True
    if extra != newer.extra:
        changes["extra"] = extra
    return attrs.evolve(newer, **changes) if changes else newer


def _time_fields() -> tuple[str, ...]:
    names = {f.name for f in attrs.fields(Reply)} & {f.name for f in attrs.fields(Post)}
    return tuple(n for n in names if n.startswith("created_at"))


#: The fields that say when a record was written (the time, and how it is known).
_TIME_FIELDS: Final = _time_fields()


def _earliest(older: Record, newer: Record) -> Record:
    """The observation whose ``created_at`` to keep: the earliest exact time, else the
    earliest estimated one; *newer* when neither has a time or they are equal."""

    def rank(record: Record) -> tuple[int, datetime] | None:
        if record.created_at is None:
            return None
        return (1 if record.created_at_estimated else 0, record.created_at)

    a, b = rank(older), rank(newer)
    return older if a is not None and (b is None or a < b) else newer


def _earlier_texts(older: Record, newer: Record) -> tuple[str, ...]:
    """The distinct texts other than *newer*'s, oldest first."""

    def earlier(record: Record) -> list[str]:
        texts = record.extra.get(EARLIER_TEXTS)
        return [t for t in texts if isinstance(t, str)] if isinstance(texts, list) else []

    seen = [*earlier(older), older.text, *earlier(newer)]
    return tuple(text for text in dict.fromkeys(seen) if text != newer.text)
