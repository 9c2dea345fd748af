"""The Hub card's charts counted and drawn in a second process: the same charts, and the
second process never outlives the export, whatever happens to either side."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import tearcorpus
from tearcorpus import Author, Platform, Reply
from tearcorpus.errors import ExportError
from tearcorpus.overview import CardCharts
from tests.test_report_page import RICH

if TYPE_CHECKING:
    import pyarrow as pa

pytest.importorskip("pyarrow")
pytest.importorskip("matplotlib")


def _children() -> set[int]:
    """The live child processes of this process (Linux: ``/proc``)."""
    found: set[int] = set()
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        pytest.skip("needs /proc")
    for task in tasks.iterdir():
        try:
            text = (task / "children").read_text()
        except OSError:
            pytest.skip("needs /proc/<pid>/task/<tid>/children")
        found.update(int(pid) for pid in text.split())
    return found


def _ended(pids: set[int]) -> bool:
    """Whether none of *pids* is a live child any more (waiting up to 10 s)."""
    deadline = time.monotonic() + 10
    while pids & _children():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _small_batches() -> list[tuple[str, pa.RecordBatch]]:
    """The rich fixtures' record batches, cut into batches of 7 rows."""
    from tearcorpus.hf import record_batches

    batches: list[tuple[str, pa.RecordBatch]] = []
    for table, batch in record_batches(tearcorpus.iter_records(RICH)):
        batches += [(table, batch.slice(start, 7)) for start in range(0, len(batch), 7)]
    return batches


def _section(charts: CardCharts) -> tuple[str, dict[str, bytes]]:
    written: dict[str, bytes] = {}
    text = charts.section(lambda path, data: written.__setitem__(path, data), None)
    return text, written


def test_charts_drawn_apart_are_the_charts_drawn_here() -> None:
    batches = _small_batches()
    assert len(batches) > 5
    before = _children()
    here, apart = CardCharts(apart_after=None), CardCharts(apart_after=20)
    for table, batch in batches:
        here.add(table, batch)
        apart.add(table, batch)
    assert not here.counted_apart
    assert apart.counted_apart
    started = _children() - before
    assert len(started) == 1
    text, images = _section(here)
    assert _section(apart) == (text, images)
    assert len(images) >= 5  # the rich fixtures draw most charts
    assert all(data.startswith(b"\x89PNG") for data in images.values())
    assert _ended(started)


def test_the_front_matter_made_apart_is_the_one_made_here() -> None:
    """The card's YAML, made in the second process (which imported datasets beside the
    counting), is the YAML made here; the process then ends."""
    from functools import partial

    from tearcorpus.exporters.hub.card import SplitInfo, card_data

    splits = {
        "replies": {"train": SplitInfo(80, 8000, download_size=900)},
        "posts": {"train": SplitInfo(3, 300), "test": SplitInfo(1, 100)},
    }
    make = partial(card_data, splits, default_config="replies", languages=("de",), rows=80)
    before = _children()
    charts = CardCharts(apart_after=0)
    for table, batch in _small_batches():
        charts.add(table, batch)
    (child,) = _children() - before
    charts.draw()
    waiting = charts.counted_apart  # it waits for the front matter
    assert waiting
    made = charts.front_matter(make)
    assert made == make().to_yaml()
    assert "dataset_info:" in made
    assert "config_name: replies" in made
    assert not charts.counted_apart
    assert _ended({child})
    text, images = _section(charts)  # the charts drawn there are still shown
    assert len(images) >= 5
    assert "## Charts" in text


def test_a_second_process_that_dies_is_an_export_error() -> None:
    before = _children()
    charts = CardCharts(apart_after=0)
    batches = _small_batches()
    charts.add(*batches[0])
    (child,) = _children() - before
    os.kill(child, signal.SIGKILL)

    def feed_and_draw() -> None:
        for table, batch in batches[1:]:  # a write may find the pipe closed, or the answer
            charts.add(table, batch)
        charts.draw()

    with pytest.raises(ExportError, match=r"card's charts: their process ended early"):
        feed_and_draw()
    charts.close()
    assert _ended({child})


def test_closing_ends_the_second_process_at_once() -> None:
    before = _children()
    charts = CardCharts(apart_after=0)
    for table, batch in _small_batches():
        charts.add(table, batch)
    started = _children() - before
    assert len(started) == 1
    charts.close()
    assert not charts.counted_apart
    assert _ended(started)


def _replies(count: int, fail_at: int | None = None) -> Iterator[Reply]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for number in range(count):
        if number == fail_at:
            raise RuntimeError("the input broke")
        yield Reply(
            id=f"r{number}",
            post_id=f"p{number % 50}",
            parent_id=None if number % 3 else f"r{number - 1}" if number else None,
            platform=Platform.YOUTUBE,
            text=f"comment {number} 😢" if number % 7 == 0 else f"comment {number}",
            author=Author(id=f"a{number % 900}", name=f"user {number % 900}"),
            created_at=start + timedelta(minutes=number),
            like_count=number % 40,
        )


def test_a_large_hub_export_counts_apart_and_cleans_up_when_it_fails(tmp_path: Path) -> None:
    """Past 20,000 rows the charts go to a second process: an export that fails after
    that leaves no folder and no process behind; one that succeeds shows the charts."""
    before = _children()
    out = tmp_path / "hub"
    with pytest.raises(RuntimeError, match="the input broke"):
        tearcorpus.write_hub_folder(_replies(40_000, fail_at=35_000), str(out))
    assert not out.exists()
    assert _ended(_children() - before)

    result = tearcorpus.write_hub_folder(_replies(30_000), str(out))
    assert result.replies == 30_000
    readme = (out / "README.md").read_text(encoding="utf-8")
    images = sorted(p.name for p in (out / "images").iterdir())
    assert "thread-sizes.png" in images
    assert "emoji.png" in images
    assert all(f"](images/{name})" in readme for name in images)
    assert _children() == before
