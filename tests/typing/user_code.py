"""Realistic user code, type-checked by mypy --strict (not run by pytest)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import ClassVar

import tearcorpus
from tearcorpus import ExportOptions, ExportResult, Post, Record, Reply
from tearcorpus.exporters import export_records
from tearcorpus.parsers import ParseContext
from tearcorpus.transforms import Drop
from tearcorpus.typing import Exporter, Parser, Transform


def replies_per_depth(path: str) -> Counter[int]:
    corpus = tearcorpus.read(path)
    depths: Counter[int] = Counter()
    for thread in corpus.threads():
        post: Post | None = thread.post
        if post is not None and post.title:
            _ = post.title.upper()
        for reply, depth in thread.walk():
            assert isinstance(reply, Reply)
            depths[depth] += 1
    return depths


def stream_to_jsonl(paths: list[str], outdir: str) -> int:
    report = tearcorpus.Report()
    records = tearcorpus.iter_records(paths, strict=False, report=report)
    result = tearcorpus.write_jsonl(records, outdir, overwrite=True, report=report)
    assert report.read == result.written + report.rejected
    return result.written


def errors_as_lines(path: str) -> list[str]:
    try:
        corpus = tearcorpus.read(path)
    except tearcorpus.TearcorpusError as exc:
        return [str(exc)]
    return [f"{e.source}:{e.line}: {e.reason}" for e in corpus.report.errors]


def times_known_to_the_week(path: str) -> list[str]:
    """Ids of replies whose time is known to the week or better."""
    fine = {tearcorpus.TimePrecision.EXACT, tearcorpus.TimePrecision.DAY}
    fine.add(tearcorpus.TimePrecision.WEEK)
    return [
        reply.id
        for reply in tearcorpus.read(path).replies
        if reply.created_at is not None and reply.created_at_precision in fine
    ]


def label_round(dumps: list[str], export: str) -> float | None:
    """Tasks out, labels back, alpha: the annotation API as a user calls it."""
    from tearcorpus import annotate

    annotate.export_tasks(dumps, "tasks", tool="label-studio", labels=("joy", "grief"))
    imported: annotate.LabelImport = annotate.import_labels(export, tasks="tasks", out="labels")
    assert imported.taken + imported.cancelled + imported.empty + imported.superseded >= 0
    figures: annotate.Agreement = annotate.agreement("labels", samples=100)
    return figures.krippendorff_alpha


def report_page(paths: list[str], out: str) -> tuple[int, list[str]]:
    page: tearcorpus.ReportPage = tearcorpus.write_report(paths, out, largest=5, sample=2)
    corpus_page = tearcorpus.write_report(tearcorpus.read(paths), out, overwrite=True)
    assert corpus_page.stats.replies == page.stats.replies
    return page.size, list(page.threads)


def chat_rows_of_the_uploader(path: str, outdir: str) -> list[str]:
    """The uploader's answers as chat conversations, written and iterated."""
    result = tearcorpus.write_messages(tearcorpus.read(path), outdir, conversation="pair")
    assert result.replies >= 0
    assert isinstance(result.notes, dict)
    ids: list[str] = []
    for row in tearcorpus.iter_messages(tearcorpus.read(path), assistant="uploader"):
        if row["author_is_uploader"]:
            ids.append(str(row["id"]))
    tearcorpus.write_convokit(tearcorpus.read(path), outdir + "-convokit")
    return ids


class Shouting:
    """A transform of one's own: replies written in capitals leave the corpus."""

    name: ClassVar[str] = "shouting"
    drops: ClassVar[bool] = True

    def apply(self, record: tearcorpus.Record, report: tearcorpus.Report) -> Record | Drop:
        return Drop("shouting") if record.text.isupper() else record


class OneReplyALine:
    """A parser of one's own: each line of a text file is a reply to one post."""

    name = "lines"
    description = "one reply per line"
    BINARY = False
    SPANS = False

    def sniff(self, head: bytes, path: str) -> int:
        return 0  # never guessed: named with format="lines"

    def parse(self, ctx: ParseContext) -> Iterator[Record]:
        with open(ctx.source, encoding=ctx.encoding or "utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    ctx.reject("empty-line", "an empty line", line=number)
                    continue
                yield Reply(
                    id=f"{ctx.source}:{number}",
                    post_id=ctx.source,
                    text=line.rstrip("\n"),
                    provenance=ctx.provenance(line=number),
                )


class CountWriter:
    """An export under way that only counts what it is given."""

    def __init__(self, outdir: str) -> None:
        self.outdir = outdir
        self.posts = self.replies = 0

    def write(self, records: Iterable[Record]) -> None:
        for record in records:
            if isinstance(record, Post):
                self.posts += 1
            else:
                self.replies += 1

    def close(self) -> ExportResult:
        return ExportResult("count", self.outdir, [], self.posts, self.replies)

    def abort(self) -> None:
        pass


class Count:
    """An exporter of one's own, going through the same open-write-close loop."""

    name = "count"
    description = "counts posts and replies, writes nothing"

    def open(self, outdir: str, options: ExportOptions) -> CountWriter:
        return CountWriter(outdir)

    def export(
        self, records: Iterable[Record], outdir: str, options: ExportOptions
    ) -> ExportResult:
        return export_records(self, records, outdir, options)


def own_stages(path: str) -> tuple[int, int]:
    """A parser, a transform and an exporter of one's own, typed by their protocols."""
    parser: Parser = OneReplyALine()
    step: Transform = Shouting()
    exporter: Exporter = Count()
    report = tearcorpus.Report()
    ctx = ParseContext(source=path, format=parser.name)
    report.sources.append(ctx.report)
    kept = tearcorpus.apply_transforms(parser.parse(ctx), [step], report)
    result = exporter.export(kept, "unused", ExportOptions(report=report))
    return result.replies, report.dropped
