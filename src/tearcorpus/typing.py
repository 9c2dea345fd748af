"""The contracts between tearcorpus' stages, in one place: what a parser, a transform
and an exporter provide, and what the pipeline gives them back.

Everything here is a :class:`~typing.Protocol` (or a type alias): nothing needs to
inherit from it. A module or class that has the members declared here is one, and mypy
checks it where it is used, as the registries do (:data:`tearcorpus.PARSERS` is a
``dict[str, Parser]``, :data:`tearcorpus.EXPORTERS` a ``dict[str, Exporter]``,
:data:`tearcorpus.TRANSFORMS` a ``dict[str, type[Transform]]``). The protocols are also
runtime-checkable, which tests only the presence of the members.

- a **parser** is a module (:class:`Parser`): ``name``, ``description``, ``BINARY``,
  ``SPANS``, ``sniff(head, path)``, ``parse(ctx)``, reading one input through its
  :class:`~tearcorpus.parsers.ParseContext`;
- a **transform** is an object (:class:`Transform`): ``name``, ``drops`` and
  ``apply(record, report)``, giving the record (changed or not) or a
  :class:`~tearcorpus.transforms.Drop`;
- an **exporter** is a module (:class:`Exporter`): ``name``, ``description``,
  ``open(outdir, options)``, giving an :class:`ExportWriter` (``write``, ``close``,
  ``abort``), and ``export(records, outdir, options)``. The writers of the Arrow formats
  also take Arrow record batches converted elsewhere (:class:`BatchExporter`,
  :class:`BatchWriter`), those of the line formats part files of lines encoded elsewhere
  with the exporter's own :data:`Encoder` functions (:class:`LineExporter`,
  :class:`PartWriter`): that is how ``--workers`` encodes the output in the workers.

See "Writing your own parser, transform or exporter" in the API by level
(``docs/api.md``) for an example of each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import IO, TYPE_CHECKING, ClassVar, Protocol, TypeAlias, runtime_checkable

from .model import Record

if TYPE_CHECKING:
    import pyarrow as pa

    from ._atomic import OutputDir
    from .exporters import ExportOptions, ExportResult
    from .parsers import ParseContext
    from .report import Report
    from .transforms import Drop

__all__ = [
    "BatchExporter",
    "BatchWriter",
    "Encoder",
    "ExportWriter",
    "Exporter",
    "LineExporter",
    "Parser",
    "PartWriter",
    "Progress",
    "ProgressFactory",
    "Transform",
]


# Parsers.


@runtime_checkable
class Parser(Protocol):
    """What every module in :mod:`tearcorpus.parsers` provides."""

    #: The name used with ``--from`` and in reports.
    name: str
    #: One line for ``--help`` and the docs.
    description: str
    #: Whether the format is binary (Parquet, a folder's manifest): detection asks these
    #: parsers first, before it refuses input that looks binary.
    BINARY: bool
    #: Whether :meth:`parse` reads a byte range of a plain file when ``ctx.span`` is set,
    #: so that ``--workers`` may cut one large input into several shards.
    SPANS: bool

    def sniff(self, head: bytes, path: str) -> int:
        """How sure this parser is that it reads *head* (the first decompressed bytes).

        0 means no; 100 is certain. Decide from content; the path is a tie-breaker only.
        """
        ...

    def parse(self, ctx: ParseContext) -> Iterator[Record]:
        """Yield the records of ``ctx.source``, reporting bad ones through *ctx*."""
        ...


# Transforms.


@runtime_checkable
class Transform(Protocol):
    """One step of the pipeline: a record in, a record (or a
    :class:`~tearcorpus.transforms.Drop`) out.

    Transforms see one record at a time and may keep state between records (dedup keeps
    hashes, anonymise keeps known names); they never hold the records themselves.
    """

    #: The step's name in the registry and on the command line.
    name: ClassVar[str]
    #: False for steps that only rewrite records and never drop one (scrub, anonymise).
    drops: ClassVar[bool]

    def apply(self, record: Record, report: Report) -> Record | Drop:
        """Return the record (changed or not), or a :class:`~tearcorpus.transforms.Drop`;
        count in *report*."""
        ...


# Exporters.


@runtime_checkable
class Progress(Protocol):
    """A progress display (a ``tqdm`` bar is one): advanced by counts, then closed."""

    def update(self, n: int = 1) -> object:
        """Advance by *n*."""
        ...

    def close(self) -> None:
        """End the display."""
        ...


#: ``factory(description, total, unit)``: a new :class:`Progress` for a long step.
ProgressFactory: TypeAlias = Callable[[str, int, str], Progress]

#: A line exporter's encoding of one record: its line (or row), as bytes.
Encoder: TypeAlias = Callable[[Record], bytes]


@runtime_checkable
class ExportWriter(Protocol):
    """An export under way: records go in with :meth:`write` (as many times as needed),
    :meth:`close` finishes, :meth:`abort` leaves nothing behind."""

    def write(self, records: Iterable[Record]) -> None:
        """Take *records* (streamed, consumed once)."""
        ...

    def close(self) -> ExportResult:
        """Finish the files, commit the folder; what was written. Aborts on an error."""
        ...

    def abort(self) -> None:
        """Remove everything this export made; never raises."""
        ...


@runtime_checkable
class BatchWriter(ExportWriter, Protocol):
    """An export that also takes Arrow record batches of a table (``posts``, ``replies``),
    as :func:`tearcorpus.hf.record_batches` gives them."""

    def write_batch(self, table: str, batch: pa.RecordBatch) -> None:
        """Take one Arrow record batch of *table*, in the table's declared schema."""
        ...


@runtime_checkable
class PartWriter(ExportWriter, Protocol):
    """An export of lines that also takes part files of lines encoded elsewhere (a worker
    process, with the exporter's own encoders): appended in the order given, then removed."""

    def write_parts(self, parts: tuple[str, str], counts: tuple[int, int]) -> None:
        """Append the posts and replies part files *parts* (holding *counts* records)."""
        ...


@runtime_checkable
class Exporter(Protocol):
    """What every module in :mod:`tearcorpus.exporters` provides."""

    #: The name used with ``--to`` and in manifests.
    name: str
    #: One line for ``tearcorpus formats`` and the docs.
    description: str

    def open(self, outdir: str, options: ExportOptions) -> ExportWriter:
        """Start an export into *outdir*."""
        ...

    def export(
        self, records: Iterable[Record], outdir: str, options: ExportOptions
    ) -> ExportResult:
        """Write *records* (streamed, consumed once) into *outdir*: open, write, close, or
        abort on any error (:func:`tearcorpus.exporters.export_records`)."""
        ...


@runtime_checkable
class BatchExporter(Exporter, Protocol):
    """An exporter of Arrow record batches (Parquet, the Hub folder): its writer is a
    :class:`BatchWriter`."""

    def open(self, outdir: str, options: ExportOptions) -> BatchWriter:
        """Start an export into *outdir*."""
        ...


@runtime_checkable
class LineExporter(Exporter, Protocol):
    """An exporter that writes one line (or row) per record, in a posts and a replies
    file (JSON Lines, CSV); its writer is a :class:`PartWriter`. That writer, one for every
    line exporter, opens the files with :meth:`tables`, encodes records with
    :meth:`encoders` and ends with :meth:`finish`; workers encode with the same
    :meth:`encoders`, so that both write the same bytes."""

    def open(self, outdir: str, options: ExportOptions) -> PartWriter:
        """Start an export into *outdir*."""
        ...

    def tables(self, out: OutputDir, options: ExportOptions) -> tuple[IO[bytes], IO[bytes]]:
        """Open the posts and replies files in *out*, their headers written."""
        ...

    def encoders(self, options: ExportOptions) -> tuple[Encoder, Encoder]:
        """The functions that turn a post, and a reply, into its line."""
        ...

    def finish(self, out: OutputDir, posts: int, replies: int, options: ExportOptions) -> list[str]:
        """Write what follows the tables (the manifest), commit *out*; the files written."""
        ...
