"""Hypothesis strategies for records: arbitrary text, missing optional fields, extras."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import strategies as st

from tearcorpus import Author, JsonValue, Platform, Post, Provenance, Reply, TimePrecision

#: Any unicode a dump can hold, control characters and lone newlines/CRs included
#: (surrogates excluded: they cannot be encoded as UTF-8).
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=200)
long_text = st.text(st.characters(exclude_categories=["Cs"]), min_size=1000, max_size=4000)
texts = st.one_of(any_text, long_text) | st.sampled_from(
    ["", "\n", "\r\n", '"quoted"', "a,b;c", "=1+2", "👩‍👩‍👧‍👦 مرحبا", "\x00\x1f\x7f"]
)
optional_text = st.none() | any_text
ids = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40)
counts = st.none() | st.integers(min_value=0, max_value=2**53)

times = st.none() | st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)

json_scalars: st.SearchStrategy[JsonValue] = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | any_text
)
json_values: st.SearchStrategy[JsonValue] = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)
extras = st.dictionaries(any_text, json_values, max_size=5)

authors = st.none() | st.builds(
    Author,
    id=optional_text,
    name=optional_text,
    url=optional_text,
    is_uploader=st.booleans(),
    is_verified=st.booleans(),
)

provenances = st.none() | st.builds(
    Provenance,
    source=any_text,
    format=st.sampled_from(["text", "jsonl", "ytdlp", "reddit"]),
    line=st.none() | st.integers(min_value=1, max_value=10**9),
    index=st.none() | st.integers(min_value=0, max_value=10**9),
    parser_version=st.just("0.1.0"),
    transforms=st.lists(any_text, max_size=3).map(tuple),
)

platforms = st.sampled_from(list(Platform))
precisions = st.none() | st.sampled_from(list(TimePrecision))

posts = st.builds(
    Post,
    id=ids,
    platform=platforms,
    title=optional_text,
    text=texts,
    author=authors,
    created_at=times,
    created_at_estimated=st.booleans(),
    created_at_precision=precisions,
    url=optional_text,
    like_count=counts,
    view_count=counts,
    comment_count=counts,
    is_edited=st.booleans(),
    is_deleted=st.booleans(),
    is_removed=st.booleans(),
    extra=extras,
    provenance=provenances,
)

replies = st.builds(
    Reply,
    id=ids,
    post_id=ids,
    parent_id=st.none() | ids,
    platform=platforms,
    text=texts,
    author=authors,
    created_at=times,
    created_at_estimated=st.booleans(),
    created_at_precision=precisions,
    like_count=counts,
    reply_count=counts,
    depth=st.none() | st.integers(min_value=0, max_value=500),
    is_pinned=st.booleans(),
    is_hearted=st.booleans(),
    is_edited=st.booleans(),
    is_deleted=st.booleans(),
    is_removed=st.booleans(),
    extra=extras,
    provenance=provenances,
)

records = st.one_of(posts, replies)
