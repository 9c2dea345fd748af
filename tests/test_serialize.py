"""The one serialised form: the hand-written hot path agrees with cattrs' generated one."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import cattrs
import orjson
from cattrs.gen import make_dict_unstructure_fn, override
from hypothesis import given

from tearcorpus import Platform, Post, Record, Reply
from tearcorpus.model import new_author, new_provenance, new_reply
from tearcorpus.serialize import converter, format_time, to_dict, to_json_line

from .strategies import records


def _generated() -> cattrs.Converter:
    """A converter built the plain way, with cattrs-generated functions for every class."""
    conv = cattrs.Converter()
    conv.register_unstructure_hook(datetime, format_time)
    conv.register_unstructure_hook(Platform, lambda p: p.value)
    for cls in (Post, Reply):
        conv.register_unstructure_hook(
            cls, make_dict_unstructure_fn(cls, conv, extra=override(unstruct_hook=lambda v: v))
        )
    return conv


GENERATED = _generated()


@given(records)
def test_hand_written_unstructure_matches_generated(record: Record) -> None:
    """For any record, the hand-written dict equals cattrs' generated one, key order too."""
    fast: dict[str, Any] = converter.unstructure(record)
    slow: dict[str, Any] = GENERATED.unstructure(record)
    assert fast == slow
    assert list(fast) == list(slow)


def test_every_field_is_serialised() -> None:
    """Adding a field to the model without serialising it fails here."""
    for cls, sample in (
        (Post, Post(id="p", platform="youtube")),
        (Reply, Reply(id="r", post_id="p")),
    ):
        names = [f.name for f in attrs.fields(cls)]
        data = to_dict(sample)
        assert list(data) == ["schema", "kind", *names]


def test_times_keep_microseconds_and_z() -> None:
    """Times are ISO 8601 with Z; microseconds appear only when present."""
    assert format_time(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2024-01-02T03:04:05Z"
    assert format_time(datetime(2024, 1, 2, 3, 4, 5, 60, tzinfo=UTC)) == (
        "2024-01-02T03:04:05.000060Z"
    )
    assert format_time(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00Z"


@given(records)
def test_json_line_is_the_dumped_dict(record: Record) -> None:
    """to_json_line gives exactly orjson.dumps(to_dict(record)) and a newline."""
    assert to_json_line(record) == orjson.dumps(to_dict(record)) + b"\n"


def test_json_line_of_a_zero_offset_zone_other_than_utc() -> None:
    """A trusted reply whose time is in another zero-offset zone still reads ...Z."""
    when = datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(0), "GMT"))
    reply = new_reply(id="r1", post_id="p1", platform=Platform.REDDIT, created_at=when)
    line = to_json_line(reply)
    assert line == orjson.dumps(to_dict(reply)) + b"\n"
    assert b'"created_at":"2024-01-02T03:04:05.000006Z"' in line


def test_json_lines_from_many_threads_at_once() -> None:
    """Reply lines written by several threads at once are each their own record's line."""
    gmt = timezone(timedelta(0), "GMT")  # formatted by a Python call: a thread switch point
    replies = [
        new_reply(
            id=f"r{i}",
            post_id=f"p{i % 7}",
            parent_id=None if i % 3 else f"r{i - 1}",
            platform=Platform.REDDIT,
            text="x" * (i % 50),
            author=new_author(f"a{i}", f"name{i}") if i % 2 else None,
            created_at=datetime(2024, 1, 1, tzinfo=UTC if i % 2 else gmt) + timedelta(seconds=i),
            like_count=i,
            extra={"n": i, "tags": [i, str(i)]},
            provenance=new_provenance(f"in{i % 4}.ndjson", "pushshift", i + 1),
        )
        for i in range(400)
    ]
    expected = [orjson.dumps(to_dict(reply)) + b"\n" for reply in replies]

    def write(offset: int) -> list[bytes]:
        order = replies[offset:] + replies[:offset]
        return [to_json_line(reply) for _ in range(20) for reply in order]

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, mid-line too
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(write, (0, 100, 200, 300)))
    finally:
        sys.setswitchinterval(interval)
    for offset, lines in zip((0, 100, 200, 300), results, strict=True):
        assert lines == (expected[offset:] + expected[:offset]) * 20
