"""Filters: records left out of the corpus, each counted by reason.

Rules (each optional), checked in this order; the first that matches gives the reason:

==============  =====================================================================
reason          dropped when
==============  =====================================================================
``deleted``     ``is_deleted``, or the text is ``[deleted]``
``removed``     ``is_removed``, or the text is ``[removed]``
``empty``       the text is empty or only whitespace (a post: title and text both)
``too-short``   fewer than ``min_chars`` characters (after stripping)
``too-long``    more than ``max_chars`` characters
``bot``         author is a known bot (AutoModerator, RemindMeBot ...), a name ending in
                ``bot`` after ``_``/``-`` or as ``...Bot``, or text saying
                "I am a bot" / "this action was performed automatically"
``spam-links``  three or more links, or the same link twice, with little else
``first``       the whole comment is "first", "1st", "first!" and the like
``language``    the detected language is not one of ``languages`` (texts of 20
                characters or more; shorter ones are kept, detection is unreliable)
==============  =====================================================================

By default filters judge replies only and every post is kept. With
``include_posts=True`` a post is judged on its title and text, and dropping it leaves
its replies in the corpus as orphans that still carry its ``post_id``.

Language detection uses py3langid (optional extra ``lang``), which ships its model:
nothing is downloaded.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Collection
from types import TracebackType
from typing import IO, ClassVar, Final, cast

import orjson

from .._atomic import AtomicFile
from ..errors import ExportError, MissingDependencyError
from ..model import Post, Record
from ..report import Report
from ..serialize import to_dict
from ._base import Drop

__all__ = ["BOT_NAMES", "RULES", "DroppedWriter", "Filter", "detect_language"]

#: Rules that need no option; ``length`` and ``language`` are switched on by their bounds.
RULES: Final = ("deleted", "removed", "empty", "bot", "spam", "first")

#: Accounts that post only automated messages (compared casefolded).
BOT_NAMES: Final = frozenset(
    n.casefold()
    for n in (
        "AutoModerator",
        "RemindMeBot",
        "RepostSleuthBot",
        "sneakpeekbot",
        "WikiTextBot",
        "SaveVideo",
        "savevideobot",
        "stabbot",
        "gifv-bot",
        "LinkifyBot",
        "B0tRank",
        "GoodBot_BadBot",
        "VredditDownloader",
        "haikusbot",
        "converter-bot",
        "timezone_bot",
        "nice-scores",
        "Nightbot",
        "Streamlabs",
        "StreamElements",
        "Moobot",
    )
)
_BOT_SUFFIX: Final = re.compile(r"(?:[_\-]bot|Bot|BOT)\d*$")
_BOT_TEXT: Final = re.compile(
    r"\bI(?:'m| am) a bot\b|this action was performed automatically|\bbeep,? boop\b",
    re.IGNORECASE,
)
_LINK: Final = re.compile(r"https?://\S+|\bwww\.\S+", re.IGNORECASE)
_FIRST: Final = re.compile(
    r"^\W*(?:first|1st|frist|first comment|first here|first!+|am i first|i'?m first|"
    r"first to comment|first view|early)\W*$",
    re.IGNORECASE,
)
_GONE_TEXT: Final = {"[deleted]": "deleted", "[removed]": "removed"}
#: Texts shorter than this keep whatever language they are in.
MIN_LANG_CHARS: Final = 20


def detect_language(text: str) -> str:
    """The ISO 639-1 code py3langid gives *text* (needs the ``lang`` extra)."""
    return _language_detector()(text)


@functools.cache
def _language_detector() -> Callable[[str], str]:
    try:
        import py3langid
    except ImportError:
        raise MissingDependencyError("language filtering", "lang", "py3langid") from None

    def classify(text: str) -> str:
        lang, _score = py3langid.classify(text)
        return str(lang)

    return classify


def _is_bot(record: Record) -> bool:
    author = record.author
    if author is not None:
        for name in (author.name, author.id):
            if not name:
                continue
            bare = name.lstrip("@")
            if bare.casefold() in BOT_NAMES or _BOT_SUFFIX.search(bare):
                return True
    return bool(_BOT_TEXT.search(record.text))


def _is_link_spam(text: str) -> bool:
    links = _LINK.findall(text)
    if not links:
        return False
    rest = _LINK.sub(" ", text)
    words = len(re.findall(r"\w+", rest))
    if len(links) >= 3 and words <= 8 * len(links):
        return True
    return len(links) != len({link.rstrip(".,)!") for link in links}) and words <= 20


class Filter:
    """Drop records by the rules chosen; see the module docs for each reason."""

    name: ClassVar[str] = "filter"
    drops: ClassVar[bool] = True

    def __init__(
        self,
        rules: Collection[str] = RULES,
        *,
        min_chars: int | None = None,
        max_chars: int | None = None,
        languages: Collection[str] | None = None,
        include_posts: bool = False,
    ) -> None:
        unknown = set(rules) - set(RULES)
        if unknown:
            raise ValueError(
                f"unknown filter rule {sorted(unknown)[0]!r}; choose from: {', '.join(RULES)}"
            )
        self.rules = frozenset(rules)
        self.min_chars = min_chars
        self.max_chars = max_chars
        self.languages = None if not languages else frozenset(x.lower() for x in languages)
        self.include_posts = include_posts
        self._detect = _language_detector() if self.languages else None

    def reason(self, record: Record) -> str | None:
        """Why *record* would be dropped, or ``None`` to keep it."""
        if isinstance(record, Post):
            if not self.include_posts:
                return None
            text = "\n".join(t for t in (record.title, record.text) if t)
        else:
            text = record.text
        stripped = text.strip()
        rules = self.rules
        if "deleted" in rules and (record.is_deleted or _GONE_TEXT.get(stripped) == "deleted"):
            return "deleted"
        if "removed" in rules and (record.is_removed or _GONE_TEXT.get(stripped) == "removed"):
            return "removed"
        if "empty" in rules and not stripped:
            return "empty"
        if self.min_chars is not None and len(stripped) < self.min_chars:
            return "too-short"
        if self.max_chars is not None and len(stripped) > self.max_chars:
            return "too-long"
        if "bot" in rules and _is_bot(record):
            return "bot"
        if "spam" in rules and _is_link_spam(stripped):
            return "spam-links"
        if "first" in rules and _FIRST.match(stripped):
            return "first"
        if (
            self._detect is not None
            and self.languages is not None
            and len(stripped) >= MIN_LANG_CHARS
            and self._detect(stripped) not in self.languages
        ):
            return "language"
        return None

    def apply(self, record: Record, report: Report) -> Record | Drop:
        reason = self.reason(record)
        return record if reason is None else Drop(reason)


class DroppedWriter:
    """Write dropped records aside as JSON Lines: :func:`~tearcorpus.to_dict` + ``dropped_reason``.

    The file appears atomically when the writer is closed without error; an error
    midway leaves nothing at *path*. Use as a context manager, and as the ``dropped``
    callback of :func:`~tearcorpus.transforms.apply_transforms`.
    """

    def __init__(self, path: str, *, overwrite: bool = False) -> None:
        if os.path.exists(path) and not overwrite:
            raise ExportError(f"{path}: exists; pass overwrite=True (--overwrite) to replace it")
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise ExportError(f"{path}: directory {directory} does not exist")
        self.path = path
        self.count = 0
        self._out = AtomicFile(path)
        self._file = cast(IO[bytes], self._out.handle)

    def __call__(self, record: Record, reason: str) -> None:
        data = to_dict(record)
        data["dropped_reason"] = reason
        self._file.write(orjson.dumps(data) + b"\n")
        self.count += 1

    def close(self) -> None:
        """Commit the file of dropped records."""
        self._out.commit()

    def discard(self) -> None:
        """Remove the file of dropped records, leaving nothing behind."""
        self._out.abort()

    def __enter__(self) -> DroppedWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # The file's own ending: committed, or removed (a failed write: one ExportError).
        self._out.__exit__(exc_type, exc, tb)
