"""Text normalisation, one optional step at a time, each recorded in provenance.

Steps, run in this order whatever order they are given in:

- ``html``: HTML entities decoded (``&amp;`` → ``&``, ``&#39;`` → ``'``), the way
  Reddit JSON without ``raw_json=1`` and the YouTube API's ``textDisplay`` escape them.
  ``<br>`` becomes a newline; no other tag is touched.
- ``mojibake``: UTF-8 read as cp1252/latin-1 repaired (``donâ€™t`` → ``don’t``) with ftfy
  (optional extra ``clean``).
- ``nfc``: Unicode NFC composition (``e`` + combining acute → ``é``).
- ``whitespace``: spaces and tabs inside a line collapsed to one space, trailing
  spaces dropped, three or more line breaks reduced to two, ends stripped; no-break and
  zero-width spaces count as spaces.
- ``quotes``: Reddit markdown quotes (lines starting with ``>``) removed
  (``quotes="remove"``) or marked (``quotes="mark"``: each quoted line is prefixed with
  ``[QUOTE] `` instead of ``>``), so models can tell the author's words from the words
  they answer.

Each step that ran is appended to ``provenance.transforms`` as ``normalize:<step>``
(``normalize:quotes-remove`` / ``normalize:quotes-mark``), whether or not it changed
that record's text: the provenance says what was done to the whole corpus. ``text`` and
a post's ``title`` are normalised; ``extra`` keeps the source's values as they were.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import ClassVar, Final

from ..errors import MissingDependencyError
from ..model import Post, Record
from ..report import Report
from ._base import Drop, choose, with_step

__all__ = ["DEFAULT_STEPS", "QUOTE_MODES", "STEPS", "Normalizer", "parse_steps"]

#: Every step, in the order they run.
STEPS: Final = ("html", "mojibake", "nfc", "whitespace", "quotes")
#: Steps run by ``--normalize`` without a value: the ones that need no extra.
DEFAULT_STEPS: Final = ("html", "nfc", "whitespace")
#: What ``quotes`` does with ``> quoted`` lines.
QUOTE_MODES: Final = ("remove", "mark")

_BR: Final = re.compile(r"<br\s*/?>", re.IGNORECASE)
_SPACES: Final = re.compile(r"[ \t\u00a0\u2007\u202f\u200b\u2060\ufeff]+")
_BLANK_RUNS: Final = re.compile(r"\n{3,}")
_QUOTE_LINE: Final = re.compile(r"^[ \t]*(?:>|&gt;)[ \t]?(.*)$")


def parse_steps(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Validate steps given as ``"html,nfc"`` or a list; ``None`` means the defaults."""
    if value is None:
        return DEFAULT_STEPS
    chosen = choose(value, STEPS, "normalize step")
    return tuple(s for s in STEPS if s in chosen)


def _html(text: str) -> str:
    if "&" not in text and "<" not in text:
        return text
    return html.unescape(_BR.sub("\n", text))


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _whitespace(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip(" ") for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def _quotes(mode: str) -> Callable[[str], str]:
    def run(text: str) -> str:
        if ">" not in text:
            return text
        out: list[str] = []
        for line in text.split("\n"):
            m = _QUOTE_LINE.match(line)
            if m is None:
                out.append(line)
            elif mode == "mark":
                out.append("[QUOTE] " + m.group(1))
        if mode == "remove":
            return "\n".join(out).strip("\n")
        return "\n".join(out)

    return run


def _mojibake() -> Callable[[str], str]:
    try:
        import ftfy
    except ImportError:
        raise MissingDependencyError("mojibake repair", "clean", "ftfy") from None
    return ftfy.fix_encoding


class Normalizer:
    """Apply the chosen normalisation steps to a record's text and a post's title."""

    name: ClassVar[str] = "normalize"
    drops: ClassVar[bool] = False

    def __init__(self, steps: Iterable[str] | None = None, *, quotes: str = "remove") -> None:
        if quotes not in QUOTE_MODES:
            raise ValueError(
                f"unknown quotes mode {quotes!r}; choose from: {', '.join(QUOTE_MODES)}"
            )
        self.steps = parse_steps(list(steps) if steps is not None else None)
        made = {"html": _html, "nfc": _nfc, "whitespace": _whitespace, "quotes": _quotes(quotes)}
        if "mojibake" in self.steps:
            made["mojibake"] = _mojibake()  # needs ftfy: only when asked for
        self._funcs = [made[s] for s in self.steps]
        self.recorded = tuple(
            f"normalize:quotes-{quotes}" if s == "quotes" else f"normalize:{s}" for s in self.steps
        )

    def text(self, text: str) -> str:
        """*text* through every chosen step."""
        for func in self._funcs:
            text = func(text)
        return text

    def apply(self, record: Record, report: Report) -> Record | Drop:
        if not self._funcs:
            return record
        text = self.text(record.text)
        if isinstance(record, Post):
            title = None if record.title is None else self.text(record.title)
            return with_step(record, *self.recorded, text=text, title=title)
        return with_step(record, *self.recorded, text=text)
