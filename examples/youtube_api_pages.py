"""YouTube Data API pages: read a videos.list page and two commentThreads.list pages as
one corpus, walk the thread and print a summary.

Run with no arguments: ``python examples/youtube_api_pages.py``. The pages are small
invented responses written to a temporary directory; real ones come from
``videos.list(part="snippet,statistics")`` and ``commentThreads.list(part="snippet,replies")``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import tearcorpus

VIDEO = "exAmple0001"
CHANNEL = "UCexampleChannel00000001"


def comment(comment_id: str, text: str, author: str, parent: str | None = None) -> dict[str, Any]:
    """A ``youtube#comment`` resource as the API returns it (abridged)."""
    snippet: dict[str, Any] = {
        "channelId": CHANNEL,
        "videoId": VIDEO,
        "textDisplay": text.replace("&", "&amp;").replace("\n", "<br>"),
        "textOriginal": text,
        "authorDisplayName": f"@{author}",
        "authorChannelUrl": f"http://www.youtube.com/@{author}",
        "authorChannelId": {"value": CHANNEL if author == "QuietRoom" else f"UC{author:0<22}"},
        "likeCount": len(text),
        "publishedAt": "2025-01-05T10:00:00Z",
        "updatedAt": "2025-01-05T10:00:00Z",
    }
    if parent is not None:
        snippet["parentId"] = parent
    return {"kind": "youtube#comment", "id": comment_id, "snippet": snippet}


def thread(top: dict[str, Any], total: int, replies: list[dict[str, Any]]) -> dict[str, Any]:
    """A ``youtube#commentThread``: its top-level comment and up to five replies."""
    return {
        "kind": "youtube#commentThread",
        "id": top["id"],
        "snippet": {
            "channelId": CHANNEL,
            "videoId": VIDEO,
            "topLevelComment": top,
            "totalReplyCount": total,
        },
        "replies": {"comments": replies},
    }


def write_pages(folder: Path) -> list[Path]:
    """Write one videos.list page and two commentThreads.list pages; return their paths."""
    video_page = {
        "kind": "youtube#videoListResponse",
        "items": [
            {
                "kind": "youtube#video",
                "id": VIDEO,
                "snippet": {
                    "publishedAt": "2025-01-04T17:00:00Z",
                    "channelId": CHANNEL,
                    "channelTitle": "Quiet Room",
                    "title": "Is it fine to cry at work?",
                    "description": "Ten minutes on tears at the office.",
                },
                "statistics": {"viewCount": "2048", "likeCount": "190", "commentCount": "4"},
            }
        ],
    }
    first = comment("UgA1", "I cried in a meeting once & nobody minded.", "Fern")
    page_one = {
        "kind": "youtube#commentThreadListResponse",
        "nextPageToken": "PAGE2",
        "items": [
            thread(
                first,
                total=2,
                replies=[comment("UgA1.r1", "Thank you for sharing this.", "QuietRoom", "UgA1")],
            )
        ],
    }
    page_two = {
        "kind": "youtube#commentThreadListResponse",
        "items": [thread(comment("UgB2", "Needed this today.\nThanks.", "Moss"), 0, [])],
    }
    paths = []
    for name, page in [("videos.json", video_page), ("threads-1.json", page_one)]:
        paths.append(folder / name)
        paths[-1].write_text(json.dumps(page, indent=2), encoding="utf-8")
    # Several pages may also share one file: one response a line (JSON lines).
    paths.append(folder / "threads-2.jsonl")
    paths[-1].write_text(json.dumps(page_two) + "\n", encoding="utf-8")
    return paths


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_pages(Path(tmp))
        # Comment pages without their video give placeholder posts; the real post from
        # the videos.list page replaces them, whatever the order of the inputs.
        corpus = tearcorpus.read(paths)

    report = corpus.report
    print(f"read {corpus!r} from {len(report.sources)} pages ({', '.join(report.formats)})")
    notes = report.notes
    print(f"pages {notes['pages']}, replies claimed but not fetched {notes['replies-not-fetched']}")
    for thread_view in corpus.threads():
        post = thread_view.post
        assert post is not None
        print(
            f"{post.title!r} by {post.author.name if post.author else '?'}: {post.view_count} views"
        )
        for reply, depth in thread_view.walk():
            who = reply.author.name if reply.author else "?"
            mark = " (uploader)" if reply.author and reply.author.is_uploader else ""
            print(f"{'  ' * (depth + 1)}- {who}{mark}: {reply.text!r}")
    assert len(corpus.posts) == 1
    assert len(corpus.replies) == 3
    integrity = corpus.integrity()
    assert integrity.ok, integrity
    print("thread integrity: no orphans, duplicates, cycles or missing posts")


if __name__ == "__main__":
    main()
