"""The report's charts in a Hub folder's card: PNG images in ``images/`` and a Markdown
section that shows them, counted from the record batches the Hub export writes.

The section also holds the counts of the run (read, rejected, dropped and merged by
reason) as a machine-readable comment, so that a report of the Hub folder states them as
a report of a JSONL export does from its manifest. ``publish`` uploads the images the
card shows (:func:`card_images`).
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import orjson

from ._build import COUNTS_MARK, _shown
from ._stats import COLUMNS, Overview

if TYPE_CHECKING:
    import pyarrow as pa
    from huggingface_hub import DatasetCardData

    from ..report import Report
    from ._apart import ChartsApart
    from ._charts import Chart

__all__ = ["IMAGES", "CardCharts", "card_images"]

#: The folder of the card's images, inside the Hub folder.
IMAGES: Final = "images"
#: Rows counted in this process before the rest go to a second one (a small export is
#: done before a second process would have started).
APART_ROWS: Final = 20_000
_IMAGE_LINK: Final = re.compile(r"!\[[^\]]*\]\((" + IMAGES + r"/[A-Za-z0-9_.-]+\.png)\)")


class CardCharts:
    """Statistics of a Hub export's batches, drawn for its card by :meth:`section`.

    Past *apart_after* rows (``None``: never), the statistics so far go to a second
    process that counts the rest and draws the charts while this one goes on parsing and
    writing (:mod:`._apart`); the charts are the same either way.
    No language detection here (it would cost seconds on every export): the languages
    chart shows the languages the sources state, if any.
    """

    def __init__(self, *, apart_after: int | None = APART_ROWS) -> None:
        self.overview = Overview()
        #: The images written by :meth:`section` (paths relative to the folder).
        self.images: list[str] = []
        self._charts: list[Chart] | None = None
        self._missing = False
        self._rows = 0
        self._apart: ChartsApart | None = None
        # No second process without matplotlib: nothing to draw there.
        if importlib.util.find_spec("matplotlib") is None:
            apart_after = None
        self._apart_after = apart_after

    def add(self, table: str, batch: pa.RecordBatch) -> None:
        """Count a record batch of the ``posts`` or ``replies`` table."""
        if self._apart is not None:  # only what the statistics read goes through the pipe
            self._apart.add(table, batch.select([n for n in COLUMNS if n in batch.schema.names]))
            return
        self.overview.add_batch(table, batch)
        self._rows += len(batch)
        if self._apart_after is not None and self._rows >= self._apart_after:
            from ._apart import ChartsApart

            self._apart_after = None  # one try
            self._apart = ChartsApart.start(self.overview)

    @property
    def counted_apart(self) -> bool:
        """Whether the batches are being counted in a second process."""
        return self._apart is not None

    def finish(self) -> None:
        """No more batches: the charts are drawn from here on, in the second process if
        they are counted there (while the Hub export writes its shards)."""
        if self._apart is not None:
            self._apart.finish()

    def draw(self) -> None:
        """Draw the charts of every batch added, or take them from the second process
        (once; :meth:`section` draws them if this was not called). The Hub export calls
        it while its writer thread ends the shards, so that the drawing (Python work)
        overlaps the writing (Arrow work)."""
        from ..errors import MissingDependencyError
        from ._charts import draw_charts

        if self._charts is not None:
            return
        if self._apart is not None:
            charts = self._apart.charts()  # the end of the batches told, if not yet
            self._charts, self._missing = charts or [], charts is None
            return
        try:
            self._charts = draw_charts(self.overview.result(), svg=False, png=True)
        except MissingDependencyError:
            self._charts, self._missing = [], True

    def front_matter(self, make: Callable[[], DatasetCardData]) -> str:
        """The card's YAML front matter, ``make().to_yaml()``: made in the second process
        if there is one (after :meth:`draw`; it then ends), which imports ``datasets``
        while this one writes its shards, else here."""
        self.draw()
        if self._apart is None:
            return make().to_yaml()
        apart, self._apart = self._apart, None
        return apart.front_matter(make)

    def close(self) -> None:
        """End the second process, if any (the export failed, or it is not needed)."""
        if self._apart is not None:
            self._apart.close()
            self._apart = None

    def section(self, write: Callable[[str, bytes], object], report: Report | None) -> str:
        """Hand each chart's PNG to ``write(relative path, bytes)`` and return the card's
        Markdown section showing them (with the run's counts in a comment). The second
        process, if any, is ended."""
        self.draw()
        self.close()
        assert self._charts is not None
        charts = self._charts
        lines = ["", "## Charts", ""]
        if self._missing:
            lines.append(
                "Not drawn: matplotlib is not installed (`pip install 'tearcorpus[report]'`). "
                "`tearcorpus report` draws them, with a thread browser, from this folder."
            )
        empty = []
        for chart in charts:
            if chart.png is None:
                empty.append(f"{chart.title.lower()} ({chart.note.rstrip('.')})")
                continue
            name = f"{IMAGES}/{chart.name}.png"
            write(name, chart.png)
            self.images.append(name)
            lines += [f"![{chart.title}]({name})", "", f"*{chart.note}*", ""]
        if empty:
            lines += ["Not drawn, for want of data: " + "; ".join(empty) + ".", ""]
        if charts:
            lines += [
                "`tearcorpus report` on this folder draws the same charts in one HTML page, "
                "with a thread browser.",
                "",
            ]
        if report is not None:
            shown = _shown(report.to_dict(), base_names=True)
            counts = orjson.dumps(shown).decode()
            counts = counts.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            lines += [f"<!-- {COUNTS_MARK}{counts} -->", ""]
        return "\n".join(lines)


def card_images(readme: str, folder: str) -> list[str]:
    """The images of ``images/`` that the card *readme* shows and *folder* holds
    (relative paths), for ``publish`` to upload with the data."""
    found = {m.group(1) for m in _IMAGE_LINK.finditer(readme)}
    return sorted(f for f in found if os.path.isfile(os.path.join(folder, f)))
