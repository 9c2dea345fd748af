"""Hypothesis strategies for records: arbitrary text, missing optional fields, extras."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

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


# -- whole threads spread over overlapping inputs ------------------------------------------

small_texts = st.sampled_from(["", "same", "changed", "a longer text, with a comma", "é ✓ 😢"])
small_counts = st.none() | st.integers(min_value=0, max_value=50)
small_times = st.none() | st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2020, 1, 9), timezones=st.just(UTC)
)


@st.composite
def threads(draw: st.DrawFn, index: int) -> list[Post | Reply]:
    """A post (maybe a placeholder, maybe missing) and a reply tree under it."""
    post_id = f"p{index}"
    out: list[Post | Reply] = []
    kind = draw(st.sampled_from(["real", "placeholder", "none"]))
    if kind != "none":
        placeholder = kind == "placeholder"
        out.append(
            Post(
                id=post_id,
                platform=Platform.YOUTUBE,
                title=None if placeholder else draw(optional_text),
                text="" if placeholder else draw(small_texts),
                created_at=None if placeholder else draw(small_times),
                like_count=None if placeholder else draw(small_counts),
                extra={"placeholder": True} if placeholder else {},
            )
        )
    reply_ids: list[str] = []
    for number in range(draw(st.integers(min_value=0, max_value=5))):
        reply_id = f"r{index}.{number}"
        parent = draw(st.sampled_from([None, *reply_ids])) if reply_ids else None
        out.append(
            Reply(
                id=reply_id,
                post_id=post_id,
                parent_id=parent,
                platform=Platform.YOUTUBE,
                text=draw(small_texts),
                created_at=draw(small_times),
                created_at_estimated=draw(st.booleans()),
                like_count=draw(small_counts),
            )
        )
        reply_ids.append(reply_id)
    return out


@st.composite
def observation(draw: st.DrawFn, record: Post | Reply) -> Post | Reply:
    """*record* as another scrape saw it: maybe a placeholder of its post, maybe with
    another text, other counts, another time."""
    import attrs

    if isinstance(record, Post) and draw(st.booleans()):
        return Post(id=record.id, platform=record.platform, extra={"placeholder": True})
    changes: dict[str, Any] = {}
    if draw(st.booleans()):
        changes["text"] = draw(small_texts)
    if draw(st.booleans()):
        changes["like_count"] = draw(small_counts)
    if draw(st.booleans()):
        changes["created_at"] = draw(small_times)
    if draw(st.booleans()):
        changes["extra"] = {"retrieved_on": draw(st.integers(1_600_000_000, 1_600_000_100))}
    return attrs.evolve(record, **changes)


@st.composite
def overlapping_inputs(draw: st.DrawFn) -> list[list[Post | Reply]]:
    """Two to four inputs drawn from a few threads: records repeated across and within
    inputs (other observations of the same ids), reordered, a placeholder in one input
    and the real post in another."""
    pool: list[Post | Reply] = []
    for index in range(draw(st.integers(min_value=1, max_value=3))):
        pool.extend(draw(threads(index)))
    inputs: list[list[Post | Reply]] = []
    for _ in range(draw(st.integers(min_value=2, max_value=4))):
        chosen = draw(st.lists(st.sampled_from(pool), max_size=12)) if pool else []
        seen = [draw(observation(record)) for record in chosen]
        inputs.append(draw(st.permutations(seen)) if seen else [])
    if not any(inputs) and pool:
        inputs[0] = [pool[0]]
    return [records for records in inputs if records] or [[Post(id="p9", platform="youtube")]]
