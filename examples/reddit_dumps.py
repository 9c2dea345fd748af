"""Pushshift / Arctic Shift dumps: read a submissions month (RS) and a comments month (RC),
both ``.zst``-compressed, as one corpus; walk a thread and print counts.

Run with no arguments: ``python examples/reddit_dumps.py`` (needs ``zstandard``:
``pip install 'tearcorpus[zstd]'``). The two files are small invented months written to a
temporary directory; real ones are ``RS_YYYY-MM.zst`` / ``RC_YYYY-MM.zst``, read the
same way and streamed in bounded memory.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import orjson
import zstandard

import tearcorpus

SUBMISSIONS: list[dict[str, Any]] = [
    {
        "id": "1exaaa1",
        "name": "t3_1exaaa1",
        "author": "steeper",
        "title": "Why does tea go bitter &amp; how long do you steep?",
        "selftext": "Mine tastes harsh after 5 minutes &lt;3",
        "created_utc": "1706745600",
        "num_comments": 3,
        "score": 21,
        "permalink": "/r/TeaTime/comments/1exaaa1/why_bitter/",
        "subreddit": "TeaTime",
    },
]
COMMENTS: list[dict[str, Any]] = [
    {
        "id": "kex0001",
        "link_id": "t3_1exaaa1",
        "parent_id": "t3_1exaaa1",
        "author": "leafy",
        "body": "&gt; after 5 minutes\n\nTry 3 minutes and cooler water.",
        "created_utc": 1706746000,
        "score": 9,
        "subreddit": "TeaTime",
    },
    {
        "id": "kex0002",
        "link_id": "t3_1exaaa1",
        "parent_id": "t1_kex0001",
        "author": "steeper",
        "is_submitter": True,
        "body": "That fixed it, thanks!",
        "created_utc": 1706747000.0,
        "edited": 1706748000,
        "score": 4,
        "subreddit": "TeaTime",
    },
    {
        "id": "kex0003",
        "link_id": "t3_1exaaa1",
        "parent_id": "t1_kex0001",
        "author": "[deleted]",
        "body": "[removed]",
        "created_utc": 1706747500,
        "score": 1,
        "subreddit": "TeaTime",
    },
    {
        "id": "kex0004",
        "link_id": "t3_1exzzz9",
        "parent_id": "t3_1exzzz9",
        "author": "elsewhere",
        "body": "A comment on a submission from another month.",
        "created_utc": 1706749000,
        "score": 2,
        "subreddit": "TeaTime",
    },
]


def write_month(path: Path, things: list[dict[str, Any]]) -> None:
    """One JSON object a line, zstd-compressed, like a Pushshift monthly file."""
    lines = b"".join(orjson.dumps(thing) + b"\n" for thing in things)
    path.write_bytes(zstandard.ZstdCompressor(level=10).compress(lines))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rs = Path(tmp) / "RS_2024-02.zst"
        rc = Path(tmp) / "RC_2024-02.zst"
        write_month(rs, SUBMISSIONS)
        write_month(rc, COMMENTS)
        corpus = tearcorpus.read([rs, rc])

    report = corpus.report
    print(f"formats {report.formats}: {report.posts} posts, {report.replies} replies")
    print(f"read {report.read}, rejected {report.rejected}")

    for thread in corpus.threads():
        if thread.post is None:
            print(f"thread {thread.post_id} (submission not in the input): {len(thread)} replies")
            continue
        print(f"thread {thread.post.title!r}: {len(thread)} replies")
        for reply, depth in thread.walk():
            flags = [
                name
                for name, on in (
                    ("OP", reply.author is not None and reply.author.is_uploader),
                    ("edited", reply.is_edited),
                    ("removed", reply.is_removed),
                )
                if on
            ]
            note = f" [{', '.join(flags)}]" if flags else ""
            first_line = reply.text.partition("\n")[0]
            print(f"{'  ' * (depth + 1)}- {first_line[:50]!r}{note}")

    integrity = corpus.integrity()
    print(f"posts missing from the input: {list(integrity.missing_posts)}")


if __name__ == "__main__":
    main()
