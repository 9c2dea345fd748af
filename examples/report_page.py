"""The corpus report: one self-contained HTML page of counts, charts and a thread browser,
for the bundled sample and for a Hub folder built from it (its card shows the charts).

Run with no arguments: ``python examples/report_page.py`` (needs the ``report`` extra);
the pages go to a temporary folder, removed at the end. Give a folder to keep them
(``python examples/report_page.py pages/``) and open ``report.html`` in a browser: it
loads nothing from the network.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import tearcorpus


def main(folder: Path) -> None:
    # 1. From the dump itself.
    page = tearcorpus.write_report(tearcorpus.sample_path(), folder / "report.html")
    stats = page.stats
    print(f"wrote {page.path} ({page.size:,} bytes)")
    print(f"  {stats.posts} post, {stats.replies} replies, {stats.threads} thread")
    print(f"  charts drawn: {', '.join(page.charts)}")
    print(f"  nothing to draw (the dump states no time, no likes): {', '.join(page.empty_charts)}")
    print(f"  reply depths: {stats.depths}; top emoji: {[e for e, _ in stats.emoji]}")

    # 2. From an export: a Hub folder whose run dropped short replies. Its card shows the
    # same charts, and the page states how the export was built.
    hub = folder / "hub"
    result = tearcorpus.convert(
        tearcorpus.sample_path(),
        to="hub",
        out=hub,
        transforms=(tearcorpus.FilterStep(rules=(), min_chars=80),),
    )
    assert result.report is not None
    images = sorted(p.name for p in (hub / "images").iterdir())
    print(f"Hub folder {hub}: card images {images}")
    again = tearcorpus.write_report(hub, folder / "hub.html", largest=5, sample=0)
    assert again.stats.replies == result.replies
    print(
        f"wrote {again.path}: {again.stats.replies} replies; the run that built it dropped "
        f"{result.report.dropped} ({dict(result.report.dropped_by_reason)})"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
