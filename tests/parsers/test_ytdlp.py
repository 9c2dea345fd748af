"""The yt-dlp .info.json parser."""

from __future__ import annotations

import contextlib
import gzip
import itertools
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tearcorpus
from tearcorpus import ParseError, Post, Reply, TearcorpusError
from tearcorpus._io import map_plain
from tearcorpus._read import load_json
from tearcorpus.model import JsonValue
from tearcorpus.parsers import ParseContext, _ytdlp_document, detect_format, ytdlp
from tearcorpus.parsers._times import TimeReader
from tearcorpus.serialize import format_time

from ..conftest import SHARED_SAMPLES, with_samples

DATA = Path(__file__).parents[1] / "data" / "ytdlp"
NEW = DATA / "ytdlp_Xq7Tz0bWc3M.info.json"
OLD = DATA / "old_Lm3Np5Qr7TE.info.json"
#: A scrape time for the tests that build replies one by one.
_ANCHOR = datetime(2024, 1, 6, 12, tzinfo=UTC)


SAMPLE = SHARED_SAMPLES / "ytdlp" / "ytdlp_BaW_jenozKc.info.json"
#: Our own yt-dlp file and the shared sample (when beside the clone): (path, replies,
#: rejected, a reply id's tail and its depth).
FILES = with_samples(
    [(DATA / "ytdlp_Xq7Tz0bWc3M.info.json", 5, 1, None, None)],
    [(SAMPLE, 6, 0, "9zReply3hhhhhhh", 2)],
)

P = "UgxPinnedpppppppppppp4AaABAg"
A = "UgxAlphaaaaaaaaaaaaaa4AaABAg"
B = A + ".A1replyBBBBBBB"
C = A + ".A2replyCCCCCCC"
D = "UgyDeltadddddddddddddd4AaABAg"


def _by_id(corpus: tearcorpus.Corpus) -> dict[str, Reply]:
    return {r.id: r for r in corpus.replies}


def _ts(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def test_video_becomes_the_post() -> None:
    """Video fields map to Post slots; the exact timestamp wins over upload_date."""
    (post,) = tearcorpus.read(NEW).posts
    assert post.id == "Xq7Tz0bWc3M"
    assert post.platform is tearcorpus.Platform.YOUTUBE
    assert post.title == "Why do sad songs feel good?"
    assert post.text == "A short talk about music and tears.\n\nSources in the comments."
    assert post.author == tearcorpus.Author(
        id="UCmusicmusicmusicmusic00",
        name="Music & Mind",
        url="https://www.youtube.com/channel/UCmusicmusicmusicmusic00",
        is_uploader=True,
        is_verified=True,
    )
    assert post.created_at == datetime(2024, 3, 5, 15, 0, tzinfo=UTC)
    assert post.created_at_estimated is False
    assert post.created_at_precision is tearcorpus.TimePrecision.EXACT
    assert post.url == "https://www.youtube.com/watch?v=Xq7Tz0bWc3M"
    assert (post.view_count, post.like_count, post.comment_count) == (15230, 812, None)


def test_every_other_top_level_key_goes_to_extra() -> None:
    """Keys with no slot (and slot fallbacks not used) are kept in extra; comments are not."""
    (post,) = tearcorpus.read(NEW).posts
    assert set(post.extra) == {
        "formats",
        "thumbnail",
        "duration",
        "tags",
        "uploader",
        "uploader_id",
        "uploader_url",
        "upload_date",
        "extractor",
        "extractor_key",
        "display_id",
        "fulltitle",
        "epoch",
        "_type",
        "_version",
    }
    assert post.extra["tags"] == ["music", "emotion"]
    assert post.extra["upload_date"] == "20240305"
    assert post.extra["formats"] == [
        {
            "format_id": "18",
            "ext": "mp4",
            "vcodec": "avc1.42001E",
            "acodec": "mp4a.40.2",
            "url": "https://media.example.invalid/v/18",
        }
    ]


def test_new_key_set_comment_fields() -> None:
    """A new-style comment maps author, flags, counts, estimated time and time text."""
    replies = _by_id(tearcorpus.read(NEW))
    alpha = replies[A]
    assert alpha.text == "I cry at the same chord every time.\nNo idea why."
    assert alpha.post_id == "Xq7Tz0bWc3M"
    assert alpha.parent_id is None
    assert alpha.platform is tearcorpus.Platform.YOUTUBE
    assert alpha.author == tearcorpus.Author(
        id="UCviewerAAAAAAAAAAAAAAAA",
        name="@chordcrier",
        url="https://www.youtube.com/@chordcrier",
    )
    assert alpha.like_count == 1200
    assert alpha.created_at == _ts(1730700000)
    assert alpha.created_at_estimated is True
    assert (alpha.is_hearted, alpha.is_pinned, alpha.is_edited) == (True, False, False)
    assert alpha.extra == {
        "author_thumbnail": "https://img.example.invalid/UCviewerAAAAAAAAAAAAAAAA.jpg",
        "time_text": "2 weeks ago",
    }
    pinned = replies[P]
    assert (pinned.is_pinned, pinned.is_edited, pinned.like_count) == (True, True, 40)
    assert pinned.author is not None
    assert pinned.author.is_uploader is True
    assert pinned.extra["time_text"] == "3 weeks ago (edited)"
    delta = replies[D]
    assert delta.like_count is None  # the key is missing
    assert delta.author is not None
    assert delta.author.is_verified is True


def test_reply_chain_depths_in_any_order() -> None:
    """Depth follows the parent chain even when a reply precedes its parent."""
    corpus = tearcorpus.read(NEW)
    assert [r.id for r in corpus.replies] == [P, A, C, B, D]
    replies = _by_id(corpus)
    assert (replies[B].parent_id, replies[B].depth) == (A, 1)
    assert (replies[C].parent_id, replies[C].depth) == (B, 2)
    assert [replies[x].depth for x in (P, A, D)] == [0, 0, 0]
    assert corpus.integrity().ok


def test_repeated_pinned_comment_is_kept_once_and_counted() -> None:
    """The repeat of the pinned comment is dropped, counted, and the first copy kept."""
    corpus = tearcorpus.read(NEW, strict=True)  # a repeat is no error, even strict
    report = corpus.report
    assert report.rejected_by_reason == {"duplicate-comment": 1}
    assert report.read == 7
    assert report.posts == 1
    assert report.replies == 5
    (error,) = report.errors
    assert error.index == 5
    assert _by_id(corpus)[P].is_pinned is True


def test_old_key_set_and_upload_date() -> None:
    """Old files: time_text, flags only when true, missing keys, uploader and upload_date."""
    corpus = tearcorpus.read(OLD)
    (post,) = corpus.posts
    assert post.author == tearcorpus.Author(
        id=None, name="Quiet Room", url="http://www.youtube.com/user/quietroom", is_uploader=True
    )
    assert post.created_at == datetime(2021, 9, 14, tzinfo=UTC)
    # A date without a time: known to the day.
    assert post.created_at_precision is tearcorpus.TimePrecision.DAY
    assert post.created_at_estimated is True
    assert (post.text, post.like_count, post.comment_count) == ("", None, 3)
    assert "uploader" not in post.extra
    assert "upload_date" not in post.extra
    assert post.extra["uploader_id"] == "quietroom"
    replies = _by_id(corpus)
    top = replies["UgzOldTop1"]
    assert top.author == tearcorpus.Author(id="UColdviewer1", name="Old Viewer")
    assert (top.is_pinned, top.is_hearted, top.like_count, top.depth) == (False, False, 5, 0)
    assert top.extra == {
        "author_thumbnail": "https://img.example.invalid/old1.jpg",
        "time_text": "2 years ago",
    }
    reply = replies["UgzOldTop1.reply1"]
    assert reply.author is not None
    assert reply.author.is_uploader is True
    assert (reply.is_hearted, reply.is_edited, reply.like_count) == (True, True, None)
    assert (reply.parent_id, reply.depth) == ("UgzOldTop1", 1)


def test_orphans_keep_depth_none_and_are_noted() -> None:
    """A reply whose parent is not in the file, and its own reply, have no depth; without
    a timestamp or an epoch, the orphan's "1 year ago" counts back from the file's mtime."""
    corpus = tearcorpus.read(OLD)
    replies = _by_id(corpus)
    orphan = replies["UgzGone.reply9"]
    assert (orphan.parent_id, orphan.depth) == ("UgzGone", None)
    mtime = datetime.fromtimestamp(OLD.stat().st_mtime, UTC)
    assert orphan.created_at == mtime.replace(year=mtime.year - 1)
    assert orphan.created_at_estimated is True
    assert orphan.created_at_precision is tearcorpus.TimePrecision.YEAR
    assert orphan.extra["time_anchor"] == {"at": format_time(mtime), "from": "mtime"}
    below = replies["UgzGone.reply10"]
    assert (below.parent_id, below.depth, below.author) == ("UgzGone.reply9", None, None)
    assert corpus.report.notes == {"orphan-reply": 1}


def test_info_json_without_comments() -> None:
    """Without --write-comments the file gives the Post alone and a note."""
    corpus = tearcorpus.read(DATA / "no_comments.info.json")
    assert len(corpus.posts) == 1
    assert corpus.replies == []
    assert corpus.report.notes == {"no-comments": 1}


def test_bad_comments_are_rejected_with_their_index() -> None:
    """Non-objects and comments without an id are rejected by index; wrong types go to extra."""
    corpus = tearcorpus.read(DATA / "bad_comments.info.json")
    report = corpus.report
    assert report.rejected_by_reason == {"invalid-comment": 2, "missing-id": 1}
    assert [e.index for e in report.errors] == [1, 2, 3]
    assert str(report.errors[0]).endswith(
        "bad_comments.info.json[item 1]: comment is a JSON string, not an object"
    )
    assert report.read == 1 + 5
    ok_one, ok_two = corpus.replies
    assert (ok_one.like_count, ok_one.is_pinned) == (None, False)
    assert ok_one.extra == {"like_count": "many", "is_pinned": "yes"}
    assert ok_two.created_at is None
    assert ok_two.extra == {"timestamp": 1.5e300}
    assert report.notes == {"invalid-field": 3}


def test_strict_mode_stops_at_the_first_bad_comment() -> None:
    """In strict mode a bad comment raises a ParseError naming its item index."""
    with pytest.raises(ParseError) as info:
        tearcorpus.read(DATA / "bad_comments.info.json", strict=True)
    assert info.value.index == 1


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("[1, 2]", "expected a JSON object"),
        ('{"title": "no id"}', "no video 'id'"),
        ('{"id": "x", "_type": "playlist", "entries": []}', "playlist"),
        ('{"id": "x", "comments": {"a": 1}}', "'comments' is a JSON object"),
        ('{"id": "x", "comments": [', "invalid JSON"),
    ],
)
def test_files_that_are_not_video_info_raise(tmp_path: Path, content: str, reason: str) -> None:
    """Whole-file problems raise a ParseError naming the file."""
    path = tmp_path / "v.info.json"
    path.write_text(content, "utf-8")
    with pytest.raises(ParseError, match=reason) as info:
        tearcorpus.read(path, format="ytdlp")
    assert info.value.source == str(path)


def test_jsonl_round_trip_keeps_everything(tmp_path: Path) -> None:
    """Records from an info.json survive the JSONL export unchanged, extra included."""
    corpus = tearcorpus.read(NEW)
    corpus.to_jsonl(str(tmp_path / "out"))
    back = tearcorpus.read(sorted((tmp_path / "out").glob("*.jsonl")))
    assert back.posts == corpus.posts
    assert back.replies == corpus.replies
    assert back.posts[0].extra == corpus.posts[0].extra


def test_detection_picks_ytdlp() -> None:
    """Every fixture is detected as ytdlp from its content, whatever its name (the playlist
    ones too, which reading then refuses)."""
    for path in sorted(DATA.glob("*.json")):
        assert detect_format(path.read_bytes()[: 64 * 1024], path.name) == "ytdlp", path
        if "no_type" not in path.name:
            assert tearcorpus.read(path).report.formats == ["ytdlp"], path


def test_sniff_scores() -> None:
    """Several yt-dlp keys score high; a ycd document or plain JSON scores nothing."""
    head = b'{"id": "x", "title": "t", "formats": [{"format_id": "18", "vcodec": "none"'
    assert ytdlp.sniff(head, "a.json") >= 90
    assert ytdlp.sniff(head, "a.info.json") > ytdlp.sniff(head, "a.json")
    assert ytdlp.sniff(b'{"comments": [{"cid": "a", "votes": "1"}]}', "a.json") == 0
    assert ytdlp.sniff(b'{"kind": "youtube#videoListResponse"}', "a.json") == 0
    assert ytdlp.sniff(b"cid,text\r\n", "a.csv") == 0
    assert detect_format(NEW.read_bytes()[:200], str(NEW)) == "ytdlp"


@pytest.mark.parametrize(("path", "replies", "rejected", "tail", "depth"), FILES)
def test_sample_counts_through_read(
    path: Path, replies: int, rejected: int, tail: str | None, depth: int | None
) -> None:
    """A yt-dlp file reads as 1 post and its replies, replies to replies at depth 2."""
    corpus = tearcorpus.read(path)
    assert (len(corpus.posts), len(corpus.replies), corpus.report.rejected) == (
        1,
        replies,
        rejected,
    )
    assert corpus.report.formats == ["ytdlp"]
    assert max(r.depth or 0 for r in corpus.replies) == 2
    if tail is not None:
        depths = {r.id.rsplit(".", 1)[-1]: r.depth for r in corpus.replies}
        assert depths[tail] == depth


@pytest.mark.parametrize(("path", "replies", "rejected", "tail", "depth"), FILES)
def test_sample_counts_through_the_cli(
    path: Path, replies: int, rejected: int, tail: str | None, depth: int | None
) -> None:
    """``tearcorpus inspect --json`` reports 1 post and the replies of a yt-dlp file."""
    out = subprocess.run(
        [sys.executable, "-m", "tearcorpus", "inspect", "--json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    summary = json.loads(out)
    assert (summary["posts"], summary["replies"], summary["rejected"]) == (1, replies, rejected)
    assert summary["formats"] == ["ytdlp"]


# -- property tests -----------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _read(content: bytes, *, strict: bool) -> tearcorpus.Corpus:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "video.info.json"
        path.write_bytes(content)
        return tearcorpus.read(path, format="ytdlp", strict=strict)


@given(st.binary(max_size=300), st.booleans())
def test_arbitrary_bytes_raise_only_tearcorpus_errors(content: bytes, strict: bool) -> None:
    """Junk bytes never raise anything but a TearcorpusError."""
    with contextlib.suppress(TearcorpusError):
        _read(content, strict=strict)


@given(st.data(), st.booleans())
def test_cut_or_flipped_bytes_raise_only_tearcorpus_errors(
    data: st.DataObject, strict: bool
) -> None:
    """A truncated file or one with flipped bytes raises only TearcorpusErrors."""
    content = bytearray(NEW.read_bytes())
    content = content[: data.draw(st.integers(0, len(content)), label="cut")]
    for _ in range(data.draw(st.integers(0, 4), label="flips")):
        if content:
            at = data.draw(st.integers(0, len(content) - 1))
            content[at] = data.draw(st.integers(0, 255))
    with contextlib.suppress(TearcorpusError):
        _read(bytes(content), strict=strict)


@given(st.data())
def test_bad_records_never_raise_in_lenient_mode(data: st.DataObject) -> None:
    """Deleted keys, changed types and non-object comments are handled without raising."""
    info: dict[str, Any] = json.loads(NEW.read_text("utf-8"))
    comments: list[Any] = info["comments"]
    for _ in range(data.draw(st.integers(1, 6), label="mutations")):
        at = data.draw(st.integers(0, len(comments) - 1))
        what = data.draw(st.sampled_from(["delete", "retype", "replace", "video"]))
        target = comments[at]
        if what == "replace" or not isinstance(target, dict):
            comments[at] = data.draw(JSON_VALUES)
        elif what == "video":
            key = data.draw(st.sampled_from(sorted(set(info) - {"id", "comments", "_type"})))
            info[key] = data.draw(JSON_VALUES)
        elif what == "delete" and target:
            del target[data.draw(st.sampled_from(sorted(target)))]
        elif target:
            target[data.draw(st.sampled_from(sorted(target)))] = data.draw(JSON_VALUES)
    corpus = _read(json.dumps(info).encode("utf-8"), strict=False)
    report = corpus.report
    assert report.posts == 1
    assert report.replies + report.rejected == len(comments)
    assert all(isinstance(r, Post | Reply) for r in corpus)


#: Per comment slot: values the fast path reads itself (``None`` in a list: the value
#: null; ``_ABSENT``: the key missing), then values that send it to the checked path.
_ABSENT = object()
_COMMENT_USUAL: dict[str, list[Any]] = {
    "id": ["c1"],
    "parent": ["root", "c0", _ABSENT],
    "text": ["hi", "", None, _ABSENT],
    "like_count": [3, 0, None, _ABSENT],
    "author_id": ["UCa", None, _ABSENT],
    "author": ["@a", None, _ABSENT],
    "author_thumbnail": ["https://t/a", _ABSENT],
    "author_is_uploader": [True, False, None, _ABSENT],
    "author_is_verified": [False, True, None, _ABSENT],
    "author_url": ["https://y/@a", None, _ABSENT],
    "is_favorited": [False, True, None, _ABSENT],
    "_time_text": ["3 hours ago", "1 day ago (edited)", None, _ABSENT],
    "time_text": [_ABSENT, "2 days ago", None],
    "timestamp": [1349284644, None, _ABSENT],
    "is_pinned": [False, True, None, _ABSENT],
}
_COMMENT_ODD: dict[str, list[Any]] = {
    "text": [5],
    "like_count": [-1, True, 2.0, "3"],
    "author_id": [1],
    "author": [[]],
    "author_url": [2],
    "author_is_uploader": [1, "yes"],
    "author_is_verified": [0],
    "is_favorited": ["no"],
    "_time_text": [7],
    "time_text": [8],
    "timestamp": [1.5, "1349284644", 10**13, True],
    "is_pinned": [1],
}


def _comment_cases() -> Iterator[dict[str, Any]]:
    """Every pair of slot values over the first usual value of each, in the base key order
    and reversed (the order of extra's keys follows the input's)."""
    base = {key: values[0] for key, values in _COMMENT_USUAL.items()}
    variants = [
        (key, value)
        for key, values in _COMMENT_USUAL.items()
        for value in values + _COMMENT_ODD.get(key, [])
    ]
    for (key1, value1), (key2, value2) in itertools.combinations(variants, 2):
        if key1 == key2:
            continue
        comment = base | {key1: value1, key2: value2}
        comment = {k: v for k, v in comment.items() if v is not _ABSENT}
        yield comment
        yield dict(reversed(comment.items()))


#: The odd values of the wrong kind for their slot (a float timestamp is a time too).
_COMMENT_WRONG: dict[str, list[Any]] = {
    key: [v for v in values if v != 1.5] for key, values in _COMMENT_ODD.items()
}
#: Slots, and the key the time text used is kept under in extra.
_TIME_KEYS = ("_time_text", "time_text")


def _wrong(comment: dict[str, Any]) -> set[str]:
    """The keys of *comment* whose value is of the wrong kind for its slot (of the two
    time-text keys, only the first present one is a slot)."""
    wrong = {
        key
        for key, value in comment.items()
        if any(type(value) is type(w) and value == w for w in _COMMENT_WRONG.get(key, []))
    }
    if "_time_text" in comment:
        wrong.discard("time_text")
    return wrong


def test_comment_values_of_the_wrong_kind_stay_in_extra_and_are_counted(tmp_path: Path) -> None:
    """For every pair of usual or odd slot values: each value of the wrong kind for its
    slot is kept in extra under its key and counted once as an invalid-field note; the
    other slot values are taken (not in extra); every other key is in extra unchanged."""
    comments = [
        comment | {"id": f"c{number}", "parent": "root"}
        for number, comment in enumerate(_comment_cases())
    ]
    info = {"id": "vid", "extractor": "youtube", "epoch": 1700000000, "comments": comments}
    path = tmp_path / "cases.info.json"
    path.write_text(json.dumps(info), "utf-8")
    corpus = tearcorpus.read(str(path))
    replies = {r.id: r for r in corpus.replies}
    assert len(replies) == len(comments) > 4000
    expected = 0
    for comment in comments:
        reply = replies[comment["id"]]
        wrong = _wrong(comment)
        expected += len(wrong)
        for key, value in comment.items():
            if key in wrong or key not in _COMMENT_USUAL or key == "author_thumbnail":
                assert reply.extra[key] == value, (key, comment)
            elif key not in _TIME_KEYS:
                assert key not in reply.extra, (key, comment)
    assert corpus.report.notes["invalid-field"] == expected > 0


@given(
    st.lists(
        st.tuples(st.integers(0, 12), st.one_of(st.none(), st.integers(0, 12))),
        max_size=30,
    )
)
def test_depths_counted_in_the_first_pass_equal_the_general_ones(
    pairs: list[tuple[int, int | None]],
) -> None:
    """Depths counted in one pass while replies come after their parents equal the
    general chain walk's, whatever the order; orphans and loops get none."""
    raw: list[JsonValue] = [
        {"id": f"c{cid}", "parent": "root" if p is None else f"c{p}"} for cid, p in pairs
    ]
    ctx = ParseContext(source="x.info.json", format="ytdlp")
    _, parents = ytdlp._comments(ctx, raw)
    general = ytdlp._depths(parents)
    one = ParseContext(source="x.info.json", format="ytdlp")
    replies = list(ytdlp._replies_of(one, iter((list(raw),)), "vid", TimeReader(one, _ANCHOR)))
    assert {r.id: r.depth for r in replies} == general
    seen: set[str] = set()
    in_order = True
    for cid, parent in parents.items():
        in_order = in_order and (parent is None or parent in seen)
        seen.add(cid)
    if in_order:
        assert all(depth is not None for depth in general.values())


_ITEMS = st.one_of(
    st.tuples(st.integers(0, 12), st.one_of(st.none(), st.integers(0, 12))),
    st.sampled_from(["not an object", "no id", "empty id", "odd like_count"]),
)


def _raw_comments(items: list[tuple[int, int | None] | str]) -> list[Any]:
    """A comments list from *items*: (id, parent) pairs, and bad or odd comments."""
    raw: list[Any] = []
    for item in items:
        if item == "not an object":
            raw.append(["x"])
        elif item == "no id":
            raw.append({"parent": "root", "text": "t"})
        elif item == "empty id":
            raw.append({"id": "", "parent": "root"})
        elif item == "odd like_count":
            raw.append({"id": "c1", "parent": "root", "like_count": "3"})
        else:
            assert isinstance(item, tuple)
            cid, parent = item
            raw.append({"id": f"c{cid}", "parent": "root" if parent is None else f"c{parent}"})
    return raw


@given(st.lists(_ITEMS, max_size=30))
def test_one_pass_equals_listing_then_replies(items: list[tuple[int, int | None] | str]) -> None:
    """The one-pass reader (_replies) gives the records, provenance, rejects (in order) and
    notes of the two-pass one (_comments then _listed), in order or not, bad items included."""
    raw = _raw_comments(items)
    one = ParseContext(source="x.info.json", format="ytdlp")
    two = ParseContext(source="x.info.json", format="ytdlp")
    got = list(ytdlp._replies_of(one, iter((list(raw),)), "vid", TimeReader(one, _ANCHOR)))
    kept, parents = ytdlp._comments(two, raw)
    want = list(ytdlp._listed(two, raw, "vid", kept, parents, TimeReader(two, _ANCHOR)))
    assert got == want
    assert [r.provenance for r in got] == [r.provenance for r in want]
    assert [list(r.extra.items()) for r in got] == [list(r.extra.items()) for r in want]
    assert one.report.rejected == two.report.rejected
    assert [str(e) for e in one.report.errors] == [str(e) for e in two.report.errors]
    assert one.report.notes == two.report.notes


def test_one_pass_hands_on_at_the_first_reply_before_its_parent() -> None:
    """A reply listed before its parent sends the rest of the list to the general pass:
    the replies before it keep their in-order depths, the rest get walked ones, each once."""
    raw: list[JsonValue] = [
        {"id": "a", "parent": "root"},
        {"id": "b", "parent": "a"},
        {"id": "x"},
        {"id": "d", "parent": "c"},
        {"id": "b", "parent": "root"},
        {"id": "c", "parent": "b"},
        {"id": "o", "parent": "gone"},
    ]
    ctx = ParseContext(source="x.info.json", format="ytdlp")
    given: list[JsonValue] = list(raw)
    replies = list(ytdlp._replies_of(ctx, iter((given,)), "vid", TimeReader(ctx, _ANCHOR)))
    assert given == [None, None, None, *raw[3:]]  # the ones built in order are freed
    assert [(r.id, r.depth) for r in replies] == [
        ("a", 0),
        ("b", 1),
        ("x", 0),
        ("d", 3),
        ("c", 2),
        ("o", None),
    ]
    assert [r.provenance.index for r in replies if r.provenance] == [0, 1, 2, 3, 5, 6]
    assert ctx.report.rejected_by_reason == {"duplicate-comment": 1}
    assert ctx.report.notes == {"orphan-reply": 1}


def _load_both(content: bytes, name: str = "v.info.json") -> tuple[Any, Any, Any]:
    """What ytdlp._load, load_json (each a value or an error's text) and _load_mapped
    give for a file holding *content*."""

    def outcome(load: Any) -> Any:
        try:
            return ("value", load())
        except TearcorpusError as exc:
            return ("error", str(exc))

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / name)
        Path(path).write_bytes(content)
        ctx = ParseContext(source=path, format="ytdlp")
        mapped = map_plain(path, None)
        direct: object
        if mapped is None:
            direct = None
        else:
            with mapped:
                direct = _ytdlp_document._load_mapped(mapped)
        return outcome(lambda: _ytdlp_document._load(ctx)), outcome(lambda: load_json(path)), direct


@given(
    st.binary(max_size=200)
    | st.sampled_from([b"", b"\xef\xbb\xbf", b'\xef\xbb\xbf{"id": "v"}', b"[1, 2", b"{}"])
    | JSON_VALUES.map(lambda v: json.dumps(v).encode())
)
def test_mapped_load_gives_load_jsons_document_or_error(content: bytes) -> None:
    """Reading a plain file through a memory map gives load_json's document, or its error
    (the line of a JSON error, an empty file) word for word."""
    got, want, _ = _load_both(content)
    assert got == want


def test_mapped_load_takes_plain_files_only() -> None:
    """A plain file, with or without BOM, is read mapped; a compressed, empty or malformed
    one is left to load_json, which gives the same document or error as before."""
    content = NEW.read_bytes()
    got, want, mapped = _load_both(content)
    assert got == want
    assert mapped == json.loads(content)
    got, want, mapped = _load_both(b"\xef\xbb\xbf" + content)
    assert got == want
    assert mapped == json.loads(content)
    got, want, mapped = _load_both(gzip.compress(content), "v.info.json.gz")
    assert got == want == ("value", json.loads(content))
    assert mapped is None
    for bad in (b"", b'{"id": "v",\n "x": }'):
        got, want, mapped = _load_both(bad)
        assert got == want
        assert got[0] == "error"
        assert mapped is None


@pytest.mark.parametrize("name", ["playlist_no_type.info.json", "channel_videos_no_type.info.json"])
def test_playlist_without_type_is_refused_like_one_with_it(name: str) -> None:
    """Older yt-dlp leaves _type out: a youtube:tab playlist or channel tab gives the same
    error as a file with _type playlist, not a comment-less video."""
    with pytest.raises(ParseError, match=r"a playlist \.info\.json holds no comments") as info:
        tearcorpus.read(DATA / name)
    assert info.value.source == str(DATA / name)


@pytest.mark.parametrize(
    ("keys", "playlist"),
    [
        ({"extractor_key": "YoutubeTab"}, True),
        ({"extractor": "youtube:playlist"}, True),
        ({"webpage_url_basename": "streams", "extractor": "generic"}, True),
        ({"webpage_url_basename": "shorts"}, True),
        ({"webpage_url_basename": "featured"}, True),
        ({"entries": []}, True),
        ({"webpage_url_basename": "watch", "extractor": "youtube"}, False),
        # a video's own extractor wins over a tab-like URL part
        ({"webpage_url_basename": "shorts", "extractor": "youtube"}, False),
        ({"_type": "video", "extractor": "youtube:tab"}, False),
        ({"_type": "multi_video"}, True),
    ],
)
def test_playlist_signs(keys: dict[str, Any], playlist: bool) -> None:
    """_type decides when present; without it the extractor, entries or URL part do."""
    assert ytdlp._is_playlist({"id": "x", **keys}) is playlist
