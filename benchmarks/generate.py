"""Deterministic synthetic dumps for the benchmark suite.

Every generator takes a seed and a count and writes the same bytes on every run, so two
measurements of the same size read the same input. The text is invented here (word lists
below); the shapes follow the real formats: Pushshift monthly RC/RS lines with their ~40
keys, and a yt-dlp ``info.json`` with a flat ``comments`` list.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson

#: Bump when the generated shape changes, so cached inputs are rebuilt.
GENERATOR_VERSION = 1

_WORDS = [
    "the",
    "a",
    "this",
    "that",
    "it",
    "is",
    "was",
    "really",
    "just",
    "very",
    "so",
    "not",
    "my",
    "your",
    "we",
    "they",
    "think",
    "know",
    "video",
    "thread",
    "post",
    "comment",
    "reply",
    "answer",
    "question",
    "point",
    "idea",
    "reason",
    "time",
    "year",
    "day",
    "people",
    "friend",
    "music",
    "song",
    "part",
    "bit",
    "lot",
    "thing",
    "way",
    "good",
    "great",
    "bad",
    "sad",
    "happy",
    "funny",
    "crying",
    "laughing",
    "listening",
    "watching",
    "reading",
    "remember",
    "feel",
    "felt",
    "love",
    "miss",
    "wish",
    "hope",
    "because",
    "although",
    "when",
    "where",
    "why",
    "how",
    "maybe",
    "probably",
    "definitely",
    "honestly",
    "actually",
    "again",
    "still",
    "already",
    "never",
    "always",
    "sometimes",
    "today",
    "yesterday",
    "tomorrow",
    "here",
    "there",
]
_EXTRAS = (
    "&amp;",
    "&lt;3",
    "café",
    "naïve",
    "😂",
    "🎉",
    "👍",
    "❤️",
    "日本語",
    "Ünïcödé",
    "—",
    "“quoted”",
    "[link](https://example.org/page)",
    "r/example",
)
_SUBREDDITS = ("example", "benchmarks", "music", "askexample", "pics_example", "mildlyexample")


def _b36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, rem = divmod(value, 36)
        out = digits[rem] + out
        if value == 0:
            return out


def _text(rng: random.Random, *, quote: bool) -> str:
    words = rng.choices(_WORDS, k=rng.randint(3, 60))
    for _ in range(rng.randint(0, 3)):
        words.insert(rng.randrange(len(words) + 1), rng.choice(_EXTRAS))
    body = " ".join(words).capitalize() + rng.choice((".", "!", "?", "..."))
    if rng.random() < 0.2:
        body += "\n\n" + " ".join(rng.choices(_WORDS, k=rng.randint(3, 25)))
    if quote:
        body = "&gt; " + " ".join(rng.choices(_WORDS, k=rng.randint(3, 12))) + "\n\n" + body
    return body


def submission_count(n: int) -> int:
    """Submissions that go with ``n`` comments: one per fifty, at least one."""
    return max(1, n // 50)


def write_pushshift(rc_path: Path, rs_path: Path, n: int, seed: int = 0) -> None:
    """Write ``n`` RC comment lines and their ``n // 50`` RS submission lines."""
    rng = random.Random(seed)
    n_subs = submission_count(n)
    base_time = 1_600_000_000
    subs: list[tuple[str, str, str]] = []  # (id, subreddit, subreddit_id)
    with rs_path.open("wb") as rs:
        for k in range(n_subs):
            sid = _b36(0x1D5AAA00 + k)
            sub = rng.choice(_SUBREDDITS)
            sub_id = "t5_" + _b36(4_000_000 + _SUBREDDITS.index(sub))
            created: int | str = base_time + k * 600
            if rng.random() < 0.1:
                created = str(created)
            slug = "_".join(rng.choices(_WORDS, k=4))
            op = rng.randrange(n // 5 + 10)
            record: dict[str, Any] = {
                "author": f"bench_user_{op}",
                "author_fullname": f"t2_{_b36(1_000_000 + op)}",
                "created_utc": created,
                "distinguished": None,
                "domain": "self." + sub,
                "edited": False,
                "id": sid,
                "is_self": True,
                "link_flair_text": rng.choice((None, "Question", "Discussion")),
                "locked": False,
                "name": "t3_" + sid,
                "num_comments": 50,
                "over_18": False,
                "permalink": f"/r/{sub}/comments/{sid}/{slug}/",
                "retrieved_on": base_time + k * 600 + 3600,
                "score": rng.randint(0, 5000),
                "selftext": _text(rng, quote=False),
                "spoiler": False,
                "stickied": False,
                "subreddit": sub,
                "subreddit_id": sub_id,
                "title": _text(rng, quote=False)[:120],
                "upvote_ratio": round(rng.uniform(0.5, 1.0), 2),
                "url": f"https://www.reddit.com/r/{sub}/comments/{sid}/{slug}/",
            }
            rs.write(orjson.dumps(record) + b"\n")
            subs.append((sid, sub, sub_id))

    thread_comments: list[list[str]] = [[] for _ in range(n_subs)]
    with rc_path.open("wb") as rc:
        for i in range(n):
            k = rng.randrange(n_subs)
            sid, sub, sub_id = subs[k]
            cid = _b36(0x7AAAAA00 + i)
            earlier = thread_comments[k]
            parent = "t1_" + rng.choice(earlier) if earlier and rng.random() < 0.6 else "t3_" + sid
            earlier.append(cid)
            deleted = rng.random() < 0.04
            removed = not deleted and rng.random() < 0.03
            user = rng.randrange(n // 5 + 10)
            author = "[deleted]" if deleted or removed else f"bench_user_{user}"
            created_at: int | str = base_time + i * 3
            if rng.random() < 0.1:
                created_at = str(created_at)
            edited: bool | int = False
            if rng.random() < 0.05:
                edited = base_time + i * 3 + rng.randint(60, 86_400)
            score = rng.randint(-20, 500)
            comment: dict[str, Any] = {
                "all_awardings": [],
                "archived": False,
                "associated_award": None,
                "author": author,
                "author_created_utc": None if deleted or removed else base_time - user * 1000,
                "author_flair_background_color": None,
                "author_flair_css_class": None,
                "author_flair_richtext": [],
                "author_flair_template_id": None,
                "author_flair_text": rng.choice((None, None, None, "Flair text")),
                "author_flair_text_color": None,
                "author_flair_type": "text",
                "author_fullname": None if deleted or removed else f"t2_{_b36(1_000_000 + user)}",
                "author_patreon_flair": False,
                "author_premium": rng.random() < 0.1,
                "awarders": [],
                "body": "[deleted]"
                if deleted
                else "[removed]"
                if removed
                else _text(rng, quote=rng.random() < 0.1),
                "can_gild": True,
                "can_mod_post": False,
                "collapsed": removed,
                "collapsed_reason": None,
                "controversiality": int(rng.random() < 0.05),
                "created_utc": created_at,
                "distinguished": "moderator" if rng.random() < 0.005 else None,
                "edited": edited,
                "gilded": int(rng.random() < 0.002),
                "gildings": {},
                "id": cid,
                "is_submitter": rng.random() < 0.05,
                "link_id": "t3_" + sid,
                "locked": False,
                "no_follow": score < 2,
                "parent_id": parent,
                "permalink": f"/r/{sub}/comments/{sid}/_/{cid}/",
                "retrieved_on": base_time + i * 3 + 40,
                "score": score,
                "send_replies": True,
                "stickied": False,
                "subreddit": sub,
                "subreddit_id": sub_id,
                "subreddit_name_prefixed": "r/" + sub,
                "subreddit_type": "public",
                "top_awarded_type": None,
                "total_awards_received": 0,
                "treatment_tags": [],
            }
            rc.write(orjson.dumps(comment) + b"\n")


def _yt_id(rng: random.Random, prefix: str = "Ugx") -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return prefix + "".join(rng.choices(alphabet, k=19)) + "4AaABAg"


_AGO = (
    "1 second ago",
    "5 minutes ago",
    "3 hours ago",
    "2 days ago",
    "1 week ago",
    "4 months ago",
    "2 years ago",
)


def write_ytdlp(path: Path, n: int, seed: int = 0) -> None:
    """Write a yt-dlp ``info.json`` holding ``n`` comments (top-level and replies)."""
    rng = random.Random(seed)
    video_ts = 1_349_198_244
    comments: list[dict[str, Any]] = []
    roots: list[str] = []
    for i in range(n):
        if not roots or rng.random() < 0.45:
            cid = _yt_id(rng, rng.choice(("Ugx", "Ugz", "Ugw")))
            parent = "root"
            roots.append(cid)
        else:
            root = rng.choice(roots[-200:])
            cid = root + "." + "9z" + "".join(rng.choices("abcdefghijklmnop0123456789", k=20))
            parent = root
        handle = f"@BenchViewer-{rng.randrange(n // 3 + 10)}"
        channel = "UC" + "".join(
            rng.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", k=22)
        )
        ago = rng.choice(_AGO)
        if rng.random() < 0.05:
            ago += " (edited)"
        comments.append(
            {
                "id": cid,
                "parent": parent,
                "text": _text(rng, quote=False).replace("&amp;", "&").replace("&lt;", "<"),
                "like_count": rng.choice((0, 0, 1, 3, 12, 150, 1200)),
                "author_id": channel,
                "author": handle,
                "author_thumbnail": f"https://yt3.ggpht.com/ytc/AIdro_{channel[-8:]}=s88-c-k-c0x00ffffff-no-rj",
                "author_is_uploader": i == 0,
                "author_is_verified": rng.random() < 0.01,
                "author_url": f"https://www.youtube.com/{handle}",
                "is_favorited": rng.random() < 0.02,
                "_time_text": ago,
                "timestamp": video_ts + 86_400 + i * 7,
                "is_pinned": i == 0,
            }
        )
    info: dict[str, Any] = {
        "id": "BenchVid001",
        "title": "Benchmark video “synthetic” ↭",
        "description": "An invented video description for the benchmark suite.\nSecond line.",
        "channel_id": "UCbenchmarkchannel000000",
        "channel": "Benchmark Channel",
        "channel_url": "https://www.youtube.com/channel/UCbenchmarkchannel000000",
        "uploader": "Benchmark Channel",
        "uploader_id": "@BenchmarkChannel",
        "uploader_url": "https://www.youtube.com/@BenchmarkChannel",
        "duration": 213,
        "view_count": 1_000_000,
        "like_count": 40_000,
        "comment_count": n,
        "age_limit": 0,
        "categories": ["Music"],
        "tags": ["benchmark", "synthetic"],
        "timestamp": video_ts,
        "upload_date": "20121002",
        "webpage_url": "https://www.youtube.com/watch?v=BenchVid001",
        "extractor": "youtube",
        "extractor_key": "Youtube",
        "display_id": "BenchVid001",
        "fulltitle": "Benchmark video “synthetic” ↭",
        "live_status": "not_live",
        "availability": "public",
        "_type": "video",
        "comments": comments,
    }
    path.write_bytes(orjson.dumps(info))


def ensure_inputs(data_dir: Path, n: int, seed: int = 0) -> dict[str, list[Path]]:
    """Generate (or reuse) the inputs for size ``n``: ``{"pushshift": [rc, rs], "ytdlp": [info]}``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    tag = f"v{GENERATOR_VERSION}_s{seed}_n{n}"
    rc = data_dir / f"RC_{tag}.ndjson"
    rs = data_dir / f"RS_{tag}.ndjson"
    yt = data_dir / f"ytdlp_{tag}.info.json"
    if not (rc.exists() and rs.exists()):
        tmp_rc, tmp_rs = rc.with_suffix(".part"), rs.with_suffix(".part2")
        write_pushshift(tmp_rc, tmp_rs, n, seed)
        tmp_rs.replace(rs)
        tmp_rc.replace(rc)
    if not yt.exists():
        tmp_yt = yt.with_suffix(".part")
        write_ytdlp(tmp_yt, n, seed)
        tmp_yt.replace(yt)
    return {"pushshift": [rc, rs], "ytdlp": [yt]}


if __name__ == "__main__":
    import sys

    ensure_inputs(Path(sys.argv[1]), int(sys.argv[2]))
