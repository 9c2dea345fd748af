"""Read a yt-dlp info.json and a youtube-comment-downloader dump of the same video.

Writes two small dumps to a temporary folder, reads them into one corpus with
:func:`tearcorpus.read` (formats are detected from content), and prints what it found.
Run it with no arguments: ``python examples/youtube_dumps.py``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import tearcorpus

VIDEO = "Xq7Tz0bWc3M"

#: What ``yt-dlp --write-info-json --write-comments`` writes (trimmed).
INFO_JSON = {
    "id": VIDEO,
    "title": "Why do sad songs feel good?",
    "description": "A short talk about music and tears.",
    "channel_id": "UCmusicmusicmusicmusic00",
    "channel": "Music & Mind",
    "timestamp": 1709650800,
    "webpage_url": f"https://www.youtube.com/watch?v={VIDEO}",
    "view_count": 15230,
    "comment_count": None,
    "extractor": "youtube",
    "_type": "video",
    "comments": [
        {
            "id": "UgxAlpha",
            "parent": "root",
            "text": "I cry at the same chord every time.",
            "author": "@chordcrier",
            "author_id": "UCviewerA",
            "timestamp": 1730700000,
            "_time_text": "2 weeks ago",
            "like_count": 12,
        },
        {
            "id": "UgxAlpha.reply1",
            "parent": "UgxAlpha",
            "text": "The minor sixth does that.",
            "author": "@listener",
            "author_id": "UCviewerB",
            "timestamp": 1731300000,
            "_time_text": "1 week ago (edited)",
        },
    ],
}

#: What ``youtube-comment-downloader --youtubeid VIDEO --output FILE`` writes (JSON lines).
YCD_LINES = [
    {
        "cid": "UgwFirst",
        "text": "This song got me through a hard winter.",
        "time": "3 days ago",
        "author": "@tearful-tom",
        "channel": "UCtom",
        "votes": "1.2K",
        "replies": "1",
        "heart": True,
        "reply": False,
        "time_parsed": 1731700000.0,
    },
    {
        "cid": "UgwFirst.r1",
        "text": "Sending a hug.",
        "time": "2 days ago",
        "author": "@hug-sender",
        "channel": "UChug",
        "votes": "",
        "replies": "",
        "heart": False,
        "reply": True,
        "time_parsed": 1731800000.0,
    },
]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        info = Path(tmp) / f"{VIDEO}.info.json"
        info.write_text(json.dumps(INFO_JSON), "utf-8")
        ycd = Path(tmp) / f"ycd_{VIDEO}.jsonl"  # the file name gives the video id
        ycd.write_text("".join(json.dumps(line) + "\n" for line in YCD_LINES), "utf-8")

        corpus = tearcorpus.read([info, ycd])

    report = corpus.report
    print(f"formats: {', '.join(report.formats)}")
    print(
        f"read {report.read}: posts {report.posts}, replies {report.replies}, rejected {report.rejected}"
    )
    # Both dumps name the video: the ycd dump only as a placeholder Post (no title), which
    # the corpus merges into yt-dlp's real Post, so one thread holds every reply.
    print(f"corpus: {len(corpus.posts)} post, {len(corpus.replies)} replies")
    for post in corpus.posts:
        placeholder = " (placeholder)" if post.extra.get("placeholder") else ""
        print(f"post {post.id}{placeholder}: {post.title or '-'}")
    for reply in corpus.replies:
        when = reply.created_at.date().isoformat() if reply.created_at else "?"
        estimated = "~" if reply.created_at_estimated else ""
        indent = "  " * (reply.depth or 0)
        print(f"  {indent}[{estimated}{when}] likes={reply.like_count} {reply.text}")


if __name__ == "__main__":
    main()
