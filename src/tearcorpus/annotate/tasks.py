"""Tasks for an annotation tool: replies sampled by thread, with their context.

:func:`export_tasks` reads a corpus (any input ``convert`` reads, or a
:class:`~tearcorpus.Corpus`), runs the transforms of ``convert`` on it (``--anonymize``
...), samples replies by thread and writes, into one folder:

- ``label-studio``: ``tasks.json`` (Label Studio's import format: a list of
  ``{"data": {...}}``) and ``label_config.xml`` (a ``Choices`` control named ``label``
  over the ``Text`` named ``text``, with the context shown above it);
- ``doccano``: ``tasks.jsonl`` (doccano's text-classification import: ``text`` and the
  other keys, which doccano keeps as the example's metadata and gives back on export);
- ``csv``: ``tasks.csv``, a sheet with one row per item and an empty ``label`` column,
  Excel-safe (a BOM; cells starting with ``= + - @`` are prefixed with ``'``). Each
  rater fills a copy of it;

and, whatever the tool, ``items.jsonl`` (each item's id, thread, parent and text hash:
what ``annotate import`` checks labels against) and ``annotation.json`` (the label set
and how the tasks were made). Ids are the corpus's record ids, unchanged by transforms.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain, islice, zip_longest
from typing import TYPE_CHECKING, Final
from xml.sax.saxutils import escape

import orjson
from attrs import define, field

from .._atomic import OutputDir
from .._io import DEFAULT_MAX_RECORD_BYTES
from .._version import __version__
from ..corpus import Corpus, Thread
from ..errors import TearcorpusError
from ..model import JsonValue, Reply
from ..report import Report
from ._common import (
    ITEMS_FILE,
    TASKS_FORMAT,
    TASKS_MANIFEST,
    Item,
    LabelScheme,
    dumps,
)

if TYPE_CHECKING:
    from ..job import Step
    from ..reader import InputPath

__all__ = [
    "CONTEXTS",
    "TOOLS",
    "TaskExport",
    "export_tasks",
    "select_items",
    "write_tasks",
]

#: The annotation tools tasks are written for.
TOOLS: Final = ("label-studio", "doccano", "csv")
#: The context a task can carry: the post's title, the text the reply answers.
CONTEXTS: Final = ("post", "parent")
#: The files each tool's tasks are written to (besides the items and the manifest).
TOOL_FILES: Final = {
    "label-studio": ("tasks.json", "label_config.xml"),
    "doccano": ("tasks.jsonl",),
    "csv": ("tasks.csv",),
}
#: The columns of the CSV sheet, in order; raters fill ``label`` (and ``rater``).
SHEET_COLUMNS: Final = ("id", "text_sha1", "post_title", "parent_text", "text", "label", "rater")
#: Cells starting with one of these are prefixed with ``'`` in the sheet (undone on import).
SHEET_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r", "'")


@define
class TaskExport:
    """What :func:`export_tasks` wrote."""

    tool: str
    outdir: str
    files: list[str]
    #: Items written, and the threads they come from.
    items: int
    threads: int
    #: Replies that could not be items: an empty text, deleted or removed.
    skipped: int
    #: Replies eligible, of which ``items`` were sampled.
    eligible: int
    report: Report = field(factory=Report, eq=False, repr=False)


def _check_tool(tool: str) -> None:
    if tool not in TOOLS:
        raise TearcorpusError(
            f"unknown annotation tool {tool!r}; choose one of: {', '.join(TOOLS)}"
        )


def _eligible(reply: Reply) -> bool:
    return bool(reply.text.strip()) and not reply.is_deleted and not reply.is_removed


def _rank(seed: int, key: str) -> bytes:
    """A seeded, order-free sort key: the same seed gives the same order."""
    return hashlib.blake2b(f"{seed}\x00{key}".encode(), digest_size=8).digest()


def _anonymized(reply: Reply) -> bool:
    prov = reply.provenance
    return prov is not None and any(t.startswith("anonymize") for t in prov.transforms)


def _item(thread: Thread, reply: Reply, context: Sequence[str]) -> Item:
    post = thread.post
    title = None
    parent_text = None
    if "post" in context:
        title = (post.title if post is not None else None) or ""
    if "parent" in context:
        parent = thread.parent(reply)
        if parent is not None:
            parent_text = parent.text
        elif reply.parent_id in (None, thread.post_id) and post is not None:
            parent_text = post.text
        else:
            parent_text = ""  # the parent is not in the corpus
    author = None
    if reply.author is not None and reply.author.id and _anonymized(reply):
        author = reply.author.id
    return Item(
        reply.id,
        reply.post_id,
        reply.parent_id,
        reply.text,
        post_title=title,
        parent_text=parent_text,
        author=author,
    )


def select_items(
    corpus: Corpus,
    *,
    sample: int | None = None,
    seed: int = 0,
    stratify: str | None = None,
    context: Sequence[str] = CONTEXTS,
) -> tuple[list[Item], int]:
    """The items of *corpus* to label, and how many replies could not be items (an empty
    text, deleted or removed).

    Without *sample*, every eligible reply. With it, *sample* replies, by thread: threads
    are taken in a seeded order, whole while they fit, and the first one that does not
    is cut (its replies in reply-tree order), so the items of a thread stay together.
    With ``stratify="post"`` the sample is spread evenly over the threads instead (each
    gives its replies in a seeded order, a thread at a time, round by round). Items come
    thread by thread, each thread's in reply-tree order.
    """
    for name in context:
        if name not in CONTEXTS:
            raise TearcorpusError(f"--context: unknown {name!r}; choose from {', '.join(CONTEXTS)}")
    if stratify not in (None, "post"):
        raise TearcorpusError(f"--stratify: unknown {stratify!r}; choose post")
    if sample is not None and sample < 1:
        raise TearcorpusError(f"--sample must be 1 or more, got {sample}")
    threads: list[tuple[Thread, list[Reply]]] = []
    skipped = 0
    for thread in corpus.threads():
        replies = []
        for reply, _depth in thread.walk():
            if _eligible(reply):
                replies.append(reply)
            else:
                skipped += 1
        if replies:
            threads.append((thread, replies))
    if sample is not None:
        threads.sort(key=lambda pair: _rank(seed, pair[0].post_id))
        if stratify:  # a reply of each thread in turn, each thread's in a seeded order
            queues = [sorted(replies, key=lambda r: _rank(seed, r.id)) for _t, replies in threads]
            ordered = (r for turn in zip_longest(*queues) for r in turn if r is not None)
        else:  # thread after thread, the last one cut
            ordered = (r for _t, replies in threads for r in replies)
        chosen = {r.id for r in islice(ordered, sample)}
        threads = [(t, [r for r in replies if r.id in chosen]) for t, replies in threads]
    items = [_item(thread, reply, context) for thread, replies in threads for reply in replies]
    return items, skipped


# -- writing


def _task_data(item: Item, context: Sequence[str]) -> dict[str, str]:
    data = {"id": item.id, "text": item.text}
    if "post" in context:
        data["post_title"] = item.post_title or ""
    if "parent" in context:
        data["parent_text"] = item.parent_text or ""
    if item.author is not None:
        data["author"] = item.author
    data["text_sha1"] = item.text_sha1
    return data


def _attr(value: str) -> str:
    """*value* as a double-quoted XML attribute."""
    return '"' + escape(value, {'"': "&quot;"}) + '"'


def label_config(scheme: LabelScheme, context: Sequence[str]) -> str:
    """Label Studio's labeling config for *scheme*: the context above the text, and a
    ``Choices`` control named ``label`` over the ``Text`` named ``text``."""
    lines = ["<View>"]
    if "post" in context:
        lines.append('  <Header value="$post_title"/>')
    if "parent" in context:
        lines += [
            '  <Header value="In reply to:" size="6"/>',
            '  <Text name="parent" value="$parent_text"/>',
        ]
    lines += ['  <Header value="Comment:" size="6"/>', '  <Text name="text" value="$text"/>']
    choice = "multiple" if scheme.multi else "single-radio"
    required = "" if scheme.multi else ' required="true"'
    lines.append(
        f'  <Choices name="label" toName="text" choice="{choice}"{required} showInline="true">'
    )
    lines += [f"    <Choice value={_attr(label)}/>" for label in scheme.labels]
    lines += ["  </Choices>", "</View>", ""]
    return "\n".join(lines)


def _defuse(cell: str) -> str:
    return "'" + cell if cell.startswith(SHEET_TRIGGERS) else cell


def _sheet(items: Sequence[Item]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(SHEET_COLUMNS)
    for item in items:
        cells = [
            item.id,
            item.text_sha1,
            item.post_title or "",
            item.parent_text or "",
            item.text,
            "",
            "",
        ]
        writer.writerow([_defuse(cell) for cell in cells])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_tasks(
    items: Sequence[Item],
    outdir: str | os.PathLike[str],
    *,
    tool: str,
    scheme: LabelScheme,
    context: Sequence[str] = CONTEXTS,
    overwrite: bool = False,
    settings: Mapping[str, JsonValue] | None = None,
) -> list[str]:
    """Write *items* as *tool*'s tasks into *outdir* (see the module docs), atomically;
    returns the files written. *settings* are recorded in the manifest."""
    _check_tool(tool)
    if not items:
        raise TearcorpusError("no reply to label: the inputs hold no reply with text")
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        raise TearcorpusError("two items have the same id: give each reply once")
    if tool == "label-studio":
        tasks = [{"data": _task_data(item, context)} for item in items]
        files = {
            "tasks.json": orjson.dumps(tasks, option=orjson.OPT_INDENT_2),
            "label_config.xml": label_config(scheme, context).encode(),
        }
    elif tool == "doccano":
        files = {"tasks.jsonl": _json_lines(_task_data(item, context) for item in items)}
    else:
        files = {"tasks.csv": _sheet(items)}
    files[ITEMS_FILE] = _json_lines(item.key() for item in items)
    manifest = {
        "format": TASKS_FORMAT,
        "tearcorpus_version": __version__,
        "tool": tool,
        **scheme.to_dict(),
        "context": list(context),
        "items": len(items),
        "threads": len({item.post_id for item in items}),
        **(settings or {}),
        "files": [*files, TASKS_MANIFEST],
    }
    files[TASKS_MANIFEST] = dumps(manifest)
    outdir = os.fspath(outdir)
    with OutputDir(outdir, overwrite=overwrite) as out:
        for name, content in files.items():
            out.open(name).write(content)
        # The files of another tool's earlier tasks must not stay beside these.
        for name in chain.from_iterable(TOOL_FILES.values()):
            if name not in files:
                out.discard(name)
    return [os.path.join(outdir, name) for name in files]


def _json_lines(rows: Iterable[object]) -> bytes:
    return b"".join(orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE) for row in rows)


def export_tasks(
    inputs: InputPath | Iterable[InputPath] | Corpus,
    out: str | os.PathLike[str],
    *,
    tool: str,
    labels: Iterable[str],
    multi: bool = False,
    ordered: bool = False,
    sample: int | None = None,
    seed: int = 0,
    stratify: str | None = None,
    context: Sequence[str] = CONTEXTS,
    transforms: Iterable[Step] = (),
    overwrite: bool = False,
    format: str | None = None,
    strict: bool = False,
    encoding: str | None = None,
    options: Mapping[str, str] | None = None,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    root: str | None = None,
) -> TaskExport:
    """Sample replies of *inputs* and write them as *tool*'s tasks into *out*.

    *inputs* are dump files (or fsspec URLs, or a converted corpus: anything
    :func:`tearcorpus.read` takes, with its keywords: *format*, *strict*, *encoding*,
    *options*, *max_record_bytes*, *root*) or a :class:`~tearcorpus.Corpus`. *transforms* are
    the steps of :class:`~tearcorpus.ConvertJob` (``AnonymizeStep()`` ...), run before
    sampling, as ``convert`` runs them: tasks made with the transforms of the corpus
    you publish carry its texts, so their labels attach to it. *labels* are the label
    set (in order; an ordered scale with *ordered*); *multi* lets raters choose several.
    See :func:`select_items` for *sample*, *seed*, *stratify* and *context*.
    """
    from .. import transforms as tf
    from ..job import ConvertJob
    from ..reader import read

    scheme = LabelScheme(tuple(labels), multi=multi, ordered=ordered)
    _check_tool(tool)
    paths = ["<corpus>"] if isinstance(inputs, Corpus) else inputs
    job = ConvertJob(paths, to="jsonl", out=os.fspath(out), transforms=tuple(transforms))
    key = job.load_key()  # a missing key fails before any reading
    corpus = (
        inputs
        if isinstance(inputs, Corpus)
        else read(
            inputs,
            format=format,
            strict=strict,
            encoding=encoding,
            options=options,
            max_record_bytes=max_record_bytes,
            root=root,
        )
    )
    report = corpus.report
    if job.transforms:
        names = tf.collect_names(corpus) if job.two_pass_names() else None
        steps = job.build_transforms(key, names)
        corpus = Corpus(tf.apply_transforms(corpus, steps, report), report=report)
    items, skipped = select_items(
        corpus, sample=sample, seed=seed, stratify=stratify, context=context
    )
    eligible = len(corpus.replies) - skipped
    settings: dict[str, JsonValue] = {
        "sample": sample,
        "seed": seed,
        "stratify": stratify,
        "eligible": eligible,
        "transforms": [step.name for step in job.transforms],
    }
    files = write_tasks(
        items,
        out,
        tool=tool,
        scheme=scheme,
        context=context,
        overwrite=overwrite,
        settings=settings,
    )
    return TaskExport(
        tool=tool,
        outdir=os.fspath(out),
        files=files,
        items=len(items),
        threads=len({item.post_id for item in items}),
        skipped=skipped,
        eligible=eligible,
        report=report,
    )
