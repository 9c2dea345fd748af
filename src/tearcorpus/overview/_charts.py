"""The report's charts, drawn with matplotlib (the ``report`` extra): SVG for the page,
PNG for the Hub folder's card. One function per chart builds a figure from
:class:`~tearcorpus.overview.OverviewStats`, or says why there is nothing to draw.

matplotlib is used through its object API (``Figure``, no ``pyplot`` and no global
state), with the settings of each drawing in a ``rc_context``. SVG text stays text
(``svg.fonttype = none``: small, and the browser's fonts draw emoji), element ids are
fixed by a salt (the same stats give the same bytes) and made unique per chart so that
several SVGs live in one page.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Callable
from datetime import date, timedelta
from types import ModuleType
from typing import TYPE_CHECKING, Final

from attrs import frozen

from ..errors import MissingDependencyError
from ._stats import OverviewStats, emoji_name

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis

__all__ = ["CHARTS", "Chart", "draw_charts", "require_matplotlib"]

_ACCENT: Final = "#3b6ea8"
_LIGHT: Final = "#a9c1de"
_GREY: Final = "#9aa3ad"
_SIZE: Final = (6.4, 2.7)
#: Bars are never wider than one of this many.
_MIN_SLOTS: Final = 6
_RC: Final = {
    "svg.fonttype": "none",
    "svg.hashsalt": "tearcorpus",
    "font.size": 9,
    "font.family": "sans-serif",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#666666",
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
}


@frozen
class Chart:
    """One chart: its file name stem, title, a line saying what it shows, and the
    drawing (``None`` with a *note* when the corpus has nothing to draw)."""

    name: str
    title: str
    note: str
    svg: str | None = None
    png: bytes | None = None

    @property
    def drawn(self) -> bool:
        """The chart was drawn (as SVG or PNG); a chart without data is not."""
        return self.svg is not None or self.png is not None


def require_matplotlib() -> ModuleType:
    """matplotlib, or a :class:`~tearcorpus.errors.MissingDependencyError` naming the
    ``report`` extra."""
    try:
        import matplotlib
        import matplotlib.figure
    except ImportError:
        raise MissingDependencyError("the corpus report's charts", "report", "matplotlib") from None
    return matplotlib


def _integer_ticks(axis: Axis) -> None:
    """Ticks at whole numbers only, otherwise as matplotlib's default locator places them."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))


def _bucket_label(bucket: int) -> str:
    """The range of a ``bit_length`` bucket: 0, 1, 2–3, 4–7 ..."""
    if bucket <= 1:
        return str(bucket)
    low, high = 1 << (bucket - 1), (1 << bucket) - 1
    return f"{_short(low)}–{_short(high)}"


def _short(number: int) -> str:
    for size, unit in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if number >= size * 10:
            return f"{number // size}{unit}"
    return str(number)


def _buckets(counts: dict[int, int]) -> dict[int, int]:
    """*counts* (value → how many) gathered into ``bit_length`` buckets, no gaps."""
    out: dict[int, int] = {}
    for value, count in counts.items():
        bucket = max(value, 0).bit_length()
        out[bucket] = out.get(bucket, 0) + count
    if not out:
        return out
    return {b: out.get(b, 0) for b in range(min(out), max(out) + 1)}


def _bars(
    ax: Axes,
    labels: list[str],
    values: list[int],
    *,
    xlabel: str,
    ylabel: str,
    colors: list[str] | None = None,
) -> None:
    positions = list(range(len(labels)))
    ax.bar(positions, values, color=colors or _ACCENT, width=0.8)
    ax.set_xticks(
        positions,
        labels,
        rotation=45 if len(labels) > 8 else 0,
        ha="right" if len(labels) > 8 else "center",
    )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _integer_ticks(ax.yaxis)
    # A few bars keep the width of one among six (the others' room left empty).
    ax.set_xlim(-0.6, max(len(labels), _MIN_SLOTS) - 0.4)


def _hbars(ax: Axes, labels: list[str], values: list[int]) -> None:
    """Horizontal bars, the first at the top; a few keep the height of one among six."""
    count = len(labels)
    positions = [count - 1 - i for i in range(count)]
    ax.barh(positions, values, color=_ACCENT, height=0.8)
    ax.set_yticks(positions, labels)
    ax.set_ylim(count - max(count, _MIN_SLOTS) - 0.4, count - 0.4)


def _over_time(ax: Axes, stats: OverviewStats) -> str | None:
    if not stats.days:
        return "No reply states a time."
    import numpy as np
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    days = {date.fromisoformat(day): counts for day, counts in stats.days.items()}
    first, last = min(days), max(days)
    span = (last - first).days
    if span <= 62:
        unit, width = "day", 1.0

        def start(day: date) -> date:
            return day
    elif span <= 731:
        unit, width = "week", 7.0

        def start(day: date) -> date:
            return day - timedelta(days=day.weekday())
    else:
        unit, width = "month", 28.0

        def start(day: date) -> date:
            return day.replace(day=1)

    bins: dict[date, list[int]] = {}
    for day, (exact, estimated) in sorted(days.items()):
        counts = bins.setdefault(start(day), [0, 0])
        counts[0] += exact
        counts[1] += estimated
    xs = np.array(list(bins), dtype="datetime64[D]")
    exact_counts = [c[0] for c in bins.values()]
    estimated_counts = [c[1] for c in bins.values()]
    ax.bar(xs, exact_counts, width=width * 0.9, align="edge", color=_ACCENT, label="exact time")
    if any(estimated_counts):
        ax.bar(
            xs,
            estimated_counts,
            bottom=exact_counts,
            width=width * 0.9,
            align="edge",
            color=_LIGHT,
            label='estimated ("3 weeks ago")',
        )
        ax.legend(frameon=False, loc="upper left")
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.set_ylabel(f"replies per {unit}")
    _integer_ticks(ax.yaxis)
    return None


def _thread_sizes(ax: Axes, stats: OverviewStats) -> str | None:
    if not stats.thread_sizes:
        return "No thread."
    buckets = _buckets(stats.thread_sizes)
    _bars(
        ax,
        [_bucket_label(b) for b in buckets],
        list(buckets.values()),
        xlabel="replies in the thread",
        ylabel="threads",
    )
    return None


def _depths(ax: Axes, stats: OverviewStats) -> str | None:
    if not stats.depths:
        return "No reply."
    known = {d: n for d, n in stats.depths.items() if d is not None}
    deep = {d: n for d, n in known.items() if d >= 20}
    labels = [str(d) for d in range(min(known, default=0), min(max(known, default=0), 19) + 1)]
    values = [known.get(int(d), 0) for d in labels] if known else []
    if deep:
        labels.append("20+")
        values.append(sum(deep.values()))
    colors = [_ACCENT] * len(labels)
    unknown = stats.depths.get(None, 0)
    if unknown:
        labels.append("parent\nmissing")
        values.append(unknown)
        colors.append(_GREY)
    _bars(
        ax,
        labels,
        values,
        xlabel="depth (0: a direct reply to the post)",
        ylabel="replies",
        colors=colors,
    )
    return None


def _lengths(ax: Axes, stats: OverviewStats) -> str | None:
    if not stats.reply_lengths:
        return "No reply."
    buckets = _buckets(stats.reply_lengths)
    _bars(
        ax,
        [_bucket_label(b) for b in buckets],
        list(buckets.values()),
        xlabel="characters in the reply",
        ylabel="replies",
    )
    return None


def _likes(ax: Axes, stats: OverviewStats) -> str | None:
    stated = {b: n for b, n in stats.likes.items() if b is not None}
    if not stated:
        return "No reply states a like count." if stats.replies else "No reply."
    full = {b: stated.get(b, 0) for b in range(min(stated), max(stated) + 1)}
    labels = [_bucket_label(b) for b in full]
    values = list(full.values())
    colors = [_ACCENT] * len(labels)
    missing = stats.likes.get(None, 0)
    if missing:
        labels.append("not\nstated")
        values.append(missing)
        colors.append(_GREY)
    _bars(ax, labels, values, xlabel="likes (score on Reddit)", ylabel="replies", colors=colors)
    return None


def _languages(ax: Axes, stats: OverviewStats) -> str | None:
    counts = stats.detected_languages or stats.stated_languages
    if not counts:
        if stats.language_detection == "unavailable":
            return (
                "No record states its language, and detection needs the 'lang' extra "
                "(pip install 'tearcorpus[lang]')."
            )
        if stats.language_detection == "off":
            return "No record states its language (language detection was off)."
        return "No reply text is long enough to tell its language."
    top = list(counts.items())[:12]
    rest = sum(counts.values()) - sum(n for _, n in top)
    if rest:
        top.append(("other", rest))
    _hbars(ax, [code for code, _ in top], [n for _, n in top])
    ax.set_xlabel("reply texts" if stats.detected_languages else "records")
    _integer_ticks(ax.xaxis)
    return None


def _emoji(ax: Axes, stats: OverviewStats, *, glyphs: bool) -> str | None:
    if not stats.emoji:
        return "No emoji in the replies."
    top = stats.emoji[:15]
    labels = [(f"{e}  {emoji_name(e)}" if glyphs else emoji_name(e)) for e, _ in top]
    _hbars(ax, labels, [n for _, n in top])
    ax.set_xlabel("times used")
    _integer_ticks(ax.xaxis)
    return None


#: Name, title and drawing function of every chart, in page order.
CHARTS: Final[tuple[tuple[str, str], ...]] = (
    ("comments-over-time", "Comments over time"),
    ("thread-sizes", "Thread sizes"),
    ("reply-depth", "Reply depth"),
    ("text-lengths", "Reply lengths"),
    ("likes", "Likes"),
    ("languages", "Languages"),
    ("emoji", "Top emoji"),
)


def _caption(name: str, stats: OverviewStats) -> str:
    sampled = (
        f" From a sample of 1 in {1 << stats.thread_level} threads." if stats.thread_level else ""
    )
    if name == "comments-over-time":
        return "Replies by the time they were written (UTC)." + (
            f" {stats.no_time} replies state no time." if stats.no_time else ""
        )
    if name == "thread-sizes":
        return "Threads by their number of replies." + sampled
    if name == "reply-depth":
        return "Replies by depth in the reply tree." + sampled
    if name == "text-lengths":
        return "Replies by the length of their text, in characters."
    if name == "likes":
        return "Replies by their like count (score on Reddit)."
    if name == "languages":
        if stats.detected_languages:
            of = stats.detected_of + stats.too_short_for_language
            sample = (
                f" (a sample of 1 in {1 << stats.language_level})" if stats.language_level else ""
            )
            return (
                f"Languages detected (py3langid) in {stats.detected_of} of {of} reply texts "
                f"looked at{sample}; {stats.too_short_for_language} too short to tell."
            )
        return "Languages stated by the sources."
    replies = "reply" if stats.emoji_replies == 1 else "replies"
    return f"The most used emoji, in {stats.emoji_replies} {replies} with any."


def draw_charts(stats: OverviewStats, *, svg: bool = True, png: bool = False) -> list[Chart]:
    """Every chart of :data:`CHARTS` for *stats*, as SVG text and/or PNG bytes."""
    matplotlib = require_matplotlib()
    from matplotlib.figure import Figure

    draws: dict[str, Callable[[Axes, OverviewStats, bool], str | None]] = {
        "comments-over-time": lambda ax, s, g: _over_time(ax, s),
        "thread-sizes": lambda ax, s, g: _thread_sizes(ax, s),
        "reply-depth": lambda ax, s, g: _depths(ax, s),
        "text-lengths": lambda ax, s, g: _lengths(ax, s),
        "likes": lambda ax, s, g: _likes(ax, s),
        "languages": lambda ax, s, g: _languages(ax, s),
        "emoji": lambda ax, s, g: _emoji(ax, s, glyphs=g),
    }
    charts = []
    for name, title in CHARTS:
        caption = _caption(name, stats)
        drawn_svg: str | None = None
        drawn_png: bytes | None = None
        note = None
        for kind in ("svg", "png"):
            if not (svg if kind == "svg" else png):
                continue
            with matplotlib.rc_context(_RC), warnings.catch_warnings():
                # Emoji have no glyph in matplotlib's font: the browser draws them (SVG),
                # the PNG names them instead.
                warnings.filterwarnings("ignore", "Glyph .* missing from", UserWarning)
                figure = Figure(figsize=_SIZE, layout="constrained")
                ax = figure.add_subplot()
                note = draws[name](ax, stats, kind == "svg")
                if note is not None:
                    break
                if kind == "png":  # the page has its own headings
                    ax.set_title(title, loc="left")
                buffer = io.BytesIO()
                if kind == "svg":
                    figure.savefig(buffer, format="svg", metadata={"Date": None})
                    drawn_svg = _inline_svg(buffer.getvalue().decode(), name)
                else:
                    figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
                    drawn_png = buffer.getvalue()
        if note is not None:
            charts.append(Chart(name, title, note))
        else:
            charts.append(Chart(name, title, caption, drawn_svg, drawn_png))
    return charts


_ID: Final = re.compile(r'\bid="([^"]+)"')
_REF: Final = re.compile(r'(url\(#|href="#)([^)"]+)')


def _inline_svg(svg: str, prefix: str) -> str:
    """matplotlib's SVG document as an element for an HTML page: no XML declaration or
    DOCTYPE, every id prefixed with *prefix* (several charts share one page)."""
    start = svg.index("<svg")
    svg = svg[start:]
    svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
    return svg.replace("<svg ", f'<svg role="img" aria-labelledby="{prefix}-title" ', 1)
