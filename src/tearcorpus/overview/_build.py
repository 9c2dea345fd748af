"""Building the report page from inputs or a corpus: two passes, one file.

1. Statistics, in one streaming pass (:class:`~._stats.Overview`): the records are read
   as :func:`tearcorpus.iter_records` reads them, their ids checked on the way; if an id
   came twice, the pass runs again on the records merged by id (as ``convert`` does), so
   that the figures describe one record per id.
2. The thread browser's threads (the largest, and a sample), gathered in a second pass
   over the same inputs (:mod:`._threads`).

Inputs are read twice, so a stream (standard input, a pipe) is refused with a clear
error. A :class:`~tearcorpus.Corpus` is read from memory.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Final

import attrs
import orjson
from attrs import frozen

from .._io import DEFAULT_MAX_RECORD_BYTES, is_remote, is_stream, provenance_name, provenance_root
from ..errors import ExportError, InputError
from ..model import JsonValue, Record
from ..report import Report
from ._stats import Overview, OverviewStats
from ._threads import TEXT_CHARS, gather_threads

if TYPE_CHECKING:
    from ..corpus import Corpus
    from ..reader import InputPath

__all__ = [
    "LARGEST_THREADS",
    "MAX_REPLIES",
    "SAMPLE_THREADS",
    "ReportPage",
    "read_counts",
    "write_report",
]

#: Threads in the browser: the largest ...
LARGEST_THREADS: Final = 20
#: ... and a sample of the others, chosen by a hash of the post id.
SAMPLE_THREADS: Final = 10
#: Replies shown in the browser in all (shared among its threads, at least 20 each).
MAX_REPLIES: Final = 2_000
#: The mark in a Hub folder's card that holds the counts of the run that wrote it.
COUNTS_MARK: Final = "tearcorpus:read="


@frozen
class ReportPage:
    """What :func:`write_report` wrote."""

    path: str
    #: Size of the page in bytes.
    size: int
    stats: OverviewStats
    #: The charts drawn, by name, and those left empty (nothing to draw).
    charts: tuple[str, ...]
    empty_charts: tuple[str, ...]
    #: The post ids of the threads in the browser, in its order.
    threads: tuple[str, ...]
    #: The counts of reading the inputs for the page.
    report: Report


def write_report(
    inputs: InputPath | Iterable[InputPath] | Corpus,
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    largest: int = LARGEST_THREADS,
    sample: int = SAMPLE_THREADS,
    max_replies: int = MAX_REPLIES,
    text_chars: int = TEXT_CHARS,
    detect_languages: bool | None = None,
    report: Report | None = None,
    overwrite: bool = False,
    format: str | None = None,
    strict: bool = False,
    encoding: str | None = None,
    options: Mapping[str, str] | None = None,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> ReportPage:
    """Write the corpus report of *inputs* to the HTML file *path*, atomically.

    *inputs* are dump files, or tearcorpus's own exports (a JSONL, CSV or Parquet export
    folder, a Hub folder, their files), as :func:`tearcorpus.read` takes them, or a
    :class:`~tearcorpus.Corpus`. The counts of the run that built an export (rejected,
    dropped and merged, by reason) come from its ``manifest.json`` or card; *report*
    (say, ``convert``'s ``result.report``) adds those of a run of your own.

    The thread browser holds the *largest* threads and a *sample* of the others, at most
    *max_replies* replies in all, each text cut at *text_chars* characters. Languages
    are detected on a sample of replies when *detect_languages* (default: when the
    ``lang`` extra is installed). An existing *path* is replaced only with *overwrite*.
    The other keywords are those of :func:`tearcorpus.iter_records`.
    """
    from ..corpus import Corpus
    from ._charts import draw_charts, require_matplotlib
    from ._page import render_page

    target = os.fspath(path)
    for name, value in (("largest", largest), ("sample", sample), ("text_chars", text_chars)):
        if value < 0:
            raise ValueError(f"{name} must be 0 or more, not {value}")
    if max_replies < 1:
        raise ValueError(f"max_replies must be at least 1, not {max_replies}")
    if os.path.isdir(target):
        raise ExportError(f"{target}: is a directory; give the report a file name (report.html)")
    if os.path.exists(target) and not overwrite:
        raise ExportError(f"{target}: exists; pass --overwrite to replace it")
    require_matplotlib()  # before reading anything
    detect = _detector(detect_languages)

    built: list[tuple[str, Mapping[str, object]]] = []
    if isinstance(inputs, Corpus):
        corpus = inputs
        run = corpus.report
        overview = Overview(detect=detect)
        overview.add_records(corpus)

        def again() -> Iterator[Record]:
            return iter(corpus)

        default_title = "Corpus report"
    else:
        paths = _paths(inputs)
        read = _Reader(paths, format, strict, encoding, options, max_record_bytes)
        built += read_counts(paths)
        run, overview = _statistics(read, detect, target)
        again = read.records_quietly
        default_title = (
            "Corpus report: "
            + ", ".join(provenance_name(p, provenance_root(paths)) for p in paths[:3])
            + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
        )
    if report is not None:
        built.append(("the run given", report.to_dict()))

    stats = overview.result()
    if detect is None and detect_languages is None:
        stats = attrs.evolve(stats, language_detection="unavailable")
    chosen = _choose(overview, largest, sample)
    per_thread = max(20, max_replies // max(1, len(chosen)))
    threads = gather_threads(again(), chosen, per_thread=per_thread)
    charts = draw_charts(stats)
    note = _browser_note(stats.threads, chosen, per_thread, text_chars)
    page = render_page(
        title=title or default_title,
        stats=stats,
        charts=charts,
        threads=[t.to_json(text_chars) for t in threads],
        run=_shown(run.to_dict()),
        built=[(name, _shown(info)) for name, info in built],
        browser_note=note,
    )
    from .._atomic import AtomicFile

    data = page.encode("utf-8")
    with AtomicFile(target) as out:
        out.handle.write(data)  # type: ignore[arg-type]
    return ReportPage(
        path=target,
        size=len(data),
        stats=stats,
        charts=tuple(c.name for c in charts if c.svg is not None),
        empty_charts=tuple(c.name for c in charts if c.svg is None),
        threads=tuple(t.post_id for t in threads),
        report=run,
    )


def _browser_note(
    threads: int, chosen: Mapping[str, tuple[str, int | None]], per_thread: int, text_chars: int
) -> str:
    """What the thread browser holds, in a sentence."""
    biggest = sum(1 for why, _ in chosen.values() if why == "largest")
    others = len(chosen) - biggest
    if len(chosen) == 1 and threads <= 1:
        which = "The corpus's one thread"
    elif len(chosen) >= threads:
        which = f"All {len(chosen)} threads"
    else:
        which = f"The {biggest} largest threads" + (
            f" and a sample of {others} others" if others else ""
        )
    order = "" if len(chosen) == 1 else ", largest first"
    return (
        f"{which}{order}, with at most {per_thread} replies each (the first met); "
        f"texts cut at {text_chars:,} characters. Pick a thread to read it as a tree."
    )


def _detector(wanted: bool | None) -> Callable[[str], str] | None:
    if wanted is False:
        return None
    if wanted is None and importlib.util.find_spec("py3langid") is None:
        return None
    from ..transforms.filters import detect_language

    detect_language("warm up")  # a missing extra fails here, before any reading
    return detect_language


def _paths(inputs: InputPath | Iterable[InputPath]) -> list[str]:
    paths = (
        [os.fspath(inputs)]
        if isinstance(inputs, str | os.PathLike)
        else [os.fspath(p) for p in inputs]
    )
    if not paths:
        raise ValueError("no input given")
    for path in paths:
        if is_stream(path):
            raise InputError(
                path,
                "is a stream (standard input or a pipe): the report reads its inputs twice "
                "(statistics, then the threads it shows); save it to a file first",
            )
    return paths


class _Reader:
    """The inputs, readable as many times as needed."""

    def __init__(
        self,
        paths: list[str],
        format: str | None,
        strict: bool,
        encoding: str | None,
        options: Mapping[str, str] | None,
        max_record_bytes: int,
    ) -> None:
        self.paths = paths
        self.format = format
        self.strict = strict
        self.encoding = encoding
        self.options = options
        self.max_record_bytes = max_record_bytes

    def records(self, report: Report) -> Iterator[Record]:
        from ..reader import iter_records

        return iter_records(
            self.paths,
            report=report,
            format=self.format,
            strict=self.strict,
            encoding=self.encoding,
            options=self.options,
            max_record_bytes=self.max_record_bytes,
        )

    def records_quietly(self) -> Iterator[Record]:
        """Another reading; its counts are those of the first."""
        return self.records(Report())


def _statistics(
    read: _Reader, detect: Callable[[str], str] | None, target: str
) -> tuple[Report, Overview]:
    """The statistics pass, with one record per id (merged when an id repeats)."""
    from .._byid import KeyCheck, Repeated, beside, merge_by_id

    report = Report()
    overview = Overview(detect=detect)
    check = KeyCheck(beside(target))
    try:
        overview.add_records(check.watch(read.records(report)))
        return report, overview
    except Repeated as found:
        expected = found.count
    finally:
        check.close()
    report = Report()
    overview = Overview(detect=detect)
    overview.add_records(
        merge_by_id(read.records(report), report, folder=beside(target), expected=expected)
    )
    return report, overview


def _choose(overview: Overview, largest: int, sample: int) -> dict[str, tuple[str, int | None]]:
    """Post id → (why, replies when known) of the threads for the browser, in order."""
    sizes = overview.thread_sizes()
    chosen: dict[str, tuple[str, int | None]] = {}
    for key in overview.largest_threads(largest):
        chosen[key] = ("largest", sizes.get(key))
    for key in overview.sample_threads(sample, exclude=chosen):
        chosen[key] = ("sample", sizes.get(key))
    return chosen


def _shown(info: Mapping[str, object], *, base_names: bool = False) -> dict[str, object]:
    """A report's dict as the page shows it: inputs named relative to their common folder
    (no absolute local path in a page meant to be shared; by their file names alone with
    *base_names*), no located errors."""
    data = dict(info)
    given = data.get("sources")
    sources = [dict(s) for s in given if isinstance(s, Mapping)] if isinstance(given, list) else []
    names = [str(s.get("source", "")) for s in sources]
    root = provenance_root(n for n in names if not is_remote(n))
    for source, name in zip(sources, names, strict=True):
        shown = provenance_name(name, root) if os.path.isabs(name) else name
        source["source"] = (os.path.basename(shown) or shown) if base_names else shown
        source.pop("errors", None)
    data["sources"] = sources
    return data


def read_counts(paths: Iterable[str]) -> list[tuple[str, dict[str, JsonValue]]]:
    """The counts of the runs that built the exports among *paths*: an export folder's
    ``manifest.json`` (its ``read`` entry), a Hub folder's card (the mark written by
    :meth:`~tearcorpus.overview.CardCharts.section`), or those files given themselves."""
    found: list[tuple[str, dict[str, JsonValue]]] = []
    seen: set[str] = set()
    for path in paths:
        if is_remote(path):
            continue
        candidates = (
            [os.path.join(path, "manifest.json"), os.path.join(path, "README.md")]
            if os.path.isdir(path)
            else [path]
            if os.path.basename(path) in ("manifest.json", "README.md")
            else []
        )
        for candidate in candidates:
            real = os.path.realpath(candidate)
            if real in seen or not os.path.isfile(candidate):
                continue
            counts = _counts_in(candidate)
            if counts is not None:
                seen.add(real)
                name = os.path.basename(os.path.dirname(os.path.abspath(candidate))) or path
                found.append((name, counts))
                break
    return found


def _counts_in(path: str) -> dict[str, JsonValue] | None:
    try:
        with open(path, "rb") as handle:
            head = handle.read(8 << 20)
    except OSError:
        return None
    if os.path.basename(path) == "manifest.json":
        try:
            info = orjson.loads(head)
        except orjson.JSONDecodeError:
            return None
        read = info.get("read") if isinstance(info, dict) else None
        ours = isinstance(info, dict) and str(info.get("format", "")).startswith("tearcorpus-")
        return read if ours and isinstance(read, dict) else None
    text = head.decode("utf-8", "replace")
    start = text.find("<!-- " + COUNTS_MARK)
    if start < 0:
        return None
    end = text.find(" -->", start)
    try:
        counts = orjson.loads(text[start + len("<!-- " + COUNTS_MARK) : end])
    except orjson.JSONDecodeError:
        return None
    return counts if isinstance(counts, dict) else None
