"""Chat-format conversations: ``messages.jsonl`` and ``manifest.json``.

One JSON object a line per reply, with the columns of
:data:`tearcorpus.schema.MESSAGES` (``id``, ``post_id``, ``parent_id``, ``platform``,
``messages``, ``author_id``, ``author_is_uploader``, ``created_at``, ``like_count``,
``depth``, ``complete``), in the order of the replies in the input. Which turns a row
holds and who speaks are the options ``conversation`` (``path`` or ``pair``) and
``assistant`` (``uploader`` or ``none``): see :mod:`tearcorpus.conversations`.
``datasets.load_dataset("json", data_files="messages.jsonl")`` loads it, and each row's
``messages`` goes through a chat template as it is.

The records are gathered by thread and built a thread at a time, spilled to a scratch
folder beside the output past a limit (:mod:`tearcorpus._groups`): memory is bounded by
the largest thread, not the corpus. Every reply has its row; the incomplete
conversations are counted, by reason, in the manifest's ``notes``.

:func:`hub_split` builds the Hub folder's ``messages`` config (``--to hub --messages``)
from one split's records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Literal

import orjson

from .._atomic import OutputDir
from .._byid import beside
from .._groups import Groups
from ..conversations import (
    Assistant,
    Conversation,
    MessageBuilder,
    as_assistant,
    as_conversation,
    json_row,
    thread_id,
)
from ..errors import ExportError
from ..model import Post, Record
from ..report import Report
from ._base import ExportOptions, ExportResult, export_records, manifest

if TYPE_CHECKING:
    import pyarrow as pa

    from .hub.configs import Config
    from .hub.tables import SplitTables

__all__ = [
    "FILE",
    "MessagesExport",
    "check_options",
    "description",
    "export",
    "hub_config",
    "hub_rows",
    "name",
    "open",
    "write_messages",
]

name = "messages"
description = "chat-format conversations: messages.jsonl, one row per reply (role, content)"

#: The file of the rows.
FILE = "messages.jsonl"


def check_options(options: ExportOptions) -> MessageBuilder:
    """The builder of *options*' conversations; an :class:`ExportError` for a bad value."""
    try:
        return MessageBuilder(
            as_conversation(options.conversation), as_assistant(options.assistant)
        )
    except ValueError as exc:
        raise ExportError(str(exc)) from None


def open(outdir: str, options: ExportOptions) -> MessagesExport:
    """Start a messages export into *outdir*."""
    return MessagesExport(outdir, options)


def export(records: Iterable[Record], outdir: str, options: ExportOptions) -> ExportResult:
    from . import messages  # this module, the Exporter

    return export_records(messages, records, outdir, options)


class MessagesExport:
    """A messages export under way (an :class:`~tearcorpus.exporters.ExportWriter`)."""

    def __init__(self, outdir: str, options: ExportOptions) -> None:
        self.builder = check_options(options)
        self.outdir = outdir
        self.options = options
        self.posts = 0
        self.out = OutputDir(outdir, overwrite=options.overwrite)
        self.groups = Groups(beside(outdir))

    def write(self, records: Iterable[Record]) -> None:
        add = self.groups.add
        posts = 0
        for record in records:
            if isinstance(record, Post):
                posts += 1
            add(thread_id(record), record)
        self.posts += posts

    def close(self) -> ExportResult:
        try:
            rows = 0
            handle = self.out.open(FILE)
            dumps, write = orjson.dumps, handle.write
            for _channel, row in self.groups.build(self.builder):
                write(dumps(json_row(row), option=orjson.OPT_APPEND_NEWLINE))
                rows += 1
            self.groups.close()
            files = {"messages": FILE}
            if not rows:
                # An empty JSON Lines file is no valid input: none is written.
                self.out.discard(FILE)
                files = {}
            notes = dict(sorted(self.builder.notes.items()))
            self.out.open("manifest.json").write(
                manifest(
                    name,
                    self.posts,
                    rows,
                    files,
                    self.options,
                    conversation=self.builder.conversation,
                    assistant=self.builder.assistant,
                    conversations=rows,
                    notes=notes,
                )
            )
            written = self.out.commit()
        except BaseException:
            self.abort()
            raise
        return ExportResult(name, self.outdir, written, self.posts, rows, notes=notes)

    def abort(self) -> None:
        self.groups.close()
        self.out.abort()


def hub_config(options: ExportOptions, notes: Counter[str]) -> Config:
    """The Hub folder's ``messages`` config for *options* (its turns and roles), its
    incomplete conversations counted in *notes*."""
    from .hub.configs import Config

    def rows(tables: SplitTables, split: str) -> Iterator[pa.RecordBatch]:
        posts = tables.files["posts"][split].path
        replies = tables.files["replies"][split].path
        return hub_rows(posts, replies, tables.folder, options, notes)

    return Config(
        name,
        "one row per reply with the conversation that leads to it in the chat format "
        "(`messages`: role, content, name), ready for a chat template",
        rows=rows,
        tables=("posts", "replies"),
        one_row_per="replies",
    )


def hub_rows(
    posts: str, replies: str, spill: str, options: ExportOptions, notes: Counter[str]
) -> Iterator[pa.RecordBatch]:
    """The ``messages`` rows of one split of a Hub folder, from the split's ``posts`` and
    ``replies`` Arrow files (in the ``datasets`` Features' form), as record batches in
    the Features of the ``messages`` config; incomplete conversations are counted in
    *notes*."""
    import pyarrow as pa

    from .._batches import read_batches
    from ..schema import PLATFORM_NAMES, features_schema, records_from_table

    builder = check_options(options)
    schema = features_schema(name)
    platforms = {platform: index for index, platform in enumerate(PLATFORM_NAMES)}
    with Groups(spill) as groups:
        sources: tuple[tuple[str, Literal["posts", "replies"]], ...] = (
            (posts, "posts"),
            (replies, "replies"),
        )
        for path, table in sources:
            for batch in read_batches(path):
                for record in records_from_table(batch, table):
                    groups.add(thread_id(record), record)
        rows: list[dict[str, object]] = []
        for _channel, row in groups.build(builder):
            rows.append({**row, "platform": platforms[row["platform"]]})
            if len(rows) >= _HUB_BATCH:
                yield from pa.Table.from_pylist(rows, schema=schema).to_batches()
                rows = []
        if rows:
            yield from pa.Table.from_pylist(rows, schema=schema).to_batches()
    notes.update(builder.notes)


#: Rows of the ``messages`` config converted to Arrow at a time.
_HUB_BATCH = 10_000


def write_messages(
    records: Iterable[Record],
    outdir: str,
    *,
    conversation: Conversation = "path",
    assistant: Assistant = "uploader",
    overwrite: bool = False,
    report: Report | None = None,
) -> ExportResult:
    """Write *records* (a :class:`~tearcorpus.Corpus` or any iterable) as chat-format
    conversations in *outdir* (see the module docs), atomically. *report* (by default a
    corpus's own) goes into the manifest."""
    options = ExportOptions(
        overwrite=overwrite, report=report, conversation=conversation, assistant=assistant
    )
    return export(records, outdir, options)
