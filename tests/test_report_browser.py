"""The report page in a real browser: headless Chromium (Debian's package) loads it, and
the test fails on any console error or warning, uncaught exception, refused resource or
network request, then checks that the charts and the thread browser render.

Outside CI, a machine without Chromium skips these tests and says how to get it; in CI
(``CI`` set) they must run: ``.ci/run`` installs Chromium when it is missing.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("matplotlib")
Image = pytest.importorskip("PIL.Image")  # comes with matplotlib

import tearcorpus  # noqa: E402
from tearcorpus.overview import CHARTS  # noqa: E402

from .browser import Chromium, chromium_path  # noqa: E402
from .test_report_page import HOSTILE, RICH, _hostile  # noqa: E402

ALL_CHARTS = [name for name, _ in CHARTS]


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    executable = chromium_path()
    if executable is None:
        message = (
            "Chromium not found: the report's browser test needs it (Debian: apt-get install "
            "chromium; or set TEARCORPUS_CHROMIUM to a Chromium or Chrome binary)"
        )
        if os.environ.get("CI"):
            pytest.fail(message + "; in CI it must run (.ci/run installs it)")
        pytest.skip(message)
    with Chromium(executable) as chromium:
        yield chromium


def _load(browser: Chromium, page: Path) -> int:
    """Open *page*; fail on any problem met while it loads, or any request beyond it.
    Returns where its events start in ``browser.events``."""
    start = len(browser.events)
    browser.open(page)
    assert browser.problems(start) == []
    assert browser.requests(start) == [page.resolve().as_uri()]
    assert browser.evaluate("document.body.dataset.browser") == "ready"
    return start


def _pixels(png: bytes) -> Any:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return image


def _ink(image: Any, box: tuple[float, float, float, float]) -> float:
    """The share of pixels in *box* (CSS pixels) that are not near-white."""
    left, top, width, height = box
    part = image.crop((int(left), int(top), int(left + width), int(top + height)))
    gray = part.convert("L")
    histogram = gray.histogram()
    dark: int = sum(histogram[:230])
    area: int = part.width * part.height
    return dark / max(1, area)


def _charts(browser: Chromium) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = browser.evaluate(
        """Object.fromEntries([...document.querySelectorAll('figure.chart')].map(f => {
             const svg = f.querySelector('svg');
             const r = (svg || f).getBoundingClientRect();
             return [f.dataset.chart, {drawn: !!svg, bars: svg ? svg.querySelectorAll('path').length : 0,
               box: [r.left + scrollX, r.top + scrollY, r.width, r.height]}];
           }))"""
    )
    return found


def test_the_sample_report_renders_without_a_console_error(
    browser: Chromium, tmp_path: Path
) -> None:
    """The bundled sample's page: no problem while loading, every chart its data allow
    painted (non-blank pixels where the SVG is), the others say why, and the thread
    browser shows the thread's 19 replies as a tree."""
    page = tmp_path / "sample.html"
    result = tearcorpus.write_report(tearcorpus.sample_path(), page)
    _load(browser, page)
    charts = _charts(browser)
    assert list(charts) == ALL_CHARTS
    assert {n for n, c in charts.items() if c["drawn"]} == set(result.charts)
    assert set(result.empty_charts) == {"comments-over-time", "likes"}
    shot = _pixels(browser.screenshot())
    assert shot.width >= 1000
    assert shot.height > 2000
    for name in result.charts:
        box = charts[name]["box"]
        assert box[2] > 300, name
        assert box[3] > 100, name
        assert _ink(shot, box) > 0.02, name  # bars and text were painted
    assert len(shot.getcolors(1 << 24) or []) > 50  # not a blank or one-colour page
    assert browser.evaluate("document.querySelectorAll('#thread-view li.reply').length") == 19
    assert browser.evaluate("document.querySelectorAll('#thread-pick option').length") == 1
    heading = browser.evaluate("document.querySelector('#thread-view h3').textContent")
    assert heading.startswith("Therapist Answers")


def test_every_chart_and_the_thread_picker_on_a_rich_corpus(
    browser: Chromium, tmp_path: Path
) -> None:
    """With times, likes, deep replies, languages and emoji, every chart is drawn; picking
    another thread redraws the browser, nested replies indented under their parents."""
    page = tmp_path / "rich.html"
    tearcorpus.write_report([str(p) for p in RICH], page, detect_languages=True)
    start = _load(browser, page)
    charts = _charts(browser)
    assert all(c["drawn"] and c["bars"] > 3 for c in charts.values()), charts
    shot = _pixels(browser.screenshot())
    for name, chart in charts.items():
        assert _ink(shot, chart["box"]) > 0.02, name
    options = browser.evaluate("document.querySelectorAll('#thread-pick option').length")
    assert options == 8
    deepest = browser.evaluate(
        """(() => { const s = document.getElementById('thread-pick'); let best = 0;
             for (let i = 0; i < s.options.length; i++) {
               s.value = String(i); s.dispatchEvent(new Event('change'));
               document.querySelectorAll('#thread-view li.reply').forEach(li => {
                 let d = 0, n = li; while ((n = n.parentElement.closest('li.reply'))) d++;
                 best = Math.max(best, d); });
             } return best; })()"""
    )
    assert deepest == 2  # the Reddit and yt-dlp threads go two replies deep
    assert browser.problems(start) == []


def test_hostile_comments_stay_text_in_the_browser(browser: Chromium, tmp_path: Path) -> None:
    """Markup in comments runs nothing and adds no element: the title is not changed by
    any script of theirs, no image or extra script exists, and every text reads back as
    it was written."""
    page = tmp_path / "hostile.html"
    tearcorpus.write_report(_hostile(tmp_path), page, title="Hostile")
    _load(browser, page)
    assert browser.evaluate("document.title") == "Hostile"
    assert browser.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert browser.evaluate("document.scripts.length") == 3
    texts = browser.evaluate(
        "[...document.querySelectorAll('#thread-view li.reply > .text')].map(e => e.textContent)"
    )
    assert texts == HOSTILE
    authors = browser.evaluate(
        "[...document.querySelectorAll('#thread-view li.reply .author')].map(e => e.textContent)"
    )
    assert authors == [f"<i>{text}</i>" for text in HOSTILE]
