"""YouTube's relative time texts ("3 weeks ago", "vor 3 Tagen") and its "(edited)" marks.

YouTube writes a comment's time as text in the viewer's interface language, and appends
that language's word for "edited" in parentheses ("vor 3 Tagen (bearbeitet)").
youtube-comment-downloader and yt-dlp keep the text; they turn it into a time only when
they can read it (mostly English).

- :func:`split_edited` cuts the mark off: a trailing parenthesised word (ASCII or
  full-width parentheses). YouTube appends nothing else in parentheses, so any such word
  marks an edit; :data:`EDITED_MARKS` lists the words known per interface language, and a
  word not among them is still an edit (the parser counts an ``unknown-edited-mark``
  note, so a new one is seen).
- :class:`TimeReader` reads the rest relative to an anchor (the scrape time): English
  through a small fast path, every other language through dateparser (the ``dates``
  extra), imported only when a non-English text is first seen. Each reading gives the
  time and its :class:`~tearcorpus.model.TimePrecision` (the unit of the text: "3 weeks
  ago" is ``week``; hours, minutes and seconds are ``day``).
"""

from __future__ import annotations

import calendar
import functools
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final, TypeAlias

from ..errors import InputError
from ..model import TimePrecision
from ..serialize import format_time
from ._base import ParseContext
from ._common import epoch_to_utc

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

__all__ = [
    "EDITED_MARKS",
    "YOUTUBE_LANGUAGES",
    "TimeReader",
    "english_relative",
    "is_known_mark",
    "split_edited",
]

#: The word YouTube puts in parentheses after an edited comment's time, by interface
#: language (dateparser's code; several YouTube variants share one). Where each comes
#: from: ``en`` from the shared samples (youtube-comment-downloader 0.1.84 output);
#: ``el`` from real output quoted in youtube-comment-downloader issue #82; ``de``,
#: ``fr``, ``id`` and ``ur`` from our issue 15, which quotes real dumps. The others are
#: the interface's usual translation of "edited", not checked against a live page: a
#: word missing or wrong here still counts as an edit (see :func:`split_edited`), with an
#: ``unknown-edited-mark`` note. Tuples hold variants seen for one language.
EDITED_MARKS: Final[dict[str, tuple[str, ...]]] = {
    "af": ("geredigeer",),
    "am": ("የተስተካከለ",),
    "ar": ("تم التعديل", "معدّل"),
    "as": ("সম্পাদিত",),
    "az": ("redaktə edilib",),
    "be": ("адрэдагавана",),
    "bg": ("редактиран", "редактирано"),
    "bn": ("সম্পাদিত",),
    "bs": ("uređeno", "izmijenjeno"),
    "ca": ("editat",),
    "cs": ("upraveno",),
    "da": ("redigeret",),
    "de": ("bearbeitet",),
    "el": ("τροποποιήθηκε",),
    "en": ("edited",),
    "es": ("editado",),
    "et": ("muudetud",),
    "eu": ("editatua",),
    "fa": ("ویرایش‌شده", "ویرایش شده"),
    "fi": ("muokattu",),
    "fil": ("na-edit",),
    "fr": ("modifié",),
    "gl": ("editado",),
    "gu": ("સંપાદિત",),
    "he": ("נערך",),
    "hi": ("संपादित",),
    "hr": ("uređeno",),
    "hu": ("szerkesztve",),
    "hy": ("խմբագրված",),
    "id": ("diedit",),
    "is": ("breytt",),
    "it": ("modificato",),
    "ja": ("編集済み",),
    "ka": ("რედაქტირებული",),
    "kk": ("өңделген",),
    "km": ("បានកែ",),
    "kn": ("ಎಡಿಟ್ ಮಾಡಲಾಗಿದೆ",),
    "ko": ("수정됨",),
    "ky": ("түзөтүлгөн",),
    "lo": ("ແກ້ໄຂແລ້ວ",),
    "lt": ("redaguota",),
    "lv": ("rediģēts",),
    "mk": ("изменето",),
    "ml": ("എഡിറ്റ് ചെയ്‌തു", "എഡിറ്റ് ചെയ്തു"),
    "mn": ("зассан",),
    "mr": ("संपादित",),
    "ms": ("disunting",),
    "my": ("တည်းဖြတ်ထားသည်",),
    "nb": ("endret", "redigert"),
    "ne": ("सम्पादित",),
    "nl": ("bewerkt",),
    "or": ("ସମ୍ପାଦିତ",),
    "pa": ("ਸੰਪਾਦਿਤ",),
    "pl": ("edytowany", "edytowano"),
    "pt": ("editado",),
    "ro": ("editat",),
    "ru": ("изменено",),
    "si": ("සංස්කරණය කළ",),
    "sk": ("upravené",),
    "sl": ("urejeno",),
    "sq": ("redaktuar", "i redaktuar"),
    "sr": ("измењено", "izmenjeno"),
    "sv": ("redigerad",),
    "sw": ("imebadilishwa",),
    "ta": ("திருத்தப்பட்டது",),
    "te": ("ఎడిట్ చేయబడింది", "సవరించబడింది"),
    "th": ("แก้ไขแล้ว",),
    "tr": ("düzenlendi",),
    "uk": ("змінено", "відредаговано"),
    "ur": ("ترمیم کردہ",),
    "uz": ("tahrirlangan",),
    "vi": ("đã chỉnh sửa",),
    "zh-Hans": ("已编辑", "已修改"),
    "zh-Hant": ("已編輯", "已修改"),
    "zu": ("kuhleliwe",),
}

#: The languages of YouTube's interface, as dateparser names them: the languages a
#: localised time text is read in (telling them apart among these few is faster and
#: safer than among all of dateparser's locales).
YOUTUBE_LANGUAGES: Final[tuple[str, ...]] = tuple(EDITED_MARKS)

_KNOWN_MARKS: Final = frozenset(
    word.casefold() for words in EDITED_MARKS.values() for word in words
)
#: A trailing parenthesised word: ASCII or full-width parentheses, maybe Arabic-script
#: marks around it.
_MARK: Final = re.compile(r"\s*[(（]\s*([^()（）]+?)\s*[)）][\s\u200e\u200f\u061c]*$")


def split_edited(text: str) -> tuple[str, str | None]:
    """``(time text, mark)``: *text* without a trailing parenthesised edited mark, and
    the mark's word (``None`` when there is none)."""
    match = _MARK.search(text)
    if match is None or match.start() == 0:
        return text.strip(), None
    return text[: match.start()].strip(), match.group(1)


def is_known_mark(word: str) -> bool:
    """Whether *word* is a known localised "edited" (:data:`EDITED_MARKS`)."""
    return word.strip().casefold() in _KNOWN_MARKS


# -- English: the fast path -------------------------------------------------------------

_ENGLISH: Final = re.compile(
    r"(?:streamed\s+|premiered\s+)?(\d+|an?|one)\s+"
    r"(second|minute|hour|day|week|month|year)s?\s+ago",
    re.IGNORECASE,
)
_PRECISION: Final = {
    "second": TimePrecision.DAY,
    "minute": TimePrecision.DAY,
    "hour": TimePrecision.DAY,
    "day": TimePrecision.DAY,
    "week": TimePrecision.WEEK,
    "month": TimePrecision.MONTH,
    "year": TimePrecision.YEAR,
}
_SECONDS: Final = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}


def _months_before(anchor: datetime, months: int) -> datetime:
    """*anchor* moved back *months* calendar months, the day clamped to the month's end
    (as dateutil's ``relativedelta`` does, which dateparser uses)."""
    total = anchor.year * 12 + anchor.month - 1 - months
    year, month = divmod(total, 12)
    day = min(anchor.day, calendar.monthrange(year, month + 1)[1])
    return anchor.replace(year=year, month=month + 1, day=day)


def english_relative(text: str, anchor: datetime) -> tuple[datetime, TimePrecision] | None:
    """An English relative time ("3 weeks ago", "a year ago") before *anchor*, with its
    precision; ``None`` for any other text."""
    match = _ENGLISH.fullmatch(text.strip())
    if match is None:
        return None
    amount_text, unit = match.group(1).lower(), match.group(2).lower()
    amount = int(amount_text) if amount_text.isdigit() else 1
    try:
        if unit in _SECONDS:
            when = anchor - timedelta(seconds=amount * _SECONDS[unit])
        else:
            when = _months_before(anchor, amount * (12 if unit == "year" else 1))
    except (OverflowError, ValueError):
        return None
    return when, _PRECISION[unit]


# -- other languages: dateparser --------------------------------------------------------

#: dateparser's period → precision (``time``: a text in hours, minutes or seconds).
_PERIODS: Final = {
    "time": TimePrecision.DAY,
    "day": TimePrecision.DAY,
    "week": TimePrecision.WEEK,
    "month": TimePrecision.MONTH,
    "year": TimePrecision.YEAR,
}


class _Missing:
    """The type of :data:`_MISSING`."""


#: Not known yet (an anchor), or not installed (dateparser).
_MISSING: Final = _Missing()


@functools.cache
def _date_data_parser() -> type[DateDataParser] | _Missing:
    """dateparser's ``DateDataParser`` class, imported when the first localised text
    asks; ``_MISSING`` when the ``dates`` extra is not installed."""
    try:
        from dateparser.date import DateDataParser
    except ImportError:
        return _MISSING
    found: type[DateDataParser] = DateDataParser
    return found


def _localised_reader(anchor: datetime) -> Callable[[str], tuple[datetime, TimePrecision] | None]:
    """A function reading relative times in any YouTube language before *anchor*."""
    cls = _date_data_parser()
    if isinstance(cls, _Missing):  # asked only after checking it is there
        raise RuntimeError("dateparser is not installed")
    settings = {
        "RELATIVE_BASE": anchor.astimezone(UTC).replace(tzinfo=None),
        "RETURN_TIME_AS_PERIOD": True,
        "TIMEZONE": "UTC",
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "past",
        "PARSERS": ["relative-time"],
    }
    parser = cls(languages=list(YOUTUBE_LANGUAGES), settings=settings, try_previous_locales=True)

    def read(text: str) -> tuple[datetime, TimePrecision] | None:
        try:
            data = parser.get_date_data(text)
        except Exception:  # odd input must not stop a parse: the text stays unread
            return None
        when = data.date_obj
        precision = _PERIODS.get(data.period or "")
        if when is None or precision is None:
            return None
        return when.astimezone(UTC), precision

    return read


# -- one input's reader -----------------------------------------------------------------

_Found: TypeAlias = tuple[datetime, TimePrecision] | None
#: Longer texts are not given to dateparser (YouTube's are a few words).
_LONGEST: Final = 80
#: Distinct texts dateparser may fail on in one input before it is asked no more.
_MAX_FAILURES: Final = 200


def _option_time(ctx: ParseContext, value: str) -> datetime:
    """The ``scraped_at`` option: ISO 8601 (naive = UTC) or seconds since the epoch."""
    when = epoch_to_utc(value)
    if when is None:
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InputError(
                ctx.source,
                f"the scraped_at option {value!r} is neither ISO 8601 nor epoch seconds",
            ) from None
        when = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return when


class TimeReader:
    """Reads the time texts of one input, relative to its anchor, with a cache.

    The anchor is *stated* (yt-dlp's ``epoch``) when the file gives one, else the
    ``scraped_at`` option, else the input file's modification time; it is found on the
    first text that needs it. :attr:`anchor_extra` is what a record keeps of it.
    """

    def __init__(self, ctx: ParseContext, stated: datetime | None = None) -> None:
        self.ctx = ctx
        self._stated = stated
        self._anchor: datetime | _Missing | None = _MISSING
        self._cache: dict[str, tuple[_Found, str]] = {}
        self._readers: dict[datetime, Callable[[str], _Found]] = {}
        self._texts: dict[tuple[str, bool], tuple[_Found, bool, tuple[str, ...]]] = {}
        self._failures = 0
        #: ``{"at": ISO time, "from": "epoch" | "scraped_at" | "mtime"}``, once known.
        self.anchor_extra: dict[str, str] | None = None

    def anchor(self) -> datetime | None:
        """The time relative texts are counted back from; ``None`` when there is none
        (then an ``no-time-anchor`` note is counted)."""
        if self._anchor is _MISSING:
            found, origin = self._find_anchor()
            self._anchor = found
            if found is None:
                self.ctx.note("no-time-anchor")
            else:
                self.anchor_extra = {"at": format_time(found), "from": origin}
        return self._anchor if isinstance(self._anchor, datetime) else None

    def _find_anchor(self) -> tuple[datetime | None, str]:
        if self._stated is not None:
            return self._stated, "epoch"
        option = self.ctx.options.get("scraped_at")
        if option:
            return _option_time(self.ctx, option), "scraped_at"
        source = self.ctx.source
        if "://" not in source:
            try:
                return datetime.fromtimestamp(os.stat(source).st_mtime, UTC), "mtime"
            except (OSError, OverflowError, ValueError):
                pass
        return None, ""

    def interpret(
        self, time_text: str, created: datetime | None, *, derive: bool = True
    ) -> tuple[datetime | None, TimePrecision | None, bool, dict[str, str] | None]:
        """What a comment's time text says: ``(created, precision, is_edited, anchor)``.

        *created* is the time the tool derived from the text, if any: it is kept, and
        only the text's unit is read. Without it (and with *derive*), the time is read
        from the text and *anchor* is :attr:`anchor_extra` (``None`` otherwise). The
        edited mark is cut off first. Cached by text; the notes count every call.
        """
        key = (time_text, created is None and derive)
        cached = self._texts.get(key)
        if cached is None:
            cached = self._texts[key] = self._interpret(time_text, key[1])
        found, edited, notes = cached
        for note in notes:
            self.ctx.note(note)
        if created is not None:
            return created, (TimePrecision.DAY if found is None else found[1]), edited, None
        if found is None:
            return None, None, edited, None
        return found[0], found[1], edited, self.anchor_extra

    def _interpret(self, time_text: str, derive: bool) -> tuple[_Found, bool, tuple[str, ...]]:
        relative, mark = split_edited(time_text)
        notes: list[str] = []
        if mark is not None and not is_known_mark(mark):
            notes.append("unknown-edited-mark")
        found: _Found = None
        # Only the unit is read of a text whose time is known: any anchor does then.
        anchor = (self.anchor() if derive else _PRECISION_BASE) if relative else None
        if anchor is not None:
            found, problem = self._parse(relative, anchor)
            notes += [problem] if problem else []
        return found, mark is not None, tuple(notes)

    def precision(self, text: str) -> TimePrecision | None:
        """The precision of a time the tool already derived from *text* (its unit);
        ``None`` when the text cannot be read (counted)."""
        cached = self._cache.get(text)
        if cached is None:
            cached = self._cache[text] = self._parse(text, _PRECISION_BASE)
        found, problem = cached
        if problem:
            self.ctx.note(problem)
        return None if found is None else found[1]

    def _parse(
        self, text: str, anchor: datetime
    ) -> tuple[tuple[datetime, TimePrecision] | None, str]:
        found = english_relative(text, anchor)
        if found is not None:
            return found, ""
        if not text.strip():
            return None, "unreadable-time-text"
        if _date_data_parser() is _MISSING:
            return None, "localised-time-needs-dates-extra"
        if len(text) > _LONGEST or self._failures >= _MAX_FAILURES:
            # No YouTube time text is this long; and a file of many distinct unreadable
            # texts is no comment dump worth a slow failed search each.
            return None, "unreadable-time-text"
        reader = self._readers.get(anchor)
        if reader is None:
            reader = self._readers[anchor] = _localised_reader(anchor)
        found = reader(text)
        if found is None:
            self._failures += 1
            return None, "unreadable-time-text"
        return found, ""


#: An anchor of no meaning: :meth:`TimeReader.precision` only needs a text's unit.
_PRECISION_BASE: Final = datetime(2000, 1, 1, tzinfo=UTC)
