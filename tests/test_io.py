"""Opening inputs: compression by content, fsspec paths, corrupt data."""

from __future__ import annotations

import bz2
import gzip
import lzma
from pathlib import Path

import pytest

import tearcorpus
from tearcorpus import InputError

SAMPLE = tearcorpus.sample_path()


@pytest.mark.parametrize(
    ("suffix", "pack"),
    [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress), (".bin", None)],
)
def test_compressed_inputs_read_like_plain(tmp_path: Path, suffix: str, pack: object) -> None:
    """gzip, bz2 and xz are recognised by content, whatever the file name says."""
    data = SAMPLE.read_bytes()
    packed = pack(data) if callable(pack) else data
    path = tmp_path / f"dump{suffix}"
    path.write_bytes(packed)
    assert list(tearcorpus.read(path)) == list(tearcorpus.read(SAMPLE))


def test_zstd_input_reads_like_plain(tmp_path: Path) -> None:
    """zstd frames (Pushshift's compression) are decompressed on the fly."""
    zstandard = pytest.importorskip("zstandard")
    path = tmp_path / "dump.txt.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(SAMPLE.read_bytes()))
    assert list(tearcorpus.read(path)) == list(tearcorpus.read(SAMPLE))


def test_corrupt_zstd_is_an_input_error(tmp_path: Path) -> None:
    """A damaged .zst gives one InputError naming the file and the compression."""
    zstandard = pytest.importorskip("zstandard")
    packed = zstandard.ZstdCompressor().compress(SAMPLE.read_bytes() * 50)
    path = tmp_path / "dump.zst"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(InputError, match="corrupt or truncated zstd") as info:
        tearcorpus.read(path)
    assert info.value.source == str(path)


def test_fsspec_memory_filesystem() -> None:
    """Inputs can be fsspec URLs (the in-memory filesystem here; s3:// etc. alike)."""
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    fs.pipe("/dumps/therapist.txt", SAMPLE.read_bytes())
    corpus = tearcorpus.read("memory://dumps/therapist.txt")
    assert (len(corpus.posts), len(corpus.replies)) == (1, 19)
    assert corpus.replies[0].provenance is not None
    assert corpus.replies[0].provenance.source == "memory://dumps/therapist.txt"
    with pytest.raises(InputError, match="no such file"):
        tearcorpus.read("memory://dumps/missing.txt")


def test_zstd_many_frames_and_chunk_boundaries(tmp_path: Path) -> None:
    """Concatenated zstd frames (as real monthly dumps may be) all decompress, in order."""
    zstandard = pytest.importorskip("zstandard")
    lines = [f'{{"n": {i}, "pad": "{"x" * (i % 97)}"}}\n'.encode() for i in range(60_000)]
    blob = b"".join(lines)
    compressor = zstandard.ZstdCompressor()
    frames = [compressor.compress(blob[i : i + 300_000]) for i in range(0, len(blob), 300_000)]
    path = tmp_path / "many.zst"
    path.write_bytes(b"".join(frames))
    from tearcorpus._read import read_bytes

    assert read_bytes(str(path)) == blob
