"""Scrub personal data out of text: emails, phone numbers, URLs, IPs, handles.

Each kind found is replaced by a typed placeholder::

    email  → [EMAIL]    me@example.org, me [at] example [dot] org
    phone  → [PHONE]    +44 20 7946 0958, (555) 123-4567, 06 12 34 56 78
    url    → [URL]      https://..., www..., example.com/path, youtu.be/abc
    ip     → [IP]       192.0.2.1, 2001:db8::1
    handle → [HANDLE]   @someone (YouTube, Twitter, Instagram handles)
    user   → [USER]     u/someone, /u/someone (Reddit users)

Every enabled kind is searched for, overlapping matches are resolved (the earliest
start, then the longest match wins), and the survivors are replaced in one pass. A
disabled kind is not searched for at all, so with ``url`` off the handle inside
``youtube.com/@someone`` is still replaced.

Hard negatives the patterns are built to leave alone: times (3:45, 12:30:15), scripture
(Romans 12:15), prices ($5.00), years, dates (2023-11-02, 02.11.2023), version numbers
(2.0.1), scores (3-1), ISBNs, counts (1.2K likes), timestamps, subreddits (r/name) and
the pseudonyms written by :mod:`~tearcorpus.transforms.anonymize` (``@anon-…``). The
measured precision and recall per kind are in ``docs/privacy.md``.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import ClassVar, Final

from ..model import JsonValue, Post, Record
from ..report import Report
from ._base import Drop, choose, with_step

__all__ = [
    "KINDS",
    "PLACEHOLDERS",
    "Scrubber",
    "find_pii",
    "parse_kinds",
    "scrub",
    "scrub_text",
]

#: Scrubbable kinds, in the order they are documented.
KINDS: Final = ("email", "phone", "url", "ip", "handle", "user")

#: The placeholder that replaces each kind: its name in capitals, in brackets (``[EMAIL]``).
PLACEHOLDERS: Final[Mapping[str, str]] = {kind: f"[{kind.upper()}]" for kind in KINDS}

# Pseudonyms written by the anonymiser: never scrubbed as handles or users.
_PSEUDONYM = r"anon-[0-9a-f]{16}\b"

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_EMAIL = re.compile(
    rf"(?<![\w.+%-])[A-Za-z0-9][A-Za-z0-9._%+-]*@{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,24}}\b"
)
# Spelled-out forms: me [at] example [dot] org, me (at) example.org, me at example dot org.
_AT = r"(?:\s?[\[({]\s?at\s?[\])}]\s?|\s+at\s+)"
_DOT = r"(?:\.|\s?[\[({]\s?dot\s?[\])}]\s?|\s+dot\s+)"
_AT_RE = re.compile(_AT, re.IGNORECASE)
_EMAIL_SPOKEN = re.compile(
    rf"(?<![\w.+%-])[A-Za-z0-9][A-Za-z0-9._%+-]*{_AT}{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}[A-Za-z]{{2,24}}\b",
    re.IGNORECASE,
)
# "x at y dot com" only counts when it ends in a real top-level domain.
_SPOKEN_TLDS: Final = frozenset({"com", "org", "net", "edu", "gov", "io", "co", "uk", "de", "fr"})

_TLDS = (
    "com|org|net|edu|gov|mil|int|info|biz|io|co|me|tv|ly|gg|be|app|dev|ai|xyz|link|site|"
    "online|blog|shop|store|news|club|page|uk|us|ca|au|nz|ie|de|fr|es|it|nl|ch|at|se|no|dk|"
    "fi|pl|pt|br|mx|ar|in|jp|kr|cn|ru|za|eu|to|fm|am|ws|cc|sh|im|is|ms|ai|gl|social"
)
_URL = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\d?\.)[^\s<>\"'`]+"
    r"|(?<![\w@.+-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+"
    rf"(?:{_TLDS})(?::\d{{2,5}})?(?:/[^\s<>\"'`]*)?(?![\w@-])",
    re.IGNORECASE,
)
_URL_TRAILING = ".,;:!?'\"*_~"

_IPV4_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\w.:]){_IPV4_OCTET}(?:\.{_IPV4_OCTET}){{3}}(?::\d{{1,5}})?(?![\w]|\.\d)")
_IPV6_CANDIDATE = re.compile(
    r"(?<![\w:.])\[?(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?"
    r"(?:%\w+)?\]?(?::\d{1,5})?(?![\w:])"
)

_PHONE_INTL = re.compile(
    r"(?<![\w+])(?:\+|\b00\s?)[1-9]\d{0,2}(?:[\s.\-]?\(?\d{1,5}\)?){2,6}(?![\w\-])"
)
_PHONE_NATIONAL = re.compile(
    # 0 trunk prefix: UK, Germany, France, ... (0161 496 0000, 06 12 34 56 78, 030 1234567)
    r"(?<![\w.,:/\-])\(?0\d{1,4}\)?(?:[\s.\-/]?\d{2,8}){1,4}(?![\w\-]|[.,]\d)"
    # North America: (555) 123-4567, 555-123-4567, 1-800-273-8255
    r"|(?<![\w.,:/\-])(?:1[\s.\-])?(?:\(\d{3}\)\s?|\d{3}[\s.\-])\d{3}[\s.\-]\d{4}(?![\w\-]|[.,]\d)"
)
_PHONE_CONTEXT_BEFORE = re.compile(r"(?:isbn(?:-1[03])?|doi|id|#)[:\s]*$", re.IGNORECASE)

_HANDLE = re.compile(rf"(?<![\w@.+-])@(?!{_PSEUDONYM})\w(?:[\w.\-]*\w)?")
_USER = re.compile(rf"(?<![\w/])/?u/(?!{_PSEUDONYM})[A-Za-z0-9_][A-Za-z0-9_\-]{{1,19}}\b")


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _trim_url(text: str, start: int, end: int) -> tuple[int, int]:
    value = text[start:end]
    while value:
        if (
            value[-1] in _URL_TRAILING
            or (value[-1] == ")" and value.count("(") < value.count(")"))
            or (value[-1] == "]" and value.count("[") < value.count("]"))
        ):
            value = value[:-1]
        else:
            break
    return start, start + len(value)


def _emails(text: str) -> Iterator[tuple[int, int]]:
    for found in _EMAIL.finditer(text):
        yield found.span()
    for at in _AT_RE.finditer(text):
        # The local part is the token just before "at".
        start = at.start()
        while start and (text[start - 1].isalnum() or text[start - 1] in "._%+-"):
            start -= 1
        m = _EMAIL_SPOKEN.match(text, start)
        if m is None:
            continue
        value = m.group().lower()
        if at.group().strip() == "at" and "dot" not in value:
            continue  # "reach me at example.org" is a sentence, not an address
        tld = re.split(r"[\s.\])}]+", value.rstrip())[-1]
        if tld in _SPOKEN_TLDS:
            yield m.span()


def _urls(text: str) -> Iterator[tuple[int, int]]:
    for m in _URL.finditer(text):
        start, end = _trim_url(text, *m.span())
        if "." in text[start:end].split("//", 1)[-1]:
            yield start, end


def _ips(text: str) -> Iterator[tuple[int, int]]:
    for m in _IPV4.finditer(text):
        yield m.span()
    for m in _IPV6_CANDIDATE.finditer(text):
        value = m.group()
        core = value.strip("[]")
        if "]:" in value:
            core = value[1 : value.index("]")]
        core = core.split("%", 1)[0]
        if core.count(":") < 2 or not any(c.isalnum() for c in core):
            continue
        try:
            ipaddress.IPv6Address(core)
        except ValueError:
            continue
        yield m.span()


def _phones(text: str) -> Iterator[tuple[int, int]]:
    for m in _PHONE_INTL.finditer(text):
        start, end = m.span()
        value = text[start:end].rstrip(" .")
        if 8 <= _digits(value) <= 15:
            yield start, start + len(value)
    for m in _PHONE_NATIONAL.finditer(text):
        start, end = m.span()
        value = text[start:end].rstrip(" .")
        digits = _digits(value)
        if not 9 <= digits <= 12:
            continue
        if _PHONE_CONTEXT_BEFORE.search(text, max(0, start - 12), start):
            continue
        groups = re.findall(r"\d+", value)
        # A run of one-digit or 4-digit groups is a date or a year, not a number.
        if value[0] == "0" and len(groups) > 1 and len(groups[-1]) == 4 and digits <= 8:
            continue
        yield start, start + len(value)


def _spans(pattern: re.Pattern[str]) -> Callable[[str], Iterator[tuple[int, int]]]:
    """The finder of *pattern*'s matches, every one kept."""
    return lambda text: (m.span() for m in pattern.finditer(text))


_FINDERS: Final[dict[str, Callable[[str], Iterator[tuple[int, int]]]]] = {
    "email": _emails,
    "phone": _phones,
    "url": _urls,
    "ip": _ips,
    "handle": _spans(_HANDLE),  # "@" and at least one word character
    "user": _spans(_USER),
}
# On a tie (same start, same length) the earlier kind wins.
_PRIORITY: Final = {
    kind: rank for rank, kind in enumerate(("email", "url", "ip", "phone", "user", "handle"))
}


def find_pii(text: str, kinds: Iterable[str] = KINDS) -> list[tuple[int, int, str]]:
    """Non-overlapping ``(start, end, kind)`` spans of personal data in *text*, in order."""
    found = [
        (start, end, kind) for kind in kinds for start, end in _FINDERS[kind](text) if end > start
    ]
    found.sort(key=lambda s: (s[0], -(s[1] - s[0]), _PRIORITY[s[2]]))
    spans: list[tuple[int, int, str]] = []
    last_end = 0
    for start, end, kind in found:
        if start < last_end:
            continue
        spans.append((start, end, kind))
        last_end = end
    return spans


def scrub_text(text: str, kinds: Iterable[str] = KINDS, counts: Counter[str] | None = None) -> str:
    """*text* with each span of the enabled *kinds* replaced by its placeholder.

    >>> scrub_text("mail me@example.org or call +44 20 7946 0958, not at 3:45")
    'mail [EMAIL] or call [PHONE], not at 3:45'

    *counts*, when given, is incremented per kind replaced.
    """
    if not text:
        return text
    spans = find_pii(text, kinds)
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for start, end, kind in spans:
        parts.append(text[pos:start])
        parts.append(PLACEHOLDERS[kind])
        pos = end
        if counts is not None:
            counts[kind] += 1
    parts.append(text[pos:])
    return "".join(parts)


def parse_kinds(value: str | Iterable[str] | None, without: Iterable[str] = ()) -> tuple[str, ...]:
    """Validate kinds given as ``"email,phone"`` or a list; ``None`` or ``"all"`` means every kind.

    Raises ``ValueError`` naming an unknown kind.
    """
    chosen = set(KINDS) if value is None else choose(value, KINDS, "scrub kind")
    removed = choose(",".join(without), KINDS, "scrub kind", every=False)
    return tuple(k for k in KINDS if k in chosen and k not in removed)


def _scrub_json(value: JsonValue, kinds: tuple[str, ...], counts: Counter[str]) -> JsonValue:
    if isinstance(value, str):
        return scrub_text(value, kinds, counts)
    if isinstance(value, list):
        return [_scrub_json(v, kinds, counts) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_json(v, kinds, counts) for k, v in value.items()}
    return value


class Scrubber:
    """Replace personal data in a record's text, title and every string in ``extra``.

    ``extra`` is scrubbed too because parsers keep copies of the text there
    (``textDisplay``, ``body_html`` ...). Counts per kind go to ``report.scrubbed``. The
    step is recorded in provenance as ``scrub:<kinds>``.
    """

    name: ClassVar[str] = "scrub"
    drops: ClassVar[bool] = False

    def __init__(self, kinds: Collection[str] = KINDS) -> None:
        self.kinds = parse_kinds(list(kinds))
        self.step = "scrub:" + ",".join(self.kinds)

    def apply(self, record: Record, report: Report) -> Record | Drop:
        if not self.kinds:
            return record
        counts: Counter[str] = Counter()
        text = scrub_text(record.text, self.kinds, counts)
        extra = _scrub_json(record.extra, self.kinds, counts) if record.extra else record.extra
        if isinstance(record, Post):
            title = None if record.title is None else scrub_text(record.title, self.kinds, counts)
            report.scrubbed.update(counts)
            return with_step(record, self.step, text=text, title=title, extra=extra)
        report.scrubbed.update(counts)
        return with_step(record, self.step, text=text, extra=extra)


def scrub(
    records: Iterable[Record], kinds: Collection[str] = KINDS, report: Report | None = None
) -> Iterator[Record]:
    """Stream *records* with personal data in their text replaced by placeholders."""
    scrubber = Scrubber(kinds)
    report = Report() if report is None else report
    for record in records:
        out = scrubber.apply(record, report)
        assert not isinstance(out, Drop)
        yield out
