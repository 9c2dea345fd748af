"""tearcorpus: typed, anonymised, modelling-ready corpora from raw comment dumps.

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
from .hf import to_dataset_dict, to_dataset_dicts
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
from .parsers import PARSERS, detect_format
from .pipeline import convert
from .publish import PublishResult, publish
from .reader import iter_records, read
from .report import Report, SourceReport
from .sample import sample_path
from .serialize import from_dict, to_dict
from .transforms import (
    TRANSFORMS,
    AnonymizationKeyError,
    Anonymizer,
    Drop,
    Transform,
    anonymize,
    apply_transforms,
    pseudonym,
    scrub,
    scrub_text,
)

__all__ = [
    "EXPORTERS",
    "PARSERS",
    "TRANSFORMS",
    "AnonymizationKeyError",
    "AnonymizeStep",
    "Anonymizer",
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
    "anonymize",
    "apply_transforms",
    "convert",
    "detect_format",
    "from_dict",
    "get_exporter",
    "iter_messages",
    "iter_records",
    "pseudonym",
    "publish",
    "read",
    "sample_path",
    "scrub",
    "scrub_text",
    "to_dataset_dict",
    "to_dataset_dicts",
    "to_dict",
    "write_convokit",
    "write_csv",
    "write_hub_folder",
    "write_jsonl",
    "write_messages",
    "write_parquet",
    "write_report",
]
