"""Reading inputs into records: format detection, streaming, counting."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Final, TypeAlias

import orjson
from attrs import evolve, field, frozen

from ._byid import KEYS_IN_MEMORY, POST_SALT
from ._io import (
    DEFAULT_MAX_RECORD_BYTES,
    is_remote,
    provenance_name,
    provenance_root,
    release_stream,
)
from ._read import bom_encoding, read_head, transcode_head
from .corpus import Corpus
from .errors import RecordTooLargeError
from .model import Post, Record, Reply
from .parsers import ParseContext, detect_format, get_parser
from .report import Report

if TYPE_CHECKING:
    from ._byid import KeyCheck
    from ._spans import Span

__all__ = ["InputPath", "iter_records", "read"]

#: An input as a user gives it: a local path, a ``pathlib.Path`` or an fsspec URL.
InputPath: TypeAlias = str | os.PathLike[str]


def _as_list(inputs: InputPath | Iterable[InputPath]) -> list[str]:
    """The input paths, an output folder of ours standing for its files."""
    if isinstance(inputs, str | os.PathLike):
        return _expand(os.fspath(inputs))
    return [path for p in inputs for path in _expand(os.fspath(p))]


def _options(value: Mapping[str, str] | None) -> dict[str, str]:
    return dict(value or {})


#: Splits of a Hub folder, in the order their shards are read.
_SPLITS: Final = ("train", "validation", "test")


def _expand(path: str) -> list[str]:
    """*path*, or the files of the output folder it names: a JSONL, CSV or Parquet
    export (its ``manifest.json``, read as a note, and the tables it lists), a Hub folder
    (the shards of its ``posts`` and ``replies`` configs; ``replies_in_context`` is
    derived from them), one config folder of it, or its card's ``images`` folder (the
    images, skipped with a note). Every other folder stays as it is, and
    the reader says it is a directory."""
    if path == "-" or is_remote(path) or not os.path.isdir(path):
        return [path]
    manifest = os.path.join(path, "manifest.json")
    if os.path.isfile(manifest):
        try:
            with open(manifest, "rb") as handle:
                info = orjson.loads(handle.read(1 << 20))
        except (OSError, orjson.JSONDecodeError):
            return [path]
        if not isinstance(info, dict):
            return [path]  # not our manifest: the reader says what the folder is
        files = info.get("files")
        if str(info.get("format", "")).startswith("tearcorpus-") and isinstance(files, dict):
            tables = [files.get(table) for table in ("posts", "replies")]
            return [manifest, *(os.path.join(path, t) for t in tables if isinstance(t, str))]
        return [path]
    if os.path.basename(os.path.normpath(path)) == "images" and os.path.isfile(
        os.path.join(path, os.pardir, "README.md")
    ):
        # A Hub folder's card images (``hub/*`` names the folder): recognised and skipped.
        return [os.path.join(path, n) for n in sorted(os.listdir(path))] or [path]
    configs = [os.path.join(path, c) for c in ("posts", "replies")]
    shards = [shard for config in configs if os.path.isdir(config) for shard in _shards(config)]
    if shards:
        return shards
    return _shards(path) or [path]


def _shards(folder: str) -> list[str]:
    """The Parquet shards of one Hub config folder, split by split."""
    names = [n for n in os.listdir(folder) if n.endswith(".parquet")]

    def order(name: str) -> tuple[int, str]:
        split = name.split("-", 1)[0]
        return (_SPLITS.index(split) if split in _SPLITS else len(_SPLITS), name)

    return [os.path.join(folder, n) for n in sorted(names, key=order)]


@frozen
class ReadSettings:
    """How inputs are read: the keywords of :func:`iter_records` but ``report``, as one
    value that the convert job, its workers and their shards carry."""

    format: str | None = None
    strict: bool = False
    encoding: str | None = None
    options: Mapping[str, str] = field(default=None, converter=_options, hash=False)
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
    root: str | None = None

    def context(
        self, path: str, format: str, encoding: str | None, span: tuple[Span, int] | None = None
    ) -> ParseContext:
        """The parse context of *path* (or of its byte range *span*) read as *format*."""
        return ParseContext(
            source=path,
            format=format,
            strict=self.strict,
            encoding=encoding,
            options=self.options,
            span=span,
            max_record_bytes=self.max_record_bytes,
            label=provenance_name(path, self.root),
        )


def iter_records(
    inputs: InputPath | Iterable[InputPath],
    *,
    format: str | None = None,
    strict: bool = False,
    encoding: str | None = None,
    options: Mapping[str, str] | None = None,
    report: Report | None = None,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    root: str | None = None,
) -> Iterator[Record]:
    """Stream the records of every input, in order, one input after another.

    The format of each input is detected from its content unless *format* names it.
    Bad records are skipped and counted in *report* (pass one to read the counts), or
    raise :class:`~tearcorpus.errors.ParseError` with ``strict=True``. Inputs that cannot
    be read at all raise :class:`~tearcorpus.errors.InputError`.

    ``-`` reads standard input; FIFOs and pipes (``<(...)``) are read once, completely.
    Provenance names a local input relative to *root* (default: the folder the local
    inputs have in common), so no absolute local path reaches what is written from the
    records; URLs and streams keep their name. Errors name the input as given.
    A record (a line of a line format, a whole JSON document) larger than
    *max_record_bytes* (default 64 MiB) is rejected as ``record-too-large`` without
    being held in memory; a line format reads on at the next line, a document ends.
    """
    settings = ReadSettings(format, strict, encoding, options, max_record_bytes, root)
    return _records(inputs, settings, report)


def _records(
    inputs: InputPath | Iterable[InputPath],
    settings: ReadSettings,
    report: Report | None = None,
    keys: KeyCheck | None = None,
) -> Iterator[Record]:
    """:func:`iter_records`; with *keys*, every record's id is noted in it on the way
    (:mod:`tearcorpus.pipeline`), in the loop that counts the records."""
    if report is None:
        report = Report()
    if settings.max_record_bytes < 1:
        raise ValueError(f"max_record_bytes must be at least 1, not {settings.max_record_bytes}")
    for records in _inputs(inputs, settings, report, keys):
        # ``yield from`` hands each record on without a loop of ours per record.
        yield from records
    if keys is not None:
        keys.finish()


def _inputs(
    inputs: InputPath | Iterable[InputPath],
    settings: ReadSettings,
    report: Report,
    keys: KeyCheck | None,
) -> Iterator[Iterator[Record]]:
    """The record stream of each input in turn, each opened when the one before ends."""
    forced = get_parser(settings.format) if settings.format is not None else None
    paths = _as_list(inputs)
    if settings.root is None:
        settings = evolve(settings, root=provenance_root(paths))
    for path in paths:
        release_stream(path)  # a stream left half-read by an earlier run starts afresh
        try:
            head = read_head(path)  # also checks the path: missing, directory, empty
            enc = settings.encoding or bom_encoding(head)
            if enc is not None:
                head = transcode_head(head, enc)
            name = forced.name if forced is not None else detect_format(head, path)
        except BaseException:
            release_stream(path)
            raise
        parser = forced if forced is not None else get_parser(name)
        ctx = settings.context(path, name, enc)
        report.sources.append(ctx.report)
        yield _counted(parser.parse(ctx), ctx, keys)


def _counted(
    records: Iterator[Record], ctx: ParseContext, keys: KeyCheck | None = None
) -> Iterator[Record]:
    """*records*, counted in ``ctx.report`` (and their ids noted in *keys*); a whole
    document past the record size limit ends the input as one ``record-too-large``
    rejection."""
    counts = ctx.report
    try:
        if keys is None:
            for record in records:
                if type(record) is Reply:  # the common case first, without isinstance
                    counts.replies += 1
                elif isinstance(record, Post):
                    counts.posts += 1
                else:
                    counts.replies += 1
                yield record
            return
        note = keys.keys.append
        salt = POST_SALT
        room = KEYS_IN_MEMORY - len(keys.keys)
        for record in records:
            if type(record) is Reply:
                counts.replies += 1
                note(hash(record.id))
            elif isinstance(record, Post):
                counts.posts += 1
                note(hash(record.id) ^ salt)
            else:
                counts.replies += 1
                note(hash(record.id))
            yield record
            room -= 1
            if not room:
                keys.spill()
                note = keys.keys.append
                room = KEYS_IN_MEMORY
    except RecordTooLargeError as exc:
        ctx.reject("record-too-large", exc.reason, line=exc.line)
    finally:
        release_stream(ctx.source)


def read(
    inputs: InputPath | Iterable[InputPath],
    *,
    format: str | None = None,
    strict: bool = False,
    encoding: str | None = None,
    options: Mapping[str, str] | None = None,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    root: str | None = None,
) -> Corpus:
    """Read every input into one in-memory :class:`~tearcorpus.Corpus`.

    ``corpus.report`` holds the counts: read, kept, rejected by reason, per input.
    For inputs too large for memory, stream with :func:`iter_records` instead. The
    keywords are those of :func:`iter_records`.
    """
    report = Report()
    settings = ReadSettings(format, strict, encoding, options, max_record_bytes, root)
    return Corpus(_records(inputs, settings, report), report=report)
