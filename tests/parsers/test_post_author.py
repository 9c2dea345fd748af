"""One meaning of ``Author.is_uploader`` on posts, in every format (docs/model.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

import tearcorpus

DATA = Path(__file__).parents[1] / "data"


@pytest.mark.parametrize(
    "relative",
    [
        "ytdlp/ytdlp_Xq7Tz0bWc3M.info.json",
        "ytdlp/old_Lm3Np5Qr7TE.info.json",
        "youtube_api/videos.json",
        "reddit/thread.json",
        "reddit/thread_2013.json",
        "pushshift/RS_2024-01.ndjson",
    ],
)
def test_every_post_author_is_the_uploader(relative: str) -> None:
    """Whatever the format, a post whose author is known has author.is_uploader=True."""
    posts = tearcorpus.read(DATA / relative).posts
    authored = [post for post in posts if post.author is not None]
    assert authored, "the fixture has a post with an author"
    assert all(post.author is not None and post.author.is_uploader for post in authored)


@pytest.mark.parametrize(
    "relative",
    [
        "text/weddings.txt",
        "ycd/ycd_Xq7Tz0bWc3M.jsonl",
        "csv_tools/ytdt_videoinfo_Xq7Tz0bWc3M_2024_01_06-12_00_00_comments.csv",
        "csv_tools/ytcomments_comments-Xq7Tz0bWc3M.csv",
    ],
)
def test_formats_without_the_post_author_leave_it_unknown(relative: str) -> None:
    """Text dumps and comment-only exports do not name the post's author: no Author at all."""
    posts = tearcorpus.read(DATA / relative).posts
    assert posts
    assert all(post.author is None for post in posts)
