"""The corpus report: one self-contained HTML page with counts, charts and a thread
browser (:func:`write_report`, ``tearcorpus report``), and the same charts in a Hub
folder's card (:class:`CardCharts`).

The statistics are counted in one streaming pass in bounded memory (:class:`Overview`);
the browser's threads are gathered in a second pass; the charts are drawn with
matplotlib (``pip install 'tearcorpus[report]'``). See docs/report.md.
"""

from __future__ import annotations

from ._build import (
    LARGEST_THREADS,
    MAX_REPLIES,
    SAMPLE_THREADS,
    ReportPage,
    read_counts,
    write_report,
)
from ._card import IMAGES, CardCharts, card_images
from ._charts import CHARTS, Chart, draw_charts
from ._stats import Overview, OverviewStats, emoji_in

__all__ = [
    "CHARTS",
    "IMAGES",
    "LARGEST_THREADS",
    "MAX_REPLIES",
    "SAMPLE_THREADS",
    "CardCharts",
    "Chart",
    "Overview",
    "OverviewStats",
    "ReportPage",
    "card_images",
    "draw_charts",
    "emoji_in",
    "read_counts",
    "write_report",
]
