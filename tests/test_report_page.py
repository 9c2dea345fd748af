"""The corpus report page: statistics, sampling, escaping, inputs and the command."""

from __future__ import annotations

import html
import html.parser
import json
import os
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("matplotlib")

import tearcorpus
from tearcorpus import Author, Post, Reply, write_report
from tearcorpus.cli import main
from tearcorpus.errors import ExportError, InputError
from tearcorpus.overview import (
    CHARTS,
    Overview,
    draw_charts,
    emoji_in,
    read_counts,
)

DATA = Path(__file__).parent / "data"
SAMPLE = tearcorpus.sample_path()
#: Fixtures with times, likes, authors, deep replies, languages and emoji.
RICH = [
    DATA / "reddit" / "thread.json",
    DATA / "pushshift" / "RC_2024-01.ndjson",
    DATA / "pushshift" / "RS_2024-01.ndjson",
    DATA / "ytdlp" / "ytdlp_Xq7Tz0bWc3M.info.json",
    DATA / "ycd" / "ycd_Mx4LangTe5A.mixed.jsonl",
    SAMPLE,
]
T0 = datetime(2024, 3, 1, 12, tzinfo=UTC)


def _reply(id: str, post: str, parent: str | None = None, **fields: Any) -> Reply:
    return Reply(id=id, post_id=post, parent_id=parent, platform="reddit", **fields)


def _stats(
    records: list[Any], *, structure_budget: int = 1000, author_budget: int = 1000
) -> tuple[Overview, Any]:
    overview = Overview(structure_budget=structure_budget, author_budget=author_budget)
    overview.add_records(records)
    return overview, overview.result()


class _Page(html.parser.HTMLParser):
    """The elements of a page that matter for safety: tags met, scripts and their text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        found = dict(attrs)
        if "id" in found and found["id"] is not None:
            self.ids.append(found["id"])
        if tag == "script":
            self._in_script = found
            self.scripts.append((found, ""))

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def _data(page: _Page, name: str) -> Any:
    for attrs, text in page.scripts:
        if attrs.get("id") == name:
            return json.loads(text)
    raise AssertionError(f"no {name} block")


# -- statistics --------------------------------------------------------------------------


def test_statistics_of_a_small_corpus_add_up() -> None:
    """Depths from parent links (an orphan and a loop unknown), thread sizes, likes by
    bucket, days split exact/estimated, flags, authors: each figure adds up to the replies."""
    records = [
        Post(id="p1", platform="reddit", title="One"),
        Post(id="p2", platform="reddit", title="Two (no replies)"),
        _reply("a", "p1", None, like_count=0, author=Author(id="u1"), created_at=T0),
        _reply("b", "p1", "a", like_count=1, author=Author(id="u2"), created_at=T0),
        _reply("c", "p1", "b", like_count=5, author=Author(id="u1"), created_at=T0),
        _reply("d", "p1", "p1", like_count=None, is_deleted=True),  # parent = the post
        _reply("e", "p1", "gone", like_count=3, created_at=T0, created_at_estimated=True),
        _reply("f", "p1", "e", like_count=100),  # under an orphan
        _reply("x", "p3", "y"),  # a loop of parent links
        _reply("y", "p3", "x"),
    ]
    overview, stats = _stats(records)
    assert (stats.posts, stats.replies, stats.threads, stats.authors) == (2, 8, 3, 2)
    assert stats.depths == {0: 2, 1: 1, 2: 1, None: 4}
    assert stats.thread_sizes == {0: 1, 2: 1, 6: 1}
    assert stats.likes == {0: 1, 1: 1, 2: 1, 3: 1, 7: 1, None: 3}
    assert (stats.like_total, stats.like_max) == (109, 100)
    assert stats.days == {"2024-03-01": [3, 1]}
    assert (stats.no_time, stats.estimated_times) == (4, 1)
    assert stats.flags == {"deleted": 1}
    assert stats.no_author == 2 + 5  # the posts and five replies name no author
    for figure in (stats.depths, stats.likes, stats.reply_lengths):
        assert sum(figure.values()) == stats.replies
    assert sum(size * n for size, n in stats.thread_sizes.items()) == stats.replies
    assert overview.largest_threads(2) == ["p1", "p3"]
    assert not overview.sampled


def test_emoji_are_counted_as_people_see_them() -> None:
    """A skin-toned emoji, a zero-width-joined family, a flag and a keycap count once each;
    letters, punctuation and a lone variation selector are not emoji."""
    text = "ok 👍🏽 👩‍👩‍👧 🇫🇷 1️⃣ ❤️ 💛💛 — © ™ é \ufe0f"
    assert emoji_in(text) == ["👍🏽", "👩‍👩‍👧", "🇫🇷", "1️⃣", "❤️", "💛", "💛"]
    _, stats = _stats([Post(id="p", platform="youtube"), _reply("r", "p", text=text)])
    assert stats.emoji[0] == ("💛", 2)
    assert stats.emoji_replies == 1


def test_stated_languages_are_language_tags_only() -> None:
    """Languages stated in the source fields count; a field holding anything else does not."""
    records = [
        Post(id="p", platform="youtube", extra={"language": "en"}),
        _reply("a", "p", extra={"lang": "pt_BR"}),
        _reply("b", "p", extra={"language": "<script>alert(1)</script>"}),
        _reply("c", "p", extra={"language": "$x^2$"}),
    ]
    _, stats = _stats(records)
    assert stats.stated_languages == {"en": 1, "pt-br": 1}


def test_budgets_bound_memory_and_sample_whole_threads() -> None:
    """Past the budgets, threads and authors are kept by a hash sample: the structure held
    stays within its budget, sampled threads keep every reply (exact sizes and depths), the
    counts are estimates of the right size, and the largest thread is still found."""
    records: list[Any] = []
    truth: dict[str, int] = {}
    for t in range(400):
        post = f"t{t}"
        size = 3 + t % 5
        truth[post] = size
        records.append(Post(id=post, platform="reddit"))
        for r in range(size):
            parent = None if r == 0 else f"{post}-{r - 1}"
            records.append(_reply(f"{post}-{r}", post, parent, author=Author(id=f"u{t}-{r}")))
    truth["big"] = 300
    records += [_reply(f"big-{r}", "big", None) for r in range(300)]
    overview, stats = _stats(records, structure_budget=200, author_budget=100)
    assert overview.sampled
    assert stats.thread_level > 0
    assert stats.author_level > 0
    assert sum(overview.thread_sizes().values()) <= 200
    for key, size in overview.thread_sizes().items():
        assert size == truth[key]
    assert 401 / 4 < stats.threads < 401 * 4
    assert 2000 / 4 < stats.authors < 2000 * 4
    assert overview.largest_threads(1) == ["big"]
    # Depths of the sampled chains: one reply per depth in each sampled thread.
    depths = {d: n for d, n in stats.depths.items() if d is not None}
    assert depths[0] >= depths.get(1, 0) >= depths.get(6, 0)
    # The same input gives the same sample.
    again, _ = _stats(records, structure_budget=200, author_budget=100)
    assert again.thread_sizes() == overview.thread_sizes()


def test_language_detection_looks_at_a_bounded_sample() -> None:
    """Detection runs on at most the language budget of reply texts; short texts are told
    apart from detected ones."""
    seen: list[str] = []

    def detect(text: str) -> str:
        seen.append(text)
        return "en"

    records: list[Any] = [Post(id="p", platform="youtube")]
    records += [
        _reply(f"r{i}", "p", text=f"a long enough sentence number {i} here") for i in range(60)
    ]
    records.append(_reply("short", "p", text="too short"))
    overview = Overview(detect=detect, language_budget=10)
    overview.add_records(records)
    stats = overview.result()
    assert stats.detected_of + stats.too_short_for_language <= 10
    assert stats.language_level > 0
    assert set(stats.detected_languages) == {"en"}
    assert len(seen) < 61


# -- charts --------------------------------------------------------------------------------


def test_charts_are_svg_with_ids_of_their_own_and_png_for_the_card() -> None:
    """Every chart draws on a rich corpus; SVG ids never repeat across charts; the PNGs
    are PNG."""
    corpus = tearcorpus.read([str(p) for p in RICH])
    overview = Overview()
    overview.add_records(corpus)
    charts = draw_charts(overview.result(), svg=True, png=True)
    assert [c.name for c in charts] == [name for name, _ in CHARTS]
    drawn = {c.name for c in charts if c.svg is not None}
    assert drawn == {name for name, _ in CHARTS} - {"languages"}  # no detector given
    ids = [i for c in charts if c.svg for i in re.findall(r'\bid="([^"]+)"', c.svg)]
    assert len(ids) == len(set(ids))
    for chart in charts:
        if chart.svg is not None:
            assert chart.svg.startswith("<svg")
            assert "<?xml" not in chart.svg
            assert chart.png is not None
            assert chart.png.startswith(b"\x89PNG\r\n\x1a\n")


# -- the page ------------------------------------------------------------------------------


def test_report_of_the_bundled_sample(tmp_path: Path) -> None:
    """The sample's page: counts, the charts its data allow (it states no time and no
    likes), one thread of 19 replies, a policy that allows no network, and no reference
    to anything outside the page."""
    out = tmp_path / "report.html"
    page = write_report(SAMPLE, out)
    assert out.is_file()
    assert page.size == out.stat().st_size
    assert page.empty_charts == ("comments-over-time", "likes")
    assert set(page.charts) | set(page.empty_charts) == {name for name, _ in CHARTS}
    assert len(page.threads) == 1
    text = out.read_text(encoding="utf-8")
    assert "default-src 'none'" in html.unescape(text)
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?(?:https?:|//)""", text)
    assert "@import" not in text
    assert "url(http" not in text
    parsed = _parse(out)
    threads = _data(parsed, "threads-data")
    assert len(threads) == 1
    assert threads[0]["size"] == 19
    assert len(threads[0]["r"]) == 19
    stats = _data(parsed, "stats-data")
    assert (stats["posts"], stats["replies"]) == (1, 19)
    assert len(parsed.ids) == len(set(parsed.ids))
    assert page.size < 500_000
    assert not [n for n in os.listdir(tmp_path) if n != "report.html"]  # no temporary left


HOSTILE = [
    "</script><script>document.title='pwned'</script>",
    "<img src=x onerror=\"document.title='pwned'\">",
    "<!-- <script> -->",
    "]]></svg><svg onload=alert(1)>",
    "&lt;not an entity&gt; & \u2028 line separator",
]


def _hostile(tmp_path: Path) -> Path:
    records: list[Any] = [
        Post(
            id="p</script>",
            platform="youtube",
            title="</title><script>alert(1)</script>",
            text=HOSTILE[0],
            author=Author(id="x", name="<b>uploader</b>"),
        )
    ]
    parent = None
    for i, text in enumerate(HOSTILE):
        records.append(
            Reply(
                id=f"r{i}",
                post_id="p</script>",
                parent_id=parent,
                platform="youtube",
                text=text,
                author=Author(id=f"a{i}", name=f"<i>{text}</i>"),
                extra={"language": text},
            )
        )
        parent = f"r{i}"
    folder = tmp_path / "hostile"
    tearcorpus.write_jsonl(records, str(folder))
    return folder


def test_hostile_text_cannot_break_out_of_the_page(tmp_path: Path) -> None:
    """Markup in titles, texts and names stays text: three scripts exactly (two JSON blocks
    and the page's own, unchanged), no element from the input, and the JSON gives the
    texts back as they were."""
    out = tmp_path / "hostile.html"
    write_report(_hostile(tmp_path), out, title="<script>alert('title')</script>")
    parsed = _parse(out)
    assert len(parsed.scripts) == 3
    kinds = [attrs.get("type") for attrs, _ in parsed.scripts]
    assert kinds == ["application/json", "application/json", None]
    own = (Path(tearcorpus.__file__).parent / "overview" / "browser.js").read_text()
    assert parsed.scripts[2][1] == own
    assert parsed.tags["img"] == 0
    assert parsed.tags["b"] == 0
    assert parsed.tags["i"] == 0
    threads = _data(parsed, "threads-data")
    assert [row["x"] for row in threads[0]["r"]] == HOSTILE
    assert threads[0]["title"] == "</title><script>alert(1)</script>"
    assert threads[0]["a"] == "<b>uploader</b>"
    raw = out.read_text(encoding="utf-8")
    assert raw.count("</script>") == 3
    assert "<title>&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;</title>" in raw


def test_report_of_exports_states_how_they_were_built(tmp_path: Path) -> None:
    """Reading a JSONL export or a Hub folder, the page states the counts of the run that
    built it (rejected and dropped by reason) from its manifest or card."""
    source = [str(DATA / "ytdlp" / "ytdlp_Xq7Tz0bWc3M.info.json"), str(SAMPLE)]
    built: dict[str, Any] = {}
    for to in ("jsonl", "hub"):
        result = tearcorpus.convert(
            source,
            to=to,
            out=tmp_path / to,
            transforms=(tearcorpus.FilterStep(rules=(), min_chars=60),),
        )
        assert result.report is not None
        built[to] = result.report
        counts = read_counts([str(tmp_path / to)])
        assert len(counts) == 1
        info: dict[str, Any] = counts[0][1]
        assert info["rejected_by_reason"] == dict(result.report.rejected_by_reason)
        assert info["dropped_by_reason"] == dict(result.report.dropped_by_reason)
        assert info["dropped"] > 0
        assert info["rejected"] > 0
        out = tmp_path / f"{to}.html"
        page = write_report(tmp_path / to, out)
        assert page.stats.replies == result.replies
        text = out.read_text(encoding="utf-8")
        assert f"How {to} was built" in text
        for reason in info["dropped_by_reason"]:
            assert f">{reason}<" in text
        # No absolute local path of the inputs reaches the page.
        assert str(DATA) not in text
        assert str(tmp_path) not in text


def test_ids_seen_twice_are_counted_once(tmp_path: Path) -> None:
    """The same dump given twice: the figures describe one record per id, the merges counted."""
    once = write_report(SAMPLE, tmp_path / "once.html").stats
    twice = write_report([SAMPLE, SAMPLE], tmp_path / "twice.html")
    assert (twice.stats.posts, twice.stats.replies) == (once.posts, once.replies)
    assert twice.stats.reply_lengths == once.reply_lengths
    assert twice.report.merged == once.records
    assert twice.report.read == 2 * once.records


def test_a_corpus_from_memory(tmp_path: Path) -> None:
    """A Corpus is reported from memory, with its reading's counts; the browser keeps its
    bounds (threads and replies)."""
    corpus = tearcorpus.read([str(p) for p in RICH])
    page = write_report(
        corpus, tmp_path / "c.html", largest=2, sample=1, max_replies=5, detect_languages=False
    )
    assert len(page.threads) == 3
    parsed = _parse(tmp_path / "c.html")
    threads = _data(parsed, "threads-data")
    assert [t["why"] for t in threads] == ["largest", "largest", "sample"]
    assert all(len(t["r"]) <= 20 for t in threads)  # at least 20 a thread, never more
    assert threads[0]["size"] == 19
    assert threads[0]["shown"] == 19
    assert page.report is corpus.report
    assert "languages" in page.empty_charts


def test_bad_targets_and_streams_are_refused(tmp_path: Path) -> None:
    """An existing file (without overwrite), a folder as the target, and a stream input
    (read twice) are refused with one clear error each; nothing is written."""
    out = tmp_path / "r.html"
    out.write_text("mine")
    with pytest.raises(ExportError, match="exists; pass --overwrite"):
        write_report(SAMPLE, out)
    assert out.read_text() == "mine"
    write_report(SAMPLE, out, overwrite=True)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(ExportError, match="is a directory"):
        write_report(SAMPLE, tmp_path)
    with pytest.raises(InputError, match="is a stream"):
        write_report("-", tmp_path / "s.html")
    with pytest.raises(InputError, match="no such file"):
        write_report(tmp_path / "missing.json", tmp_path / "m.html")
    assert sorted(os.listdir(tmp_path)) == ["r.html"]


# -- the command ---------------------------------------------------------------------------


def test_command_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``tearcorpus report`` writes the page and says what it holds; --json for machines;
    bad usage exits 2, bad input 1 with one line."""
    out = tmp_path / "report.html"
    assert main(["report", str(SAMPLE), "-o", str(out), "--detect-language", "no"]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed
    assert "1 post, 19 replies" in printed
    assert "not drawn, for want of data: comments-over-time, likes" in printed
    code = main(
        ["report", *map(str, RICH), "-o", str(out), "--overwrite", "--json", "--threads", "3"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["output"] == str(out)
    assert data["bytes"] == out.stat().st_size
    assert len(data["threads"]) == min(3 + 10, data["stats"]["threads"])
    assert data["read"]["rejected"] == sum(s["rejected"] for s in data["read"]["sources"])
    with pytest.raises(SystemExit) as usage:
        main(["report", str(SAMPLE), "-o", str(out), "--max-replies", "0"])
    assert usage.value.code == 2
    capsys.readouterr()
    assert main(["report", str(tmp_path / "nope.json"), "-o", str(tmp_path / "n.html")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "nope.json" in err


def test_hub_folder_card_shows_the_charts(tmp_path: Path) -> None:
    """A Hub folder's card shows the charts as images in the folder, which load_dataset
    ignores and publish uploads; the folder reads back, images skipped with a note."""
    from tearcorpus.publish import check_hub_folder

    out = tmp_path / "hub"
    result = tearcorpus.convert([str(p) for p in RICH], to="hub", out=out)
    readme = (out / "README.md").read_text(encoding="utf-8")
    images = sorted(p.name for p in (out / "images").iterdir())
    assert images
    assert all(n.endswith(".png") for n in images)
    for name in images:
        assert f"](images/{name})" in readme
        assert str(out / "images" / name) in result.files
    _, files = check_hub_folder(str(out))
    assert {f"images/{n}" for n in images} <= set(files)
    datasets = pytest.importorskip("datasets")
    loaded = datasets.load_dataset(str(out), "replies")
    assert sum(len(split) for split in loaded.values()) == result.replies
    corpus = tearcorpus.read(sorted(str(p) for p in out.iterdir()))
    assert len(corpus.replies) == result.replies
    assert corpus.report.notes["image-skipped"] == len(images)
    assert corpus.report.rejected == 0


def test_without_matplotlib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without matplotlib the page is refused before any reading, naming the extra; a Hub
    folder is still written, its card saying the charts were not drawn."""
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(tearcorpus.MissingDependencyError, match=r"tearcorpus\[report\]"):
        write_report(SAMPLE, tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()
    out = tmp_path / "hub"
    tearcorpus.convert(SAMPLE, to="hub", out=out)
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "Not drawn: matplotlib is not installed" in readme
    assert "<!-- tearcorpus:read=" in readme
    assert not (out / "images").exists()
