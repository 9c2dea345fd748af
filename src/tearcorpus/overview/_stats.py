"""The corpus report's statistics, counted in one streaming pass in bounded memory.

:class:`Overview` takes records one at a time (:meth:`Overview.add`) and keeps only
summaries: counters by day, by length, by like bucket, by emoji, by language. What needs
one entry per thread or per author (thread sizes, reply depth, distinct authors) is kept
exactly until a budget is reached (:data:`STRUCTURE_BUDGET` replies, :data:`AUTHOR_BUDGET`
authors); past it, a hash sample takes over: only threads (or authors) whose id hashes
below a threshold are kept, and the threshold halves each time the budget fills again
(adaptive distinct sampling). Threads are sampled whole, so sizes and depths stay
unbiased, and the figures drawn from a sample say so (``sampled``: 1 in ``2**level``).
Language detection runs on a sample of replies of at most :data:`LANGUAGE_BUDGET` texts,
chosen the same way by the reply's id.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Final

from attrs import define, field, frozen

from ..model import Record

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pyarrow as pa

__all__ = [
    "AUTHOR_BUDGET",
    "LANGUAGE_BUDGET",
    "STRUCTURE_BUDGET",
    "Overview",
    "OverviewStats",
    "emoji_in",
]

#: Replies whose thread and parent are kept for thread sizes and depths before sampling.
STRUCTURE_BUDGET: Final = 250_000
#: Distinct author ids kept before sampling.
AUTHOR_BUDGET: Final = 250_000
#: Reply texts whose language is detected (a sample of replies past it): about 0.1 s
#: of py3langid per thousand texts.
LANGUAGE_BUDGET: Final = 1_000
#: Texts shorter than this (stripped) are too short to tell a language.
MIN_LANGUAGE_CHARS: Final = 20
#: Distinct emoji counted; past twice this, the rarer half is forgotten.
EMOJI_KEPT: Final = 2_000
#: ``extra`` keys where a source states a record's language.
LANGUAGE_KEYS: Final = ("language", "lang", "defaultLanguage", "defaultAudioLanguage")

_FULL: Final = 1 << 32
#: A language tag as sources state it (``en``, ``pt-BR``, ``zh_Hant``); anything else in
#: a language field is not counted.
_LANGUAGE_TAG: Final = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}")

# Emoji: a pictograph (with an optional skin tone and presentation selector), joined by
# zero-width joiners into one sequence; a flag (two regional indicators); a keycap.
_PICTO: Final = (
    "\U0001f000-\U0001f1e5\U0001f200-\U0001f3fa\U0001f400-\U0001faff"
    "\u2600-\u27bf\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55\u231a\u231b\u23e9-\u23f3"
    "\u23f8-\u23fa\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe\u2934\u2935\u3030\u303d\u3297\u3299"
)
_ONE: Final = f"[{_PICTO}][\U0001f3fb-\U0001f3ff]?\ufe0f?"
_EMOJI: Final = re.compile(
    f"[\U0001f1e6-\U0001f1ff]{{2}}|[0-9#*]\ufe0f?\u20e3|{_ONE}(?:\u200d{_ONE})*"
)


def emoji_in(text: str) -> list[str]:
    """The emoji of *text*, one string per emoji (a sequence joined by zero-width joiners,
    a flag, or a keycap, counts once)."""
    return _EMOJI.findall(text)


def _hash(value: str) -> int:
    """A stable 32-bit hash of *value* (the same in every run and process)."""
    return zlib.crc32(value.encode("utf-8", "surrogatepass"))


def emoji_name(emoji: str) -> str:
    """A readable name of *emoji* (its first character's Unicode name, lower case)."""
    for char in emoji:
        if char not in "\ufe0f\u200d\u20e3" and not "\U0001f3fb" <= char <= "\U0001f3ff":
            return unicodedata.name(char, f"U+{ord(char):04X}").lower()
    return emoji


@frozen
class OverviewStats:
    """The figures of a corpus report (see :class:`Overview`); JSON-ready by
    :meth:`to_dict`."""

    posts: int
    replies: int
    #: Distinct threads (a post, or the post id replies name); exact unless
    #: ``thread_level`` > 0, then an estimate from the sample.
    threads: int
    thread_level: int
    #: Distinct author ids; exact unless ``author_level`` > 0.
    authors: int
    author_level: int
    #: Records without an author id (deleted accounts, plain-text dumps).
    no_author: int
    platforms: dict[str, int]
    #: Replies by day (ISO date): ``[exact times, estimated times]``.
    days: dict[str, list[int]]
    first: str | None
    last: str | None
    #: Replies without a time.
    no_time: int
    estimated_times: int
    #: Threads by their number of replies (of the sampled threads when sampled).
    thread_sizes: dict[int, int]
    #: Replies by depth (0: a direct reply to the post); ``None``: parent missing or cyclic.
    depths: dict[int | None, int]
    #: Reply text lengths in characters: length → replies.
    reply_lengths: dict[int, int]
    post_lengths: dict[int, int]
    #: Replies by like bucket: ``bit_length`` of the count (0: 0 likes, 1: 1, 2: 2-3,
    #: 3: 4-7 ...); ``None``: no count stated.
    likes: dict[int | None, int]
    like_total: int
    like_max: int | None
    #: Records whose source states a language, by language.
    stated_languages: dict[str, int]
    #: Detected languages of a sample of reply texts (``detected_of`` texts looked at).
    detected_languages: dict[str, int]
    detected_of: int
    too_short_for_language: int
    #: ``on``, ``off``, or ``unavailable`` (wanted, but py3langid is not installed).
    language_detection: str
    #: The language sample's level: 1 in ``2**level`` replies was looked at.
    language_level: int
    #: The most frequent emoji in reply texts, with their counts (most first).
    emoji: list[tuple[str, int]]
    emoji_replies: int
    flags: dict[str, int]

    @property
    def records(self) -> int:
        """Posts and replies together."""
        return self.posts + self.replies

    def to_dict(self) -> dict[str, object]:
        """The figures as JSON-ready values (integer keys become strings, ``None`` keys
        ``"none"``)."""

        def keyed(counts: Iterable[tuple[int | None, int]]) -> dict[str, int]:
            return {("none" if k is None else str(k)): v for k, v in counts}

        return {
            "posts": self.posts,
            "replies": self.replies,
            "threads": self.threads,
            "threads_sampled": self.thread_level > 0,
            "authors": self.authors,
            "authors_sampled": self.author_level > 0,
            "no_author": self.no_author,
            "platforms": self.platforms,
            "days": self.days,
            "first": self.first,
            "last": self.last,
            "no_time": self.no_time,
            "estimated_times": self.estimated_times,
            "thread_sizes": keyed(self.thread_sizes.items()),
            "depths": keyed(self.depths.items()),
            "reply_lengths": keyed(self.reply_lengths.items()),
            "post_lengths": keyed(self.post_lengths.items()),
            "likes": keyed(self.likes.items()),
            "like_total": self.like_total,
            "like_max": self.like_max,
            "stated_languages": self.stated_languages,
            "detected_languages": self.detected_languages,
            "detected_of": self.detected_of,
            "too_short_for_language": self.too_short_for_language,
            "language_detection": self.language_detection,
            "language_level": self.language_level,
            "emoji": [[e, n] for e, n in self.emoji],
            "emoji_replies": self.emoji_replies,
            "flags": self.flags,
        }


@define
class _Thread:
    """A sampled thread: its replies' parents (reply id → parent id)."""

    parents: dict[str, str | None] = field(factory=dict)
    has_post: bool = False


class _Sample:
    """Keys kept while fewer than *budget*; past it, only keys whose hash is below a
    threshold that halves each time the budget fills (level ``k``: 1 in ``2**k``)."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.level = 0
        self.limit = _FULL

    def keeps(self, key: str) -> bool:
        return self.level == 0 or _hash(key) < self.limit

    def tighten(self) -> None:
        self.level += 1
        self.limit = _FULL >> self.level


#: The reply flags counted (``is_pinned`` as ``pinned``, ...).
_FLAGS: Final = ("is_pinned", "is_hearted", "is_edited", "is_deleted", "is_removed")
#: The columns of a record batch that :meth:`Overview.add_batch` reads.
COLUMNS: Final = (
    *("id", "post_id", "parent_id", "platform", "text", "author", "extra"),
    *("created_at", "created_at_estimated", "like_count", *_FLAGS),
)

#: Threads counted by the heavy-hitters summary that finds the largest threads once the
#: thread table is sampled (Misra-Gries: a thread of more than ``replies / HEAVY`` replies
#: is always among them).
HEAVY: Final = 1_024


class Overview:
    """Statistics of a corpus for its report, counted a record batch at a time (see the
    module docs).

    Batches are those of :func:`tearcorpus.hf.record_batches` (``posts`` or ``replies``
    tables; pyarrow needed), so that the same figures come from records
    (:meth:`add_records`) and from the batches a Hub folder export writes
    (:meth:`add_batch`). *detect* is a language detector (text → code) run on a sample of
    reply texts, or ``None``. Give one record per id: a record given twice counts twice.
    """

    def __init__(
        self,
        *,
        detect: Callable[[str], str] | None = None,
        structure_budget: int = STRUCTURE_BUDGET,
        author_budget: int = AUTHOR_BUDGET,
        language_budget: int = LANGUAGE_BUDGET,
    ) -> None:
        self.posts = 0
        self.replies = 0
        self.platforms: Counter[str] = Counter()
        self.exact_days: Counter[int] = Counter()
        self.estimated_days: Counter[int] = Counter()
        self.no_time = 0
        self.reply_lengths: Counter[int] = Counter()
        self.post_lengths: Counter[int] = Counter()
        self.likes: Counter[int | None] = Counter()
        self.like_total = 0
        self.like_max: int | None = None
        self.stated: Counter[str] = Counter()
        self.emoji: Counter[str] = Counter()
        self.emoji_replies = 0
        self.flags: Counter[str] = Counter()
        self.no_author = 0
        self._threads: dict[str, _Thread] = {}
        self._tracked = 0
        self._thread_sample = _Sample(structure_budget)
        self._heavy: dict[str, int] = {}
        self._authors: set[str] = set()
        self._author_sample = _Sample(author_budget)
        self._detect = detect
        #: Sampled reply id → detected language ("" for a text too short to tell).
        self._languages: dict[str, str] = {}
        self._language_sample = _Sample(language_budget)

    def add_records(self, records: Iterable[Record]) -> None:
        """Count *records* (converted to record batches on the way)."""
        from .._batches import record_batches

        for table, batch in record_batches(records):
            self.add_batch(table, batch)

    def add_batch(self, table: str, batch: pa.RecordBatch) -> None:
        """Count *batch*, a record batch of the ``posts`` or ``replies`` table."""
        import pyarrow.compute as pc

        if len(batch) == 0:
            return
        for item in pc.value_counts(batch.column("platform")).to_pylist():
            self.platforms[item["values"]] += item["counts"]
        self._add_authors(pc.struct_field(batch.column("author"), "id"))
        self._add_stated(batch.column("extra"))
        if table == "posts":
            self.posts += len(batch)
            self.post_lengths.update(_counts(pc.utf8_length(batch.column("text"))))
            sample = self._thread_sample
            for post_id in batch.column("id").to_pylist():
                if sample.keeps(post_id):
                    thread = self._threads.get(post_id)
                    if thread is None:
                        thread = self._threads[post_id] = _Thread()
                    thread.has_post = True
        else:
            self._add_replies(batch)

    def _add_authors(self, ids: pa.Array) -> None:
        import pyarrow.compute as pc

        self.no_author += ids.null_count + (pc.sum(pc.equal(ids, "")).as_py() or 0)
        sample = self._author_sample
        unique = pc.unique(ids.drop_null()).to_pylist()
        if sample.level == 0:
            self._authors.update(unique)
            self._authors.discard("")
        else:
            limit = sample.limit
            self._authors.update(a for a in unique if a and _hash(a) < limit)
        while len(self._authors) > sample.budget:
            sample.tighten()
            self._authors = {a for a in self._authors if sample.keeps(a)}

    def _add_stated(self, extra: pa.Array) -> None:
        import orjson
        import pyarrow.compute as pc

        mask = pc.match_substring_regex(extra, _STATED_RE2)
        for text in pc.filter(extra, mask).to_pylist():
            try:
                values = orjson.loads(text)
            except orjson.JSONDecodeError:
                continue
            for key in LANGUAGE_KEYS:
                value = values.get(key) if isinstance(values, dict) else None
                if isinstance(value, str) and _LANGUAGE_TAG.fullmatch(value.strip()):
                    self.stated[value.strip().lower().replace("_", "-")] += 1
                    break

    def _add_replies(self, batch: pa.RecordBatch) -> None:
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        self.replies += len(batch)
        times = batch.column("created_at")
        self.no_time += times.null_count
        valid = pc.is_valid(times)
        estimated = batch.column("created_at_estimated")
        days = pc.cast(times, pa.int64())
        for flag, counter in ((False, self.exact_days), (True, self.estimated_days)):
            chosen = pc.filter(days, pc.and_(valid, pc.equal(estimated, flag)))
            if len(chosen):
                counter.update(_counts_of(np.floor_divide(chosen.to_numpy(), _DAY_US)))
        texts = batch.column("text")
        self.reply_lengths.update(_counts(pc.utf8_length(texts)))
        likes = batch.column("like_count")
        if likes.null_count:
            self.likes[None] += likes.null_count
        stated = likes.drop_null().to_numpy()
        if len(stated):
            stated = np.maximum(stated, 0)
            buckets = np.where(stated > 0, np.frexp(stated.astype(np.float64))[1], 0)
            self.likes.update(_counts_of(buckets))
            self.like_total += int(stated.sum())
            top = int(stated.max())
            self.like_max = top if self.like_max is None else max(self.like_max, top)
        for name in _FLAGS:
            count = pc.sum(batch.column(name)).as_py() or 0
            if count:
                self.flags[name[3:]] += count
        self._add_emoji(pc.filter(texts, pc.match_substring_regex(texts, _EMOJI_RE2)))
        if len(self.emoji) > 2 * EMOJI_KEPT:
            self.emoji = Counter(dict(self.emoji.most_common(EMOJI_KEPT)))
        ids = batch.column("id").to_pylist()
        self._add_structure(ids, batch.column("post_id").to_pylist(), batch.column("parent_id"))
        if self._detect is not None:
            self._add_languages(ids, texts)

    def _add_emoji(self, texts: pa.Array) -> None:
        """Count the emoji of *texts* as :func:`emoji_in` finds them, with Arrow's help: a
        text's runs of characters that no emoji has are cut out, and :func:`emoji_in`
        reads each distinct piece left once (no emoji spans a cut, so the pieces hold
        the same emoji, and Arrow keeps the pieces in the order they first come)."""
        import pyarrow.compute as pc

        if len(texts) == 0:
            return
        self.emoji_replies += pc.sum(pc.match_substring_regex(texts, _EMOJI.pattern)).as_py() or 0
        pieces = pc.list_flatten(
            pc.split_pattern(pc.replace_substring_regex(texts, _CUT, " "), " ")
        )
        for item in pc.value_counts(pieces).to_pylist():
            if item["values"]:
                for emoji in emoji_in(item["values"]):
                    self.emoji[emoji] += item["counts"]

    def _add_structure(self, ids: list[str], post_ids: list[str], parent_ids: pa.Array) -> None:
        sample = self._thread_sample
        threads = self._threads
        parents = parent_ids.to_pylist()
        if sample.level == 0:
            # Every thread kept: exact sizes, no heavy-hitters summary needed yet.
            for reply_id, post_id, parent in zip(ids, post_ids, parents, strict=True):
                thread = threads.get(post_id)
                if thread is None:
                    thread = threads[post_id] = _Thread()
                thread.parents[reply_id] = None if parent == post_id else parent
            self._tracked += len(ids)
            if self._tracked > sample.budget:
                # Sampling starts: the summary starts from the exact sizes' largest.
                sizes = sorted(((len(t.parents), k) for k, t in threads.items()), reverse=True)
                self._heavy = {k: n for n, k in sizes[:HEAVY]}
        else:
            heavy = self._heavy
            limit = sample.limit
            for reply_id, post_id, parent in zip(ids, post_ids, parents, strict=True):
                heavy[post_id] = heavy.get(post_id, 0) + 1
                if _hash(post_id) >= limit:
                    continue
                thread = threads.get(post_id)
                if thread is None:
                    thread = threads[post_id] = _Thread()
                thread.parents[reply_id] = None if parent == post_id else parent
                self._tracked += 1
            if len(heavy) > HEAVY:
                # Misra-Gries: take the HEAVY-th largest count off every counter, forget
                # the counters it empties.
                least = sorted(heavy.values())[len(heavy) - HEAVY]
                self._heavy = {k: n - least for k, n in heavy.items() if n > least}
        while self._tracked > sample.budget:
            sample.tighten()
            self._threads = threads = {k: t for k, t in threads.items() if sample.keeps(k)}
            self._tracked = sum(len(t.parents) for t in threads.values())

    def _add_languages(self, ids: list[str], texts: pa.Array) -> None:
        assert self._detect is not None
        sample = self._language_sample
        languages = self._languages
        for index, reply_id in enumerate(ids):
            if not sample.keeps(reply_id):
                continue
            text = texts[index].as_py().strip()[:2_000]
            languages[reply_id] = self._detect(text) if len(text) >= MIN_LANGUAGE_CHARS else ""
            while len(languages) > sample.budget:
                sample.tighten()
                languages = {k: v for k, v in languages.items() if sample.keeps(k)}
        self._languages = languages

    @property
    def sampled(self) -> bool:
        """Whether the thread figures come from a sample of the threads."""
        return self._thread_sample.level > 0

    def thread_sizes(self) -> dict[str, int]:
        """Replies per thread id of the threads kept (every thread unless :attr:`sampled`)."""
        return {key: len(thread.parents) for key, thread in self._threads.items()}

    def largest_threads(self, count: int) -> list[str]:
        """The ids of the *count* largest threads (ties by id): exact, or from the
        heavy-hitters summary once the thread table is sampled."""
        sizes = self._heavy if self.sampled else self.thread_sizes()
        ranked = sorted(sizes.items(), key=lambda item: (-item[1], item[0]))
        return [key for key, _ in ranked[:count]]

    def sample_threads(self, count: int, exclude: Iterable[str] = ()) -> list[str]:
        """*count* threads chosen by a hash of their id (a uniform, repeatable sample),
        leaving out *exclude*."""
        left = set(exclude)
        kept = sorted((_hash(key), key) for key in self._threads if key not in left)
        return [key for _, key in kept[:count]]

    def _depths(self) -> Counter[int | None]:
        depths: Counter[int | None] = Counter()
        for thread in self._threads.values():
            depths.update(_thread_depths(thread.parents).values())
        return depths

    def result(self) -> OverviewStats:
        """The figures of every batch added."""
        days: dict[str, list[int]] = {}
        for day in sorted(set(self.exact_days) | set(self.estimated_days)):
            iso = date.fromordinal(_EPOCH_ORDINAL + day).isoformat()
            days[iso] = [self.exact_days[day], self.estimated_days[day]]
        sizes: Counter[int] = Counter(len(t.parents) for t in self._threads.values())
        languages = self._languages.values()
        detected = Counter(code for code in languages if code)
        return OverviewStats(
            posts=self.posts,
            replies=self.replies,
            threads=len(self._threads) << self._thread_sample.level,
            thread_level=self._thread_sample.level,
            authors=len(self._authors) << self._author_sample.level,
            author_level=self._author_sample.level,
            no_author=self.no_author,
            platforms=dict(self.platforms.most_common()),
            days=days,
            first=next(iter(days), None),
            last=next(reversed(days), None),
            no_time=self.no_time,
            estimated_times=sum(self.estimated_days.values()),
            thread_sizes=dict(sorted(sizes.items())),
            depths=_none_last(self._depths()),
            reply_lengths=dict(sorted(self.reply_lengths.items())),
            post_lengths=dict(sorted(self.post_lengths.items())),
            likes=_none_last(self.likes),
            like_total=self.like_total,
            like_max=self.like_max,
            stated_languages=dict(self.stated.most_common()),
            detected_languages=dict(detected.most_common()),
            detected_of=sum(detected.values()),
            too_short_for_language=sum(1 for code in languages if not code),
            language_detection="on" if self._detect is not None else "off",
            language_level=self._language_sample.level,
            emoji=self.emoji.most_common(TOP_EMOJI),
            emoji_replies=self.emoji_replies,
            flags=dict(sorted(self.flags.items())),
        )


#: Emoji listed in the report.
TOP_EMOJI: Final = 20
_DAY_US: Final = 86_400_000_000
_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()
#: What the Arrow side looks for before Python does (RE2 syntax).
_EMOJI_RE2: Final = f"[{_PICTO}\U0001f1e6-\U0001f1ff\u20e3]"
#: What no emoji holds (RE2 syntax): cut out of a text before its pieces are read.
_CUT: Final = f"[^{_PICTO}\U0001f3fb-\U0001f3ff\ufe0f\u200d\U0001f1e6-\U0001f1ff0-9#*\u20e3]+"
_STATED_RE2: Final = '"(?:' + "|".join(LANGUAGE_KEYS) + ')"\\s*:\\s*"'


def _counts(lengths: pa.Array) -> Counter[int]:
    """How often each value of an Arrow integer array occurs (nulls left out)."""
    return _counts_of(lengths.drop_null().to_numpy())


def _counts_of(values: npt.NDArray[np.integer]) -> Counter[int]:
    import numpy as np

    if len(values) == 0:
        return Counter()
    distinct, counts = np.unique(values, return_counts=True)
    return Counter(dict(zip(distinct.tolist(), counts.tolist(), strict=True)))


def _none_last(counts: Counter[int | None]) -> dict[int | None, int]:
    """*counts* by key, the ``None`` key (unknown) last."""
    known = sorted(k for k in counts if k is not None)
    ordered: dict[int | None, int] = {k: counts[k] for k in known}
    if None in counts:
        ordered[None] = counts[None]
    return ordered


def _thread_depths(parents: dict[str, str | None]) -> dict[str, int | None]:
    """The depth of each reply of a thread from its parent links (reply id → parent id,
    ``None`` for a direct reply to the post): 0 for a direct reply, ``None`` when a
    parent is missing or the links loop."""
    known: dict[str, int | None] = {}
    for start in parents:
        if start in known:
            continue
        path = [start]
        on_path = {start}
        current = start
        depth: int | None
        while True:
            parent = parents[current]
            if parent is None:
                depth = 0
                break
            if parent in known:
                found = known[parent]
                depth = None if found is None else found + 1
                break
            if parent not in parents or parent in on_path:
                depth = None  # an orphan, or a loop of parent links
                break
            path.append(parent)
            on_path.add(parent)
            current = parent
        for node in reversed(path):
            known[node] = depth
            depth = None if depth is None else depth + 1
    return known
