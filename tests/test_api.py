"""The public surface: exports, model invariants, errors."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import attrs
import pytest

import tearcorpus
from tearcorpus import Author, ParseError, Post, Reply, TearcorpusError


def test_all_is_sorted_and_complete() -> None:
    """__all__ is sorted (constants, classes, functions), and every name in it exists."""
    names = list(tearcorpus.__all__)

    def order(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert names == sorted(names, key=order)
    for name in names:
        assert hasattr(tearcorpus, name), name


def test_records_are_frozen_and_hashable() -> None:
    """Records cannot be mutated and can live in sets."""
    reply = Reply(id="r", post_id="p", author=Author(id="u"))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        reply.text = "changed"  # type: ignore[misc]
    assert len({reply, Reply(id="r", post_id="p", author=Author(id="u"))}) == 1


def test_times_become_aware_utc() -> None:
    """Naive times are taken as UTC; other zones are converted to UTC."""
    naive = Post(id="p", platform="reddit", created_at=datetime(2024, 1, 1, 12))
    assert naive.created_at == datetime(2024, 1, 1, 12, tzinfo=UTC)
    plus2 = timezone(timedelta(hours=2))
    shifted = Reply(id="r", post_id="p", created_at=datetime(2024, 1, 1, 12, tzinfo=plus2))
    assert shifted.created_at is not None
    assert shifted.created_at.tzinfo is UTC
    assert shifted.created_at.hour == 10


def test_platform_is_validated() -> None:
    """An unknown platform string is refused."""
    with pytest.raises(ValueError, match="tiktok"):
        Post(id="p", platform="tiktok")


def test_parse_error_is_structured_and_picklable() -> None:
    """ParseError is a ValueError with source/line/reason, printing file:line: reason."""
    error = ParseError("dump.json", "invalid JSON", line=7)
    assert isinstance(error, ValueError)
    assert isinstance(error, TearcorpusError)
    assert str(error) == "dump.json:7: invalid JSON"
    assert str(ParseError("a.json", "bad item", index=3)) == "a.json[item 3]: bad item"
    again = pickle.loads(pickle.dumps(error))
    assert (again.source, again.line, again.reason) == ("dump.json", 7, "invalid JSON")


def test_input_error_is_an_os_error() -> None:
    """InputError is an OSError naming the file."""
    error = tearcorpus.InputError("x.txt", "is empty")
    assert isinstance(error, OSError)
    assert str(error) == "x.txt: is empty"
    assert str(pickle.loads(pickle.dumps(error))) == "x.txt: is empty"


def test_the_api_by_level_lists_every_top_level_name() -> None:
    """docs/api.md places every name of ``tearcorpus.__all__`` at a level."""
    page = (Path(__file__).parent.parent / "docs" / "api.md").read_text(encoding="utf-8")
    missing = [
        name
        for name in tearcorpus.__all__
        if f"`{name}`" not in page and f"`tearcorpus.{name}`" not in page
    ]
    assert missing == ["__version__"]
