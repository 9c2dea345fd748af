"""tearcorpus: typed, anonymised, modelling-ready corpora from raw comment dumps.

The API by level (docs/api.md):

- **read**: :func:`read`, :func:`iter_records`, :func:`sample_path`, the model
  (:class:`Post`, :class:`Reply`, :class:`Author`, ...), :class:`Corpus`,
  :class:`Report`;
- **transform**: the steps (:class:`ExcludeStep`, :class:`NormalizeStep`,
  :class:`FilterStep`, :class:`DedupStep`, :class:`NearDedupStep`,
  :class:`AnonymizeStep`, :class:`ScrubStep`) and :func:`apply_transforms`; the
  transforms themselves are in :mod:`tearcorpus.transforms`;
- **export**: :func:`convert` (:class:`ConvertJob`), the writers (:func:`write_jsonl`,
  :func:`write_csv`, :func:`write_parquet`, :func:`write_hub_folder`,
  :func:`write_messages`, :func:`write_convokit`), :func:`to_dataset_dict`,
  :func:`write_report`;
- **publish**: :func:`publish`;
- **label**: :mod:`tearcorpus.annotate`.

>>> import tearcorpus
>>> corpus = tearcorpus.read(tearcorpus.sample_path())
>>> len(corpus.posts), len(corpus.replies)
(1, 19)
"""

from __future__ import annotations

from . import annotate
from ._version import __version__
from .conversations import iter_messages
from .corpus import Corpus, Integrity, Thread
from .errors import (
    ExportError,
    FormatError,
    InputError,
    MissingDependencyError,
    ParseError,
    RecordTooLargeError,
    TearcorpusError,
)
from .exporters import EXPORTERS, ExportOptions, ExportResult, get_exporter
from .exporters.convokit import write_convokit
from .exporters.csv import write_csv
from .exporters.hub import write_hub_folder
from .exporters.jsonl import write_jsonl
from .exporters.messages import write_messages
from .exporters.parquet import write_parquet
from .hf import to_dataset_dict
from .job import (
    AnonymizeStep,
    ConvertJob,
    DedupStep,
    ExcludeStep,
    FilterStep,
    NearDedupStep,
    NormalizeStep,
    ScrubStep,
    Step,
)
from .model import Author, JsonValue, Platform, Post, Provenance, Record, Reply, TimePrecision
from .overview import ReportPage, write_report
from .parsers import PARSERS
from .pipeline import convert
from .publish import PublishResult, publish
from .reader import iter_records, read
from .report import Report, SourceReport
from .sample import sample_path
from .serialize import from_dict, to_dict
from .transforms import TRANSFORMS, AnonymizationKeyError, Drop, Transform, apply_transforms

__all__ = [
    "EXPORTERS",
    "PARSERS",
    "TRANSFORMS",
    "AnonymizationKeyError",
    "AnonymizeStep",
    "Author",
    "ConvertJob",
    "Corpus",
    "DedupStep",
    "Drop",
    "ExcludeStep",
    "ExportError",
    "ExportOptions",
    "ExportResult",
    "FilterStep",
    "FormatError",
    "InputError",
    "Integrity",
    "JsonValue",
    "MissingDependencyError",
    "NearDedupStep",
    "NormalizeStep",
    "ParseError",
    "Platform",
    "Post",
    "Provenance",
    "PublishResult",
    "Record",
    "RecordTooLargeError",
    "Reply",
    "Report",
    "ReportPage",
    "ScrubStep",
    "SourceReport",
    "Step",
    "TearcorpusError",
    "Thread",
    "TimePrecision",
    "Transform",
    "__version__",
    "annotate",
    "apply_transforms",
    "convert",
    "from_dict",
    "get_exporter",
    "iter_messages",
    "iter_records",
    "publish",
    "read",
    "sample_path",
    "to_dataset_dict",
    "to_dict",
    "write_convokit",
    "write_csv",
    "write_hub_folder",
    "write_jsonl",
    "write_messages",
    "write_parquet",
    "write_report",
]
