"""Values gathered by key and built a group at a time: the same output in memory or spilled."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tearcorpus._groups import Built, ByKey, Group

Item = tuple[str, int]


def _build(group: Group[int]) -> Iterator[Built[Item]]:
    """Each value as it came, on channel 0, and the group's size on channel 1 at its first
    value's place."""
    first = group[0][0]
    yield first, 1, ("size", len(group))
    for number, value in group:
        yield number, 0, ("value", value)


def _expected(pairs: list[tuple[str, int]]) -> list[tuple[int, Item]]:
    """What :func:`_build` over every group gives, merged, worked out without ByKey."""
    sizes: dict[str, int] = {}
    firsts: dict[str, int] = {}
    for number, (key, _) in enumerate(pairs):
        sizes[key] = sizes.get(key, 0) + 1
        firsts.setdefault(key, number)
    items = [(number, 0, ("value", value)) for number, (_, value) in enumerate(pairs)]
    items += [(firsts[key], 1, ("size", sizes[key])) for key in sizes]
    return [(channel, item) for _, channel, item in sorted(items)]


def _run(pairs: list[tuple[str, int]], folder: Path, held: int | None) -> list[tuple[int, Item]]:
    with ByKey[str, int](str(folder), held=held) as groups:
        for key, value in pairs:
            groups.add(key, value)
        return list(groups.build(_build))


@given(
    pairs=st.lists(st.tuples(st.sampled_from("abcdefghij"), st.integers()), max_size=300),
    held=st.sampled_from([1, 2, 7, None]),
)
def test_output_is_the_same_in_memory_or_spilled(
    tmp_path_factory: pytest.TempPathFactory, pairs: list[tuple[str, int]], held: int | None
) -> None:
    """Every group built once with its values in input order, the items merged by their
    order, whatever the memory limit (spilled, and buckets cut again, or not)."""
    folder = tmp_path_factory.mktemp("groups")
    assert _run(pairs, folder, held) == _expected(pairs)
    assert os.listdir(folder) == []  # the scratch folder is gone


def test_spill_goes_to_a_scratch_folder_in_the_folder_given(tmp_path: Path) -> None:
    """Past the limit the values go to disk, in a hidden scratch folder beside the output,
    removed when the groups close."""
    groups: ByKey[str, int] = ByKey(str(tmp_path), held=10)
    for number in range(25):
        groups.add(f"k{number % 4}", number)
    scratch = os.listdir(tmp_path)
    assert len(scratch) == 1
    assert scratch[0].startswith(".tearcorpus-shards-")
    assert os.listdir(tmp_path / scratch[0])  # bucket files
    built = list(groups.build(_build))
    assert [item for channel, item in built if channel == 1] == [("size", 7)] + [("size", 6)] * 3
    groups.close()
    assert os.listdir(tmp_path) == []


def test_one_large_group_is_built_whole(tmp_path: Path) -> None:
    """A group larger than the limit cannot be cut: it is built whole, values in order."""
    pairs = [("only", n) for n in range(100)]
    assert _run(pairs, tmp_path, held=3) == _expected(pairs)


def test_an_empty_stream_builds_nothing(tmp_path: Path) -> None:
    """No values: no groups, no output, no scratch files."""
    assert _run([], tmp_path, held=1) == []
    assert os.listdir(tmp_path) == []


def test_buckets_cut_again_are_read_back_as_one_run_each(tmp_path: Path) -> None:
    """A bucket too large for the limit is cut into parts and its parts' runs merged back
    into one: the final merge reads one run a bucket, however many parts were cut."""
    pairs = [(f"k{number}", number) for number in range(2000)]
    groups = ByKey[str, int](str(tmp_path), held=5, buckets=4)
    for key, value in pairs:
        groups.add(key, value)
    built = groups.build(_build)
    first = next(built)
    (scratch,) = os.listdir(tmp_path)
    runs = os.listdir(tmp_path / scratch)
    assert 1 <= len(runs) <= 4
    assert all(run.endswith(".run") for run in runs)
    assert [first, *built] == _expected(pairs)
    groups.close()
    assert os.listdir(tmp_path) == []


Pair = tuple[str, int]


def _sum(old: Pair, new: Pair) -> Pair:
    return old[0], old[1] + new[1]


def _folded(group: Group[Pair]) -> Iterator[Built[Pair]]:
    ((number, value),) = group  # folded: one value a key
    yield number, 0, value


@given(
    pairs=st.lists(st.tuples(st.sampled_from("abcdefghij"), st.integers()), max_size=300),
    held=st.sampled_from([1, 2, 7, None]),
)
def test_folded_values_give_one_value_a_key_at_its_first_place(
    tmp_path_factory: pytest.TempPathFactory, pairs: list[Pair], held: int | None
) -> None:
    """With a fold, each key's values are folded in input order into one, which comes at
    the key's first place, whatever the memory limit."""
    folder = tmp_path_factory.mktemp("folded")
    sums: dict[str, int] = {}
    for key, value in pairs:
        sums[key] = sums.get(key, 0) + value
    with ByKey[str, Pair](str(folder), held=held, buckets=3, fold=_sum) as groups:
        for pair in pairs:
            groups.add(pair[0], pair)
        assert len(groups) == len(pairs)
        built = [item for _, item in groups.build(_folded)]
    assert built == list(sums.items())  # dicts keep first-seen order
    assert os.listdir(folder) == []


@pytest.mark.skipif(
    not os.path.exists("/dev/full"), reason="needs /dev/full (a device that is always full)"
)
def test_a_scratch_write_on_a_full_disk_says_so_in_one_error() -> None:
    """A spill file that cannot be written (no space) is an ExportError saying why, not
    a bare OSError: the command line prints it as one line."""
    from tearcorpus._pickled import dump_batches
    from tearcorpus.errors import ExportError

    with open("/dev/full", "wb", buffering=0) as out, pytest.raises(ExportError, match="no space"):
        dump_batches(range(1000), out, 100)
