"""The convert job: every setting of a run, typed, frozen and picklable.

:func:`tearcorpus.convert` and ``tearcorpus convert`` run the same :class:`ConvertJob`
(:mod:`tearcorpus.pipeline`); worker processes and the datatrove steps receive the job,
never command-line arguments. Transforms are typed steps (:data:`Step`) that build the
transform objects of :mod:`tearcorpus.transforms` when the job runs::

    job = ConvertJob(
        ["RC_2019-04.zst", "RS_2019-04.zst"],
        to="hub",
        out="corpus/",
        transforms=(FilterStep(), AnonymizeStep()),
        split_ratios=(0.9, 0.05, 0.05),
        license="cc-by-4.0",
    )
    result = tearcorpus.pipeline.run(job)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar, Protocol, TypeAlias

from attrs import AttrsInstance, asdict, field, fields_dict, frozen

from ._io import DEFAULT_MAX_RECORD_BYTES
from .conversations import ASSISTANTS, CONVERSATIONS, Assistant, Conversation
from .errors import TearcorpusError
from .reader import ReadSettings, _options
from .transforms import ORDER, TRANSFORMS
from .transforms.filters import RULES
from .transforms.normalize import DEFAULT_STEPS
from .transforms.scrub import KINDS

if TYPE_CHECKING:
    from .exporters import ExportOptions, ProgressFactory
    from .report import Report
    from .transforms import Transform

__all__ = [
    "AnonymizeStep",
    "ConvertJob",
    "DedupStep",
    "ExcludeStep",
    "FilterStep",
    "NearDedupStep",
    "NormalizeStep",
    "ScrubStep",
    "Step",
]

#: Names collected by the first pass of two-pass anonymisation: name → (kind, author id).
Names: TypeAlias = dict[str, tuple[str, str]]


class _Fields(AttrsInstance, Protocol):
    name: ClassVar[str]


class _Built:
    """A step whose transform (of :data:`~tearcorpus.transforms.TRANSFORMS`, by the
    step's name) takes the step's fields as its keywords."""

    __slots__ = ()

    def build(self: _Fields, key: bytes | None, names: Names | None) -> Transform:
        """The transform of this step, for a run with the anonymisation *key* and the
        author *names* collected from its inputs (each step takes what it needs)."""
        return TRANSFORMS[self.name](**asdict(self, recurse=False))


@frozen
class ExcludeStep:
    """Leave out the records and authors of an opt-out list (``--exclude FILE``, see
    :mod:`tearcorpus.transforms.exclude`): dropped as ``withdrawn``, first of all steps."""

    name: ClassVar[str] = "exclude"
    path: str = field(converter=os.fspath)
    shard_safe: ClassVar[bool] = True

    def build(self, key: bytes | None, names: Names | None) -> Transform:
        """The transform of this step, for a run with the anonymisation *key* and the
        author *names* collected from its inputs (each step takes what it needs)."""
        from .transforms import Excluder

        return Excluder.load(self.path, key)

    def digest(self) -> str:
        """The list's digest, recorded in the Hub folder's card for ``publish``."""
        from .transforms.exclude import digest

        return digest(self.path)


@frozen
class NormalizeStep(_Built):
    """Normalise text (:class:`~tearcorpus.transforms.Normalizer`): ``--normalize``."""

    name: ClassVar[str] = "normalize"
    steps: tuple[str, ...] = DEFAULT_STEPS
    #: What to do with ``> quoted`` lines: ``remove`` or ``mark``.
    quotes: str = "remove"
    shard_safe: ClassVar[bool] = True


@frozen
class FilterStep(_Built):
    """Drop replies by rule, length or language (:class:`~tearcorpus.transforms.Filter`):
    ``--filter``, ``--min-chars``, ``--max-chars``, ``--lang``."""

    name: ClassVar[str] = "filter"
    rules: tuple[str, ...] = RULES
    min_chars: int | None = None
    max_chars: int | None = None
    languages: tuple[str, ...] | None = None
    #: Let the filter drop posts too (``--filter-posts``).
    include_posts: bool = False
    shard_safe: ClassVar[bool] = True


@frozen
class DedupStep(_Built):
    """Drop replies whose normalised text was seen before: ``--dedup``. Remembers what it
    saw, so with workers it runs in the parent over the merged stream."""

    name: ClassVar[str] = "dedup"
    min_chars: int = 1
    include_posts: bool = False
    shard_safe: ClassVar[bool] = False


@frozen
class NearDedupStep(_Built):
    """Drop near-duplicate replies (MinHash): ``--near-dedup``. Runs in the parent."""

    name: ClassVar[str] = "near-dedup"
    threshold: float = 0.8
    min_chars: int = 1
    include_posts: bool = False
    shard_safe: ClassVar[bool] = False


@frozen
class AnonymizeStep:
    """Pseudonymise authors with a keyed hash: ``--anonymize``.

    The key is *key*, else read from *key_file*, else from ``$TEARCORPUS_KEY`` when the job
    runs. Two-pass (the default) collects every author's name first so that mentions of
    later authors are rewritten too; *one_pass* reads the inputs once.
    """

    name: ClassVar[str] = "anonymize"
    key_file: str | None = None
    one_pass: bool = False
    key: bytes | None = field(default=None, repr=False)

    @property
    def shard_safe(self) -> bool:
        """Two-pass anonymisation looks at one record at a time; one-pass learns names."""
        return not self.one_pass

    def load_key(self) -> bytes:
        """The anonymisation key: the step's own, else read from ``key_file`` or
        ``TEARCORPUS_KEY``."""
        from .transforms import load_key

        return self.key if self.key is not None else load_key(self.key_file)

    def build(self, key: bytes | None, names: Names | None) -> Transform:
        """The transform of this step, for a run with the anonymisation *key* and the
        author *names* collected from its inputs (each step takes what it needs)."""
        from .transforms import Anonymizer

        if key is None:
            raise TearcorpusError("--anonymize needs a key (TEARCORPUS_KEY or --key-file)")
        return Anonymizer(key, None if self.one_pass else (names or {}))


@frozen
class ScrubStep(_Built):
    """Replace personal data in text with placeholders: ``--scrub`` (and ``--anonymize``)."""

    name: ClassVar[str] = "scrub"
    kinds: tuple[str, ...] = KINDS
    shard_safe: ClassVar[bool] = True


#: A transform of a job, built when the job runs.
Step: TypeAlias = (
    ExcludeStep | NormalizeStep | FilterStep | DedupStep | NearDedupStep | AnonymizeStep | ScrubStep
)


def _steps(value: Iterable[Step]) -> tuple[Step, ...]:
    steps = tuple(value)
    for step in steps:
        if not isinstance(step, Step):
            raise TypeError(f"not a transform step: {step!r}")
    # The documented order of :mod:`tearcorpus.transforms`, whatever order they came in.
    return tuple(sorted(steps, key=lambda s: ORDER.index(s.name)))


def _inputs(value: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> tuple[str, ...]:
    if isinstance(value, str | os.PathLike):
        return (os.fspath(value),)
    return tuple(os.fspath(p) for p in value)


def _ratios(value: Sequence[float]) -> tuple[float, float, float]:
    ratios = tuple(float(v) for v in value)
    if len(ratios) != 3:
        raise ValueError(f"split_ratios: expected three numbers, got {value!r}")
    return (ratios[0], ratios[1], ratios[2])


def _path(value: str | os.PathLike[str]) -> str:
    return os.fspath(value)


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _optional_path(value: str | os.PathLike[str] | None) -> str | None:
    return None if value is None else os.fspath(value)


@frozen
class ConvertJob:
    """Everything ``tearcorpus convert`` does, as one value (see the module docs).

    The field names are the command line's options (``--from`` is :attr:`format`,
    ``-o`` is :attr:`out`).
    """

    #: Dump files or fsspec URLs; several inputs form one corpus.
    inputs: tuple[str, ...] = field(converter=_inputs)
    #: Output format: ``jsonl``, ``csv``, ``parquet``, ``hub``, ``messages`` or
    #: ``convokit``.
    to: str
    #: Output folder.
    out: str = field(converter=_path)
    # -- reading
    #: Input format; ``None`` detects each input's from its content.
    format: str | None = None
    #: Stop at the first bad record instead of skipping and counting it.
    strict: bool = False
    #: Text encoding of the inputs (default UTF-8, with or without BOM).
    encoding: str | None = None
    #: Parser options: ``video_id`` for dumps that do not hold it, ``scraped_at`` (the
    #: anchor of relative comment times).
    options: dict[str, str] = field(default=None, converter=_options, hash=False)
    #: Records (a line, a JSON document) larger than this are rejected, counted.
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
    #: The folder provenance names local inputs from (``None``: the folder the local
    #: inputs have in common), so no absolute local path reaches the output.
    root: str | None = None
    # -- transforms
    transforms: tuple[Step, ...] = field(default=(), converter=_steps)
    #: Write dropped records with their reason to this JSON Lines file.
    write_dropped: str | None = None
    # -- running
    #: Processes that parse the inputs (1: this one).
    workers: int = 1
    #: Replace the files of a non-empty output folder.
    overwrite: bool = False
    #: Show progress bars on stderr.
    progress: bool = False
    # -- export
    #: CSV: defuse formula cells and write a BOM.
    excel_safe: bool = False
    #: Parquet: ``zstd``, ``snappy``, ``gzip`` or ``none``.
    compression: str = "zstd"
    #: Hub folder: the largest Parquet shard, in bytes.
    max_shard_size: int = 500_000_000
    #: Hub folder: train/validation/test shares of threads, and the split seed.
    split_ratios: tuple[float, float, float] = field(default=(0.8, 0.1, 0.1), converter=_ratios)
    seed: int = 0
    #: Hub folder card: ISO 639-1 language codes, licence id, the dataset's title.
    languages: tuple[str, ...] = field(default=(), converter=_strings)
    license: str | None = None
    pretty_name: str | None = None
    #: Hub folder: a labels folder (``annotate import``), written as the ``labels`` config.
    labels: str | None = field(default=None, converter=_optional_path)
    #: Messages (``--to messages``, the Hub folder's ``messages`` config): ``path`` or
    #: ``pair`` turns, and whose turns are ``assistant`` (``uploader`` or ``none``); see
    #: :mod:`tearcorpus.conversations`.
    conversation: Conversation = "path"
    assistant: Assistant = "uploader"
    #: Hub folder: add the ``messages`` config.
    messages: bool = False

    def __attrs_post_init__(self) -> None:
        from .exporters import EXPORTERS

        if self.to not in EXPORTERS:
            known = ", ".join(sorted(EXPORTERS))
            raise TearcorpusError(f"unknown export format {self.to!r}; choose one of: {known}")
        if not self.inputs:
            raise TearcorpusError("no inputs given")
        if self.workers < 1:
            raise TearcorpusError(f"workers must be 1 or more, got {self.workers}")
        for name, allowed in (("conversation", CONVERSATIONS), ("assistant", ASSISTANTS)):
            value = getattr(self, name)
            if value not in allowed:
                choices = ", ".join(allowed)
                raise TearcorpusError(f"unknown {name} {value!r}; choose one of: {choices}")
        if self.messages and self.to not in ("hub", "messages"):
            raise TearcorpusError(
                "--messages adds a messages config to the Hub folder: use it with --to hub"
            )
        if self.write_dropped and not any(
            isinstance(s, ExcludeStep | FilterStep | DedupStep | NearDedupStep)
            for s in self.transforms
        ):
            raise TearcorpusError("--write-dropped needs a transform that drops records")
        if self.labels is not None and self.to != "hub":
            raise TearcorpusError("--labels is written with --to hub only")

    @property
    def _reading(self) -> ReadSettings:
        """How the job reads its inputs (for the reader and the workers)."""
        return ReadSettings(
            self.format, self.strict, self.encoding, self.options, self.max_record_bytes, self.root
        )

    @property
    def anonymize(self) -> AnonymizeStep | None:
        """The anonymisation step, if any."""
        return next((s for s in self.transforms if isinstance(s, AnonymizeStep)), None)

    def two_pass_names(self) -> bool:
        """Whether anonymisation needs every author's name first (a pass over the inputs)."""
        step = self.anonymize
        return step is not None and not step.one_pass

    def load_key(self) -> bytes | None:
        """The anonymisation key, or ``None`` without anonymisation (raises when missing)."""
        step = self.anonymize
        return step.load_key() if step is not None else None

    def build_transforms(self, key: bytes | None, names: Names | None) -> list[Transform]:
        """The transform objects of this job, in their order."""
        return [step.build(key, names) for step in self.transforms]

    def shard_steps(self) -> int:
        """How many leading transforms worker processes may run on their own shards: all
        up to the first that learns from earlier records (none with ``write_dropped``,
        whose file lists dropped records in input order)."""
        if self.write_dropped:
            return 0
        safe = [step.shard_safe for step in self.transforms]
        return safe.index(False) if False in safe else len(safe)

    def export_options(
        self, report: Report | None, progress: ProgressFactory | None = None
    ) -> ExportOptions:
        """The exporter's options for this job: its fields of the same name (``progress``
        apart: here a yes or no, there the bars)."""
        from .exporters import ExportOptions

        shared = fields_dict(ExportOptions).keys() & fields_dict(ConvertJob).keys()
        return ExportOptions(
            report=report,
            progress=progress,
            exclude_digest=next(
                (s.digest() for s in self.transforms if isinstance(s, ExcludeStep)), None
            ),
            **{name: getattr(self, name) for name in shared - {"progress"}},
        )
