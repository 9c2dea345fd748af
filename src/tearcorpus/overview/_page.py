"""The report page: one HTML document holding its styles, charts, data and script.

Nothing is fetched: the Content-Security-Policy allows no source but the page's own
script (by its hash), inline styles and ``data:`` images. Every text of the corpus goes
in escaped: through :func:`html.escape` in the markup, and as JSON whose ``<``, ``>`` and
``&`` are ``\\u`` escapes in the data block, which the script puts into the page as text.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Mapping, Sequence
from importlib.resources import files
from typing import Final

import orjson

from .._version import __version__
from ._charts import Chart
from ._stats import OverviewStats
from ._threads import ThreadData

__all__ = ["render_page", "script_json"]

_NUMBER: Final = "{:,}"


def script_json(value: object) -> str:
    """*value* as JSON that cannot end the ``<script>`` element holding it, nor open a
    comment or markup inside it."""
    text = orjson.dumps(value).decode()
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _n(value: int, approximate: bool = False) -> str:
    return ("≈ " if approximate else "") + _NUMBER.format(value)


def _count(value: int, one: str, many: str) -> str:
    return f"{_n(value)} {one if value == 1 else many}"


def _total(counts: Mapping[str, object], key: str) -> int:
    """The count *key* of a report's dict (0 when it is not stated)."""
    value = counts.get(key, 0)
    return int(value) if isinstance(value, int | float) else 0


def _asset(name: str) -> str:
    return (files("tearcorpus.overview") / name).read_text(encoding="utf-8")


def _table(caption: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A small table; numbers right-aligned."""
    head = "".join(
        f'<th scope="col"{" class=num" if i else ""}>{_esc(h)}</th>' for i, h in enumerate(header)
    )
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            if isinstance(cell, int) and not isinstance(cell, bool):
                cells.append(f'<td class="num">{_n(cell)}</td>')
            elif i == 0:
                cells.append(f'<th scope="row">{_esc(cell)}</th>')
            else:
                cells.append(f"<td>{_esc(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(header)}">none</td></tr>')
    return (
        f"<table><caption>{_esc(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _quantile(counts: Mapping[int, int], q: float) -> int | None:
    total = sum(counts.values())
    if not total:
        return None
    rank = q * (total - 1)
    seen = 0
    for value, count in sorted(counts.items()):
        seen += count
        if seen > rank:
            return value
    return max(counts)


def _cards(stats: OverviewStats, run: Mapping[str, object]) -> str:
    items = [
        (_n(stats.posts), "posts"),
        (_n(stats.replies), "replies"),
        (_n(stats.threads, stats.thread_level > 0), "threads"),
        (_n(stats.authors, stats.author_level > 0), "distinct authors"),
        (_n(_total(run, "rejected")), "rejected"),
        (_n(_total(run, "dropped")), "dropped"),
    ]
    cells = "".join(
        f'<div class="card"><span class="n">{n}</span><span class="k">{_esc(k)}</span></div>'
        for n, k in items
    )
    return f'<div class="cards" id="count-cards">{cells}</div>'


def _corpus_table(stats: OverviewStats) -> str:
    rows: list[tuple[str, object]] = [
        ("posts", stats.posts),
        ("replies", stats.replies),
        ("threads", _n(stats.threads, stats.thread_level > 0)),
        ("distinct author ids", _n(stats.authors, stats.author_level > 0)),
        ("records without an author id", stats.no_author),
        ("records by platform", ", ".join(f"{p} {_n(n)}" for p, n in stats.platforms.items())),
    ]
    if stats.first:
        rows.append(("replies written", f"{stats.first} to {stats.last} (UTC)"))
    rows.append(("replies without a time", stats.no_time))
    rows.append(("times estimated from relative dates", stats.estimated_times))
    median = _quantile(stats.reply_lengths, 0.5)
    if median is not None:
        p90 = _quantile(stats.reply_lengths, 0.9)
        rows.append(("reply length (median, p90)", f"{median}, {p90} characters"))
    if stats.like_max is not None:
        rows.append(
            ("likes (total, most on one reply)", f"{_n(stats.like_total)}, {_n(stats.like_max)}")
        )
    for flag, count in stats.flags.items():
        rows.append((f"replies {flag}", count))
    if stats.stated_languages:
        stated = ", ".join(
            f"{code} {_n(n)}" for code, n in list(stats.stated_languages.items())[:10]
        )
        rows.append(("languages stated by the sources (records)", stated))
    return _table("The corpus", ("", ""), rows)


def _reasons(caption: str, counts: Mapping[str, int]) -> str:
    return _table(caption, ("reason", "records"), sorted(counts.items()))


def _run_tables(title: str, run: Mapping[str, object]) -> str:
    """The counts of one reading: totals, then by reason and by input."""
    totals = [
        ("records read", _total(run, "read")),
        ("written to the corpus", _total(run, "written")),
        ("rejected (unreadable)", _total(run, "rejected")),
        ("dropped by transforms", _total(run, "dropped")),
        ("merged (one record per id)", _total(run, "merged")),
    ]
    parts = [_table(title, ("", ""), totals)]
    for key, caption in (
        ("rejected_by_reason", "Rejected, by reason"),
        ("dropped_by_reason", "Dropped, by reason"),
        ("merged_by_reason", "Merged, by reason"),
    ):
        counts = run.get(key)
        if isinstance(counts, Mapping) and counts:
            parts.append(_reasons(caption, counts))
    sources = run.get("sources")
    if isinstance(sources, list) and sources:
        rows = [
            (
                str(s.get("source", "")),
                str(s.get("format", "")),
                _total(s, "posts"),
                _total(s, "replies"),
                _total(s, "rejected"),
            )
            for s in sources
            if isinstance(s, Mapping)
        ]
        inputs = _table("Inputs", ("input", "format", "posts", "replies", "rejected"), rows)
        parts.append(inputs.replace("<table>", '<table class="wide">', 1))
    return "".join(parts)


def _figure(chart: Chart) -> str:
    state = "drawn" if chart.svg is not None else "empty"
    body = chart.svg if chart.svg is not None else f'<p class="empty">{_esc(chart.note)}</p>'
    caption = f"<figcaption>{_esc(chart.note)}</figcaption>" if chart.svg is not None else ""
    return (
        f'<figure class="chart {state}" id="chart-{chart.name}" data-chart="{chart.name}">'
        f'<h3 id="{chart.name}-title">{_esc(chart.title)}</h3>{body}{caption}</figure>'
    )


def render_page(
    *,
    title: str,
    stats: OverviewStats,
    charts: Sequence[Chart],
    threads: Sequence[ThreadData],
    run: Mapping[str, object],
    built: Sequence[tuple[str, Mapping[str, object]]],
    browser_note: str,
) -> str:
    """The whole page. *run* is the reading's report (``Report.to_dict()``), *built*
    the reports of the exports read (their manifests or cards), by export."""
    script = _asset("browser.js")
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )
    counts = [_cards(stats, built[0][1] if built else run)]
    counts.append('<div class="tables">')
    counts.append(_corpus_table(stats))
    for name, info in built:
        counts.append(_run_tables(f"How {name} was built", info))
    counts.append(
        _run_tables("Reading these inputs" if not built else "Reading them for this report", run)
    )
    counts.append("</div>")
    figures = "".join(_figure(chart) for chart in charts)
    drawn = sum(1 for chart in charts if chart.svg is not None)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_esc(policy)}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="tearcorpus {_esc(__version__)}">'
        f"<title>{_esc(title)}</title><style>{_asset('page.css')}</style></head>\n"
        "<body>"
        f"<header><h1>{_esc(title)}</h1>"
        f'<p class="sub">A corpus report by tearcorpus {_esc(__version__)}: '
        f"{_count(stats.posts, 'post', 'posts')} and "
        f"{_count(stats.replies, 'reply', 'replies')}.</p>"
        '<nav><a href="#counts">Counts</a><a href="#charts">Charts</a>'
        '<a href="#threads">Threads</a></nav></header>\n'
        f'<section id="counts"><h2>Counts</h2>{"".join(counts)}</section>\n'
        f'<section id="charts" data-drawn="{drawn}"><h2>Charts</h2>'
        f'<div class="charts">{figures}</div></section>\n'
        '<section id="threads"><h2>Threads</h2>'
        f'<p class="sub">{_esc(browser_note)}</p>'
        '<div class="picker"><label for="thread-pick">Thread </label>'
        '<select id="thread-pick"></select></div>'
        '<div id="thread-view" aria-live="polite"></div>'
        "<noscript><p>The thread browser needs JavaScript.</p></noscript></section>\n"
        f"<footer>Made with tearcorpus {_esc(__version__)}. Self-contained: this page "
        "loads nothing from the network.</footer>\n"
        f'<script type="application/json" id="threads-data">{script_json(list(threads))}</script>\n'
        f'<script type="application/json" id="stats-data">{script_json(stats.to_dict())}</script>\n'
        f"<script>{script}</script>\n"
        "</body></html>\n"
    )
