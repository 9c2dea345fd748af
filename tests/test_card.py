"""The card's statistics counted batch by batch equal those of the whole tables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tearcorpus.exporters.hub import stats

pa = pytest.importorskip("pyarrow")
pc = pytest.importorskip("pyarrow.compute")

#: Batches of small values, so that values repeat within and across batches.
int_batches = st.lists(st.lists(st.none() | st.integers(0, 40), max_size=30), max_size=12)
str_batches = st.lists(
    st.lists(st.none() | st.sampled_from("abcdefghij"), max_size=30), max_size=12
)


@pytest.fixture(autouse=True)
def _merge_often(monkeypatch: pytest.MonkeyPatch) -> None:
    """Merge after a few values, so that tests cross many merges."""
    monkeypatch.setattr(stats, "MERGE_AT", 3)


@given(int_batches)
def test_lengths_summary_is_arrows_nearest_quantiles(batches: list[list[int | None]]) -> None:
    """Min, median, p90 and max from merged counts are pc.quantile's over all values."""
    lengths = stats._Lengths()
    for batch in batches:
        lengths.add(pa.array(batch, pa.int32()))
    whole = pa.chunked_array([pa.array(b, pa.int32()) for b in batches], type=pa.int32())
    if len(whole) - whole.null_count == 0:
        assert lengths.summary() is None
        return
    median, p90 = pc.quantile(whole, q=[0.5, 0.9], interpolation="nearest").to_pylist()
    expected = {"min": pc.min(whole).as_py(), "median": median, "p90": p90}
    assert lengths.summary() == {**expected, "max": pc.max(whole).as_py()}


@given(str_batches)
def test_distinct_counts_every_non_null_value_once(batches: list[list[str | None]]) -> None:
    """Distinct values merged across batches count as pc.count_distinct over all of them."""
    distinct = stats._Distinct()
    for batch in batches:
        distinct.add(pa.array(batch, pa.string()))
    assert distinct.count() == len({v for b in batches for v in b if v is not None})


def test_nearest_rank_rounds_ties_to_even() -> None:
    """Ranks halfway between two values go to the even one, as Arrow's "nearest" does."""
    assert [stats._nearest(n, 0.5) for n in (1, 2, 3, 4, 5, 6)] == [0, 0, 1, 2, 2, 2]
    assert pc.quantile(pa.array([1, 2, 3, 4]), q=0.5, interpolation="nearest")[0].as_py() == 3


def test_inputs_table_survives_pipes_newlines_and_backticks(tmp_path: Path) -> None:
    """Input names with |, a newline or backticks stay one escaped cell of the inputs table."""
    pytest.importorskip("pyarrow")
    from tearcorpus.cli import main

    names = ["a|b.ndjson", "line\nbreak.ndjson", "tick`s``.ndjson"]
    paths = []
    for number, name in enumerate(names):
        path = tmp_path / name
        path.write_text(
            f'{{"id":"c{number}","link_id":"t3_a","parent_id":"t3_a","author":"x",'
            f'"body":"hi","created_utc":1704070800,"subreddit":"TeaTime"}}\n'
        )
        paths.append(str(path))
    out = tmp_path / "hub"
    assert main(["convert", *paths, "--to", "hub", "-o", str(out)]) == 0
    lines = (out / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("| input | format | posts | replies | rejected |")
    rows = lines[start + 2 : start + 2 + len(names)]
    assert [len(re.split(r"(?<!\\)\|", row)) for row in rows] == [7, 7, 7]
    cells = [re.split(r"(?<!\\)\|", row)[1].strip() for row in rows]
    assert cells == ["`a\\|b.ndjson`", "`line\\nbreak.ndjson`", "``` tick`s``.ndjson ```"]
    assert lines[start + 2 + len(names)] == ""  # the table ends after its rows
