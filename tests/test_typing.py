"""The contracts of tearcorpus.typing: every registered parser, transform and exporter
keeps its Protocol, in its members, their signatures and what they do."""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

import tearcorpus
import tearcorpus.exporters
import tearcorpus.parsers
import tearcorpus.transforms
from tearcorpus import Post, Record, Reply
from tearcorpus.exporters import (
    ARROW_EXPORTERS,
    ARROW_OUTPUTS,
    EXPORTERS,
    LINE_EXPORTERS,
    LINE_OUTPUTS,
    ExportOptions,
)
from tearcorpus.job import ConvertJob
from tearcorpus.parsers import PARSERS, ParseContext
from tearcorpus.transforms import (
    TRANSFORMS,
    Anonymizer,
    Drop,
    ExactDedup,
    Excluder,
    Filter,
    NearDedup,
    Normalizer,
    Scrubber,
)
from tearcorpus.typing import (
    BatchExporter,
    BatchWriter,
    Exporter,
    ExportWriter,
    LineExporter,
    Parser,
    PartWriter,
    Progress,
    Transform,
)


def _sample() -> list[Record]:
    return list(tearcorpus.read(tearcorpus.sample_path()))


def _takes_like(implementation: Callable[..., object], declared: Callable[..., object]) -> None:
    """*implementation* accepts every call *declared* (a Protocol method) allows: the same
    parameters in the same order and kinds; any more have defaults."""
    have = [p for p in inspect.signature(implementation).parameters.values() if p.name != "self"]
    want = [p for p in inspect.signature(declared).parameters.values() if p.name != "self"]
    assert [(p.name, p.kind) for p in have[: len(want)]] == [(p.name, p.kind) for p in want]
    assert all(p.default is not inspect.Parameter.empty for p in have[len(want) :])


# The module itself.


def test_the_registries_reexport_the_protocols_not_copies() -> None:
    """The registry modules and the package give the very objects tearcorpus.typing
    defines: one definition of each contract."""
    assert tearcorpus.parsers.Parser is Parser
    assert tearcorpus.transforms.Transform is Transform
    assert tearcorpus.Transform is Transform
    for name in ("Exporter", "ExportWriter", "BatchWriter", "PartWriter", "LineExporter"):
        assert getattr(tearcorpus.exporters, name) is getattr(tearcorpus.typing, name), name
    protocols = [
        n for n in tearcorpus.typing.__all__ if inspect.isclass(getattr(tearcorpus.typing, n))
    ]
    assert set(tearcorpus.typing.__all__) - set(protocols) == {"Encoder", "ProgressFactory"}
    for name in protocols:
        assert getattr(tearcorpus.typing, name).__module__ == "tearcorpus.typing", name


def test_a_tqdm_bar_is_a_progress() -> None:
    """What the command line passes as ``ExportOptions.progress`` makes Progress bars."""
    from tqdm import tqdm

    bar = tqdm(total=3, disable=True)
    assert isinstance(bar, Progress)
    bar.close()
    assert not isinstance(object(), Progress)


# Parsers.


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_every_parser_keeps_the_parser_protocol(name: str) -> None:
    """Each registered parser has every member of Parser, of the declared types and
    signatures, under the name it is registered by; sniff answers 0 to 100."""
    parser = PARSERS[name]
    assert isinstance(parser, Parser)
    assert parser.name == name
    assert isinstance(parser.description, str)
    assert parser.description
    assert type(parser.BINARY) is bool
    assert type(parser.SPANS) is bool
    _takes_like(parser.sniff, Parser.sniff)
    _takes_like(parser.parse, Parser.parse)
    for head in (b"plain words, no dump\n", b'{"id": "x"}\n', b"PAR1\x00\x01"):
        assert 0 <= parser.sniff(head, "input") <= 100


def test_binary_and_span_parsers_are_the_ones_that_read_so() -> None:
    """BINARY marks the parsers detection asks before refusing binary input (Parquet's
    magic is claimed); SPANS the ones whose parse reads a byte range of a file."""
    binary = {name for name, p in PARSERS.items() if p.BINARY}
    assert binary == {"parquet", "manifest"}
    assert PARSERS["parquet"].sniff(b"PAR1\x00\x00\x15\x04", "x.parquet") == 100
    assert {name for name, p in PARSERS.items() if p.SPANS} == {"pushshift"}


def test_a_span_parser_reads_only_its_range(tmp_path: Path) -> None:
    """A SPANS parser given ``ctx.span`` yields the records of those bytes only, numbered
    by their line in the whole file."""
    from tearcorpus._spans import Span

    lines = [
        b'{"id": "c%d", "link_id": "t3_p", "parent_id": "t3_p", "body": "text %d", '
        b'"author": "a", "created_utc": 1600000000, "subreddit": "s"}\n' % (i, i)
        for i in range(4)
    ]
    path = tmp_path / "RC_2020-09"
    path.write_bytes(b"".join(lines))
    start = len(lines[0]) + len(lines[1])
    ctx = ParseContext(
        source=str(path), format="pushshift", span=(Span(start, start + len(lines[2])), 3)
    )
    records = list(PARSERS["pushshift"].parse(ctx))
    assert [r.id for r in records] == ["c2"]
    assert records[0].provenance is not None
    assert records[0].provenance.line == 3


# Transforms.


def _transforms() -> dict[str, Callable[[list[Record]], Transform]]:
    """A working instance of each registered transform, given the records it will see."""
    found: dict[str, Callable[[list[Record]], Transform]] = {
        "exclude": lambda records: Excluder(frozenset({records[-1].id}), frozenset()),
        "normalize": lambda records: Normalizer(),
        "filter": lambda records: Filter(),
        "dedup": lambda records: ExactDedup(),
        "anonymize": lambda records: Anonymizer(bytes(range(32))),
        "scrub": lambda records: Scrubber(),
    }
    if importlib.util.find_spec("datasketch") is not None:
        found["near-dedup"] = lambda records: NearDedup()
    return found


def test_every_transform_is_built_here() -> None:
    """The list of transforms below is the registry's (near-dedup needs datasketch)."""
    assert set(_transforms()) | {"near-dedup"} == set(TRANSFORMS)


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_every_transform_keeps_the_transform_protocol(name: str) -> None:
    """Each registered transform class has Transform's members under its registered name;
    an instance turns every sample record into a record of the same kind, or a Drop,
    which only a step that ``drops`` gives."""
    cls = TRANSFORMS[name]
    assert cls.name == name
    assert type(cls.drops) is bool
    _takes_like(cls.apply, Transform.apply)
    build = _transforms().get(name)
    if build is None:
        pytest.skip("needs datasketch")
    records = _sample()
    step = build(records)
    assert isinstance(step, Transform)
    assert type(step) is cls
    report = tearcorpus.Report()
    dropped = 0
    for record in records:
        out = step.apply(record, report)
        if isinstance(out, Drop):
            assert cls.drops, out
            assert out.reason
            dropped += 1
        else:
            assert type(out) is type(record)
            assert out.id == record.id
    if name == "exclude":
        assert dropped == 1  # the one id on its list


# Exporters.


def test_the_exporter_registries_agree() -> None:
    """The Arrow and line exporters are registered exporters, under the same names, and
    the name tuples follow the registries."""
    for registry in (ARROW_EXPORTERS, LINE_EXPORTERS):
        for name, module in registry.items():
            assert EXPORTERS[name] is module
    assert not set(ARROW_EXPORTERS) & set(LINE_EXPORTERS)
    assert tuple(ARROW_EXPORTERS) == ARROW_OUTPUTS
    assert tuple(LINE_EXPORTERS) == LINE_OUTPUTS


def _needs(name: str) -> None:
    if name in ARROW_EXPORTERS or name == "hub":
        pytest.importorskip("pyarrow")
    if name == "hub":
        pytest.importorskip("datasets")


@pytest.mark.parametrize("name", sorted(EXPORTERS))
def test_every_exporter_keeps_the_exporter_protocol(name: str, tmp_path: Path) -> None:
    """Each registered exporter has Exporter's members (BatchExporter's or LineExporter's
    for those registries) and signatures; its writer writes what it was given and gives
    the result of its format, and an aborted export leaves nothing behind."""
    _needs(name)
    module = EXPORTERS[name]
    assert isinstance(module, Exporter)
    assert module.name == name
    assert isinstance(module.description, str)
    assert module.description
    _takes_like(module.open, Exporter.open)
    _takes_like(module.export, Exporter.export)
    if name in ARROW_EXPORTERS:
        assert isinstance(module, BatchExporter)
    if name in LINE_EXPORTERS:
        assert isinstance(module, LineExporter)
        _takes_like(LINE_EXPORTERS[name].tables, LineExporter.tables)
        _takes_like(LINE_EXPORTERS[name].encoders, LineExporter.encoders)
        _takes_like(LINE_EXPORTERS[name].finish, LineExporter.finish)
    records = _sample()

    writer = module.open(str(tmp_path / "out"), ExportOptions())
    assert isinstance(writer, ExportWriter)
    assert isinstance(writer, BatchWriter) == (name in ARROW_EXPORTERS)
    assert isinstance(writer, PartWriter) == (name in LINE_EXPORTERS)
    writer.write(records[:5])
    writer.write(records[5:])
    result = writer.close()
    assert result.format == name
    assert result.outdir == str(tmp_path / "out")
    assert result.files
    for file in result.files:
        assert Path(file).is_file(), file
    assert result.posts == sum(isinstance(r, Post) for r in records)

    aborted = tmp_path / "aborted"
    writer = module.open(str(aborted), ExportOptions())
    writer.write(records)
    writer.abort()
    assert not aborted.exists() or not any(aborted.rglob("*"))


@pytest.mark.parametrize("name", sorted(LINE_EXPORTERS))
def test_line_exporters_take_parts_of_their_own_lines(name: str, tmp_path: Path) -> None:
    """A LineExporter's encoders give a line a record; part files of those lines given to
    its writer (as workers give them) make the same bytes as the records written."""
    module = LINE_EXPORTERS[name]
    options = ExportOptions()
    records = _sample()
    post_line, reply_line = module.encoders(options)
    parts = (str(tmp_path / "part.posts"), str(tmp_path / "part.replies"))
    counts = [0, 0]
    with open(parts[0], "wb") as posts, open(parts[1], "wb") as replies:
        for record in records:
            line = post_line(record) if isinstance(record, Post) else reply_line(record)
            assert isinstance(line, bytes)
            assert line.endswith(b"\n")
            (posts if isinstance(record, Post) else replies).write(line)
            counts[isinstance(record, Reply)] += 1
    from_parts = module.open(str(tmp_path / "parts"), options)
    from_parts.write_parts(parts, (counts[0], counts[1]))
    by_parts = from_parts.close()
    assert not Path(parts[0]).exists()  # appended, then removed
    direct = module.export(records, str(tmp_path / "records"), options)
    assert (by_parts.posts, by_parts.replies) == (direct.posts, direct.replies)
    for file in direct.files:
        if file.endswith("manifest.json"):
            continue
        twin = Path(file.replace(str(tmp_path / "records"), str(tmp_path / "parts")))
        assert Path(file).read_bytes() == twin.read_bytes(), file


def test_parquet_takes_record_batches_as_it_writes_records(tmp_path: Path) -> None:
    """A BatchWriter fed the Arrow batches of some records writes the tables it writes
    from the records themselves."""
    pq = pytest.importorskip("pyarrow.parquet")
    from tearcorpus._batches import record_batches

    records = _sample()
    writer = ARROW_EXPORTERS["parquet"].open(str(tmp_path / "batches"), ExportOptions())
    for table, batch in record_batches(records):
        writer.write_batch(table, batch)
    writer.close()
    EXPORTERS["parquet"].export(records, str(tmp_path / "records"), ExportOptions())
    for table in ("posts", "replies"):
        one = pq.read_table(tmp_path / "batches" / f"{table}.parquet")
        two = pq.read_table(tmp_path / "records" / f"{table}.parquet")
        assert one.num_rows > 0
        assert one.equals(two)


# The keyword arguments of convert.


def test_convert_takes_the_jobs_fields() -> None:
    """``tearcorpus.convert``'s parameters are every field of ConvertJob, with its
    defaults: none missing, none made up; and a call runs the job they describe."""
    fields = [f.name for f in attrs.fields(ConvertJob)]
    parameters = inspect.signature(tearcorpus.convert).parameters
    assert list(parameters) == fields
    assert parameters["compression"].default == "zstd"
    assert inspect.signature(tearcorpus.convert).return_annotation == "ExportResult"
    with pytest.raises(tearcorpus.TearcorpusError, match="unknown export format"):
        tearcorpus.convert(["a.json"], to="xml", out="o")


def test_job_export_options_are_its_fields_of_the_same_name() -> None:
    """The exporter gets every export field of the job as given, the job's progress as
    the bars it was handed, and the opt-out list's digest."""
    job = ConvertJob(
        ["a.json"],
        to="hub",
        out="o",
        overwrite=True,
        excel_safe=True,
        compression="gzip",
        max_shard_size=700,
        split_ratios=(0.5, 0.25, 0.25),
        seed=3,
        languages=["en"],
        license="cc-by-4.0",
        pretty_name="Name",
        labels="labels",
        conversation="pair",
        assistant="none",
        messages=True,
        progress=True,
    )
    options = job.export_options(None)
    for name in ("overwrite", "excel_safe", "compression", "max_shard_size", "split_ratios"):
        assert getattr(options, name) == getattr(job, name)
    for name in ("seed", "languages", "license", "pretty_name", "labels"):
        assert getattr(options, name) == getattr(job, name)
    assert (options.conversation, options.assistant, options.messages) == ("pair", "none", True)
    assert options.progress is None
    assert options.exclude_digest is None
