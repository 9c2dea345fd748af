"""The trusted constructors build the same frozen records as the public ones."""

from __future__ import annotations

import inspect
import pickle
from collections.abc import Callable
from typing import Any

import attrs
import orjson
import pytest
from hypothesis import given

from tearcorpus import Author, Platform, Post, Provenance, Record, Reply, model, to_dict
from tearcorpus.model import DOC, maker, new_author, new_post, new_provenance, new_reply
from tearcorpus.schema import TABLES, columns_of
from tearcorpus.serialize import to_json_line

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
    reply = new_reply(id="r1", post_id="p1", author=author, extra={"k": [1]}, provenance=prov)
    post = new_post(id="p1", platform=Platform.REDDIT, provenance=prov)
    for record in (author, prov, reply, post):
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(record, attrs.fields(type(record))[0].name, "x")
        copy = pickle.loads(pickle.dumps(record))
        assert type(copy) is type(record)
        assert _fields(copy) == _fields(record)
    assert reply.author is author
    assert reply.provenance is prov


@attrs.frozen(weakref_slot=False)
class _MoodReply(Reply):
    """A Reply with one field more, added the way the model's docs say."""

    mood: str | None = attrs.field(default=None, metadata={DOC: "the mood a rater gave it"})


@pytest.mark.parametrize("cls", [Author, Provenance, Post, Reply])
def test_derived_forms_follow_the_fields(cls: type) -> None:
    """The trusted constructor's parameters, its pickled values and (for records) the
    serialised keys, the JSON line's keys and the table's columns with their docs are
    the class's fields, in field order: adding a field is one edit in the model."""
    names = [f.name for f in attrs.fields(cls)]
    makers: dict[type, Callable[..., Any]] = {
        Author: new_author,
        Provenance: new_provenance,
        Post: new_post,
        Reply: new_reply,
    }
    make = makers[cls]
    assert list(inspect.signature(make).parameters) == names
    required = {
        n: "x" for n, f in zip(names, attrs.fields(cls), strict=True) if f.default is attrs.NOTHING
    }
    if "platform" in required:
        required["platform"] = Platform.REDDIT
    made = make(**required)
    assert made == cls(**required)
    assert list(made.__reduce__()[1]) == [getattr(made, n) for n in names]
    if cls in (Post, Reply):
        assert list(to_dict(made))[2:] == names
        assert list(orjson.loads(to_json_line(made)))[2:] == names
        table = TABLES["posts" if cls is Post else "replies"]
        assert [(c.name, c.doc) for c in table] == [
            (f.name, f.metadata[DOC]) for f in attrs.fields(cls)
        ]


def test_a_field_added_in_a_subclass_reaches_the_derived_forms() -> None:
    """A record class with a field more gets a column for it (typed and described from the
    field) and a trusted maker that sets it, without any other list to edit."""
    column = columns_of(_MoodReply)[-1]
    assert (column.name, column.type, column.nullable) == ("mood", "string", True)
    assert column.doc == "the mood a rater gave it"
    assert columns_of(_MoodReply)[:-1] == columns_of(Reply)
    make = maker(_MoodReply, "id", "post_id", "mood", platform=Platform.YOUTUBE)
    built = make("c1", "p1", "sad")
    assert type(built) is _MoodReply
    assert built == _MoodReply(id="c1", post_id="p1", mood="sad", platform="youtube")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        built.mood = "glad"  # type: ignore[misc]
    with pytest.raises(TypeError, match="no field"):
        maker(Reply, "id", "feeling")


@attrs.frozen(kw_only=True, weakref_slot=False, field_transformer=model._in_order)
class _Note(model._Shared):
    """A third record class on the shared fields, its own placed among them as the docs say."""

    topic: str = attrs.field(default="", metadata={DOC: "topic", model._AFTER: "platform"})
    score: int = attrs.field(default=0, metadata={DOC: "score"})
    rank: int = attrs.field(default=0, metadata={DOC: "rank", model._AFTER: "like_count"})


def test_shared_fields_are_declared_once_and_each_class_places_its_own() -> None:
    """A class on the shared base has every shared field, in the base's order, with its
    own fields after the shared field they name or the own field above them; Post and
    Reply share the base's fields in its order (Reply's platform declared again, with a
    default), and a class that does not say where its first field goes is refused."""
    shared = [f.name for f in attrs.fields(model._Shared)]
    names = [f.name for f in attrs.fields(_Note)]
    assert names == [
        *shared[: shared.index("platform") + 1],
        "topic",
        "score",
        *shared[shared.index("platform") + 1 : shared.index("like_count") + 1],
        "rank",
        *shared[shared.index("like_count") + 1 :],
    ]
    for cls in (Post, Reply):
        assert [f.name for f in attrs.fields(cls) if f.name in shared] == shared
        for f in attrs.fields(cls):
            if f.name in shared and f.name != "platform":
                assert f == getattr(attrs.fields(model._Shared), f.name)
    note = _Note(id="n1", platform="reddit", score=2)
    assert (note.platform, note.topic, note.score) == (Platform.REDDIT, "", 2)
    with pytest.raises(TypeError, match="name the shared field it follows"):

        @attrs.frozen(kw_only=True, weakref_slot=False, field_transformer=model._in_order)
        class _Lost(model._Shared):
            where: str = attrs.field(default="")


def test_record_constructors_take_positions_at_run_time() -> None:
    """Type checkers see keyword-only constructors; at run time the arguments may still be
    given by position, in field order, as before the shared fields had a base class."""
    make_reply: Callable[..., Reply] = Reply
    make_post: Callable[..., Post] = Post
    assert make_reply("c1", "p1", None, "reddit", "hi") == Reply(
        id="c1", post_id="p1", platform="reddit", text="hi"
    )
    assert make_post("v1", "youtube", "T", "body") == Post(
        id="v1", platform="youtube", title="T", text="body"
    )
