"""The trusted constructors build the same frozen records as the public ones."""

from __future__ import annotations

import pickle
from typing import Any

import attrs
import pytest
from hypothesis import given

from tearcorpus import Author, Platform, Post, Provenance, Record
from tearcorpus.model import new_author, new_post, new_provenance, new_reply

from .strategies import records


def _fields(record: Any) -> dict[str, Any]:
    return {f.name: getattr(record, f.name) for f in attrs.fields(type(record))}


def _trusted(record: Record) -> Record:
    """*record* rebuilt through the trusted constructors, author and provenance too."""
    values = _fields(record)
    if record.author is not None:
        values["author"] = new_author(**_fields(record.author))
    if record.provenance is not None:
        values["provenance"] = new_provenance(**_fields(record.provenance))
    return new_post(**values) if isinstance(record, Post) else new_reply(**values)


@given(records)
def test_trusted_constructors_equal_public_ones(record: Record) -> None:
    """new_post / new_reply / new_author / new_provenance give equal records of the class."""
    built = _trusted(record)
    assert type(built) is type(record)
    assert built == record
    assert _fields(built) == _fields(record)
    assert hash(built) == hash(record)
    if record.author is not None:
        assert type(built.author) is Author
    if record.provenance is not None:
        assert type(built.provenance) is Provenance
        assert _fields(built.provenance) == _fields(record.provenance)


def test_trusted_records_are_frozen_and_pickle() -> None:
    """A trusted record refuses assignment like a public one, and survives pickling."""
    author = new_author("a1", "Ann")
    prov = new_provenance("in.json", "ytdlp", None, 3, "0.1")
    reply = new_reply("r1", "p1", author=author, extra={"k": [1]}, provenance=prov)
    post = new_post("p1", Platform.REDDIT, provenance=prov)
    for record in (author, prov, reply, post):
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(record, attrs.fields(type(record))[0].name, "x")
        copy = pickle.loads(pickle.dumps(record))
        assert type(copy) is type(record)
        assert _fields(copy) == _fields(record)
    assert reply.author is author
    assert reply.provenance is prov
