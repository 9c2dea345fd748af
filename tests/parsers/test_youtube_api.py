"""The YouTube Data API v3 parser (videos.list, commentThreads.list, comments.list pages)."""

from __future__ import annotations

import contextlib
import copy
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tearcorpus
from tearcorpus import Author, ParseError, Post, Reply, TearcorpusError
from tearcorpus._read import read_head
from tearcorpus.parsers import ParseContext, detect_format, youtube_api

from ..conftest import SHARED_SAMPLES, with_samples
from ..strategies import json_values

DATA = Path(__file__).parents[1] / "data" / "youtube_api"
SAMPLES = SHARED_SAMPLES / "youtube-api"
VID = "tEaRvid0001"
OWNER = "UCowner000000000000000AA"


def _read(*names: str, **kwargs: Any) -> tearcorpus.Corpus:
    return tearcorpus.read([DATA / n for n in names], **kwargs)


def _reply(corpus: tearcorpus.Corpus, reply_id: str) -> Reply:
    return next(r for r in corpus.replies if r.id == reply_id)


def _write_lines(path: Path, pages: list[Any]) -> Path:
    path.write_text("".join(json.dumps(p) + "\n" for p in pages), encoding="utf-8")
    return path


def _load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- text and fields


def test_html_only_text_display_becomes_plain_text() -> None:
    """Without textOriginal, textDisplay HTML gives text: <br> newlines, link text, entities."""
    corpus = _read("threads_html.json")
    top = _reply(corpus, "UgxHtmlOnly00000001")
    assert top.text == "Tea & biscuits helped\nI didn't expect to cry at 1:23"
    assert top.extra["text_display"] == (
        "Tea &amp; biscuits helped<br>I didn&#39;t expect to cry at "
        '<a href="https://www.youtube.com/watch?v=tEaRvid0001&amp;t=83">1:23</a>'
    )


def test_top_level_comment_fields() -> None:
    """A thread's top-level comment maps every slot exactly and keeps the rest in extra."""
    top = _reply(_read("threads_html.json"), "UgxHtmlOnly00000001")
    assert top.post_id == VID
    assert top.parent_id is None
    assert top.platform is tearcorpus.Platform.YOUTUBE
    assert top.author == Author(
        id="UCkettle0000000000000AAA",
        name="@KettleWatcher",
        url="http://www.youtube.com/@KettleWatcher",
        is_uploader=False,
    )
    assert top.like_count == 12
    assert top.reply_count == 3
    assert top.depth == 0
    assert top.created_at == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert top.created_at_estimated is False
    assert top.is_edited is True
    assert top.extra == {
        "etag": "etag-0001",
        "channel_id": OWNER,
        "text_display": top.extra["text_display"],
        "author_profile_image_url": "https://yt3.ggpht.com/example/KettleWatcher=s48",
        "can_rate": True,
        "viewer_rating": "none",
        "updated_at": "2024-03-02T08:30:00Z",
        "thread_can_reply": True,
        "thread_is_public": True,
        "thread_etag": "etag-thread-0001",
    }
    assert top.provenance is not None
    assert (top.provenance.format, top.provenance.line, top.provenance.index) == (
        "youtube-api",
        None,
        0,
    )


def test_missing_author_channel_id_gives_no_author_id() -> None:
    """A comment without authorChannelId keeps its display name and has no author id."""
    anon = _reply(_read("threads_html.json"), "UgxNoChannel0000002")
    assert anon.author == Author(
        id=None, name="Former Account", url="http://www.youtube.com/Former Account"
    )
    assert anon.is_edited is False
    assert anon.reply_count == 0
    assert "author_channel_id" not in anon.extra


def test_reply_riding_along_with_its_thread() -> None:
    """A reply in replies.comments answers the top-level comment; the uploader is marked."""
    reply = _reply(_read("threads_html.json"), "UgxHtmlOnly00000001.AAreply01")
    assert reply.post_id == VID
    assert reply.parent_id == "UgxHtmlOnly00000001"
    assert reply.text == "@KettleWatcher same here\n\nevery single time"
    assert reply.author is not None
    assert reply.author.id == OWNER
    assert reply.author.is_uploader is True
    assert reply.depth == 1
    assert reply.reply_count is None
    assert reply.like_count == 3
    assert "thread_etag" not in reply.extra


def test_claimed_replies_not_fetched_are_noted() -> None:
    """A thread claiming 3 replies but carrying 1 notes 2 replies not fetched; pages count."""
    corpus = _read("threads_html.json")
    notes = corpus.report.notes
    assert notes["replies-not-fetched"] == 2
    assert notes["pages"] == 1
    assert corpus.report.rejected == 0


def test_page_level_fields_stay_out_of_records() -> None:
    """nextPageToken, pageInfo and the page etag are not copied into any record."""
    corpus = _read("threads_html.json")
    for record in corpus:
        assert not {"next_page_token", "page_info"} & set(record.extra)
        assert "page-etag-comm" not in record.extra.values()


def test_placeholder_post_for_comments_without_their_video() -> None:
    """Comments of a video whose videos.list item is absent get one placeholder post."""
    corpus = _read("threads_html.json")
    assert corpus.posts == [
        Post(
            id=VID,
            platform="youtube",
            title=None,
            text="",
            author=Author(id=OWNER, is_uploader=True),
            url=f"https://www.youtube.com/watch?v={VID}",
            extra={"placeholder": True},
        )
    ]


def test_videos_list_gives_the_post() -> None:
    """videos.list read first gives the real post; the later placeholder is dropped."""
    corpus = _read("videos.json", "threads_html.json")
    (post,) = corpus.posts
    assert post.id == VID
    assert post.title == "Why we cry when we feel safe"
    assert post.text == "A short talk about tears.\nNo sponsor."
    assert post.author == Author(id=OWNER, name="Quiet Room", is_uploader=True)
    assert post.created_at == datetime(2024, 2, 28, 18, 0, tzinfo=UTC)
    assert post.url == "https://www.youtube.com/watch?v=tEaRvid0001"
    assert (post.view_count, post.like_count, post.comment_count) == (15230, 981, 57)
    assert post.extra == {
        "etag": "video-etag-1",
        "thumbnails": {
            "default": {
                "url": "https://i.ytimg.com/vi/tEaRvid0001/default.jpg",
                "width": 120,
                "height": 90,
            }
        },
        "tags": ["tears", "feelings"],
        "category_id": "22",
        "live_broadcast_content": "none",
        "favorite_count": "0",
    }
    assert len(corpus.replies) == 3
    assert corpus.integrity().duplicate_ids == ()  # the placeholder gave way to the real post
    (thread,) = corpus.threads()
    assert [r.id for r, _ in thread.walk()] == [
        "UgxHtmlOnly00000001",
        "UgxHtmlOnly00000001.AAreply01",
        "UgxNoChannel0000002",
    ]


def test_real_post_wins_when_videos_list_comes_later() -> None:
    """Across inputs the real post replaces the placeholder, whatever the order."""
    corpus = _read("threads_html.json", "videos.json")
    (post,) = corpus.posts
    assert post.title == "Why we cry when we feel safe"
    assert corpus.integrity().ok


def test_videos_list_and_threads_in_one_array_file() -> None:
    """A JSON array of pages with videos.list first gives a real post and no placeholder."""
    corpus = _read("pages_array.json")
    assert corpus.report.posts == 1
    (post,) = corpus.posts
    assert post.title == "Why we cry when we feel safe"
    assert [r.id for r in corpus.replies] == ["UgyPageOne000000001", "UgyPageTwo000000002"]
    assert corpus.report.notes["pages"] == 3
    assert corpus.integrity().ok


def test_two_pages_of_one_video_in_two_files() -> None:
    """Two pages in two files form one thread of one (placeholder) post."""
    corpus = _read("threads_page1.json", "threads_page2.json")
    assert len(corpus.posts) == 1
    (thread,) = corpus.threads()
    assert [r.text for r in thread.roots()] == ["page one, first", "page two, first"]
    assert corpus.report.posts == 2  # one placeholder per file; the corpus keeps one


def test_json_lines_of_pages() -> None:
    """One response a line: records are located by line, empty pages noted."""
    corpus = _read("pages.jsonl")
    assert len(corpus.posts) == 1
    assert [(r.id, r.parent_id) for r in corpus.replies] == [
        ("UgyPageOne000000001", None),
        ("UgyPageOne000000001.AAmore01", "UgyPageOne000000001"),
        ("UgyPageOne000000001.AAmore02", "UgyPageOne000000001"),
    ]
    lines = [(r.provenance.line, r.provenance.index) for r in corpus.replies if r.provenance]
    assert lines == [(1, 0), (2, 0), (2, 1)]
    assert corpus.report.notes == {"pages": 3, "empty-page": 1}
    assert corpus.integrity().ok


def test_repeated_comments_and_videos_in_one_file_are_dropped(tmp_path: Path) -> None:
    """The same comment or video twice in one input is kept once; the repeat is counted."""
    page = _load("threads_page1.json")
    videos = _load("videos.json")
    path = _write_lines(tmp_path / "again.jsonl", [videos, page, page, videos])
    corpus = tearcorpus.read(path, strict=True)
    assert [r.id for r in corpus.replies] == ["UgyPageOne000000001"]
    assert len(corpus.posts) == 1
    source = corpus.report.sources[0]
    assert dict(source.rejected_by_reason) == {"duplicate-comment": 1, "duplicate-video": 1}
    assert source.read == 4


def test_reply_without_video_id_takes_its_threads_video(tmp_path: Path) -> None:
    """A comments.list reply without videoId takes it from its thread, or the option."""
    page = _load("threads_page1.json")
    replies = json.loads((DATA / "pages.jsonl").read_text().splitlines()[1])
    for item in replies["items"]:
        del item["snippet"]["videoId"]
    both = _write_lines(tmp_path / "both.jsonl", [page, replies])
    assert [r.post_id for r in tearcorpus.read(both).replies] == [VID] * 3
    alone = _write_lines(tmp_path / "alone.jsonl", [replies])
    lenient = tearcorpus.read(alone)
    assert lenient.replies == []
    assert lenient.report.rejected_by_reason == {"missing-video-id": 2}
    given_id = tearcorpus.read(alone, options={"video_id": "otherVideo1"})
    assert [r.post_id for r in given_id.replies] == ["otherVideo1"] * 2


def test_utf16_page_is_read(tmp_path: Path) -> None:
    """A page saved as UTF-16 with a BOM reads like the UTF-8 one."""
    path = tmp_path / "page.json"
    path.write_bytes((DATA / "threads_page1.json").read_text(encoding="utf-8").encode("utf-16"))
    assert list(tearcorpus.read(path)) == list(_read("threads_page1.json"))


def test_html_to_text() -> None:
    """The HTML parser drops tags, turns <br> into newlines and unescapes entities."""
    assert youtube_api.html_to_text("a &amp; b&#39;s<br/>c <b>d</b> &lt;3") == "a & b's\nc d <3"
    assert youtube_api.html_to_text("plain\ntext") == "plain\ntext"


# --------------------------------------------------------------------------- errors


def test_api_error_response_is_one_rejection() -> None:
    """An {"error": ...} response is rejected once with the API's code, reason and message."""
    corpus = _read("api_error.json")
    assert len(corpus) == 0
    assert corpus.report.rejected_by_reason == {"api-error": 1}
    (error,) = corpus.report.errors
    assert str(error) == (
        f"{DATA / 'api_error.json'}: API error 403 (quotaExceeded): The request cannot be "
        "completed because you have exceeded your quota."
    )
    with pytest.raises(ParseError, match="quotaExceeded"):
        _read("api_error.json", strict=True)


def test_page_without_items_is_rejected() -> None:
    """A response with no items list is rejected (and raises in strict mode)."""
    corpus = _read("no_items.json")
    assert corpus.report.rejected_by_reason == {"missing-items": 1}
    with pytest.raises(ParseError, match="no items list"):
        _read("no_items.json", strict=True)


def test_bad_items_are_located_by_index() -> None:
    """Unexpected kinds and missing snippets are rejected with their item index."""
    corpus = _read("bad_items.json")
    assert [r.id for r in corpus.replies] == ["UgzGoodOne000000003"]
    assert corpus.report.rejected_by_reason == {"unexpected-kind": 1, "missing-snippet": 2}
    source = corpus.report.sources[0]
    assert source.read == source.kept + source.rejected == 5
    assert [(e.index, e.line, e.reason) for e in corpus.report.errors] == [
        (0, None, "expected a youtube#commentThread, got 'youtube#playlistItem'"),
        (1, None, "commentThread has no snippet"),
        (3, None, "topLevelComment: comment UgzBadTop has no snippet"),
    ]
    with pytest.raises(ParseError) as info:
        _read("bad_items.json", strict=True)
    assert info.value.index == 0


def test_bad_line_in_json_lines_is_located_by_line(tmp_path: Path) -> None:
    """In JSON lines, a bad line and a bad item are located by line (and item)."""
    page = _load("threads_page1.json")
    bad = _load("threads_page2.json")
    bad["items"].insert(0, {"kind": "youtube#commentThread", "id": "x"})
    path = tmp_path / "pages.jsonl"
    path.write_text(json.dumps(page) + "\n{not json\n" + json.dumps(bad) + "\n")
    corpus = tearcorpus.read(path)
    assert len(corpus.replies) == 2
    first, second = (str(e) for e in corpus.report.errors)
    assert first.startswith(f"{path}:2: invalid JSON: ")
    assert second == f"{path}:3: item 0: commentThread has no snippet"


def test_truncated_document_raises_a_parse_error(tmp_path: Path) -> None:
    """A cut-off pretty-printed page is a ParseError naming the file, even when lenient."""
    path = tmp_path / "cut.json"
    path.write_text((DATA / "threads_page1.json").read_text()[:400])
    with pytest.raises(ParseError, match="truncated"):
        tearcorpus.read(path, format="youtube-api")


# --------------------------------------------------------------------------- detection


@pytest.mark.parametrize(
    "name",
    [
        "threads_html.json",
        "videos.json",
        "pages_array.json",
        "pages.jsonl",
        "api_error.json",
        "no_items.json",
        "bad_items.json",
    ],
)
def test_detection_picks_youtube_api(name: str) -> None:
    """Every fixture is detected as youtube-api without format=."""
    path = str(DATA / name)
    assert detect_format(read_head(path), path) == "youtube-api"
    assert _read(name).report.formats == ["youtube-api"]


def test_sniff_declines_other_json() -> None:
    """Other JSON and plain text score 0."""
    assert youtube_api.sniff(b'{"schema": "tearcorpus/1", "kind": "post"}', "x.jsonl") == 0
    assert youtube_api.sniff(b'{"kind": "Listing", "data": {}}', "x.json") == 0
    assert youtube_api.sniff(b"youtube#commentListResponse", "x.txt") == 0
    assert youtube_api.sniff(b'[{"kind": "youtube#videoListResponse"}]', "x") >= 90


# --------------------------------------------------------------------------- samples


@pytest.mark.parametrize(
    ("path", "replies", "not_fetched"),
    with_samples(
        [(DATA / "threads_page1.json", 1, 0)],
        [(SAMPLES / "yt_api_commentThreads.list.json", 5, 5)],
    ),
)
def test_sample_comment_threads_give_one_post_and_five_replies(
    path: Path, replies: int, not_fetched: int
) -> None:
    """A commentThreads page (ours; the shared sample too) reads as 1 placeholder post
    and its replies."""
    corpus = tearcorpus.read(path)
    assert (len(corpus.posts), len(corpus.replies), corpus.report.rejected) == (1, replies, 0)
    assert corpus.posts[0].extra == {"placeholder": True}
    assert corpus.posts[0].title is None
    assert corpus.report.notes["replies-not-fetched"] == not_fetched
    assert corpus.integrity().ok


@pytest.mark.parametrize(
    ("paths", "views", "replies", "uploader"),
    with_samples(
        [
            (
                [DATA / "videos.json", DATA / "threads_page1.json", DATA / "threads_page2.json"],
                15230,
                2,
                [],
            )
        ],
        [
            (
                [
                    SAMPLES / "yt_api_videos.list.json",
                    SAMPLES / "yt_api_commentThreads.list.json",
                    SAMPLES / "yt_api_comments.list.json",
                ],
                4400000,
                6,  # the comments.list page repeats one reply
                ["UgxPinned0000000000AaABAg", "UgxPinned0000000000AaABAg.9zReplyUPLOADERgg"],
            )
        ],
    ),
)
def test_sample_pages_read_together(
    paths: list[Path], views: int, replies: int, uploader: list[str]
) -> None:
    """videos + threads (+ comments) pages form one thread with the real post."""
    corpus = tearcorpus.read(paths)
    (post,) = corpus.posts
    assert post.view_count == views
    assert post.extra.get("placeholder") is None
    assert len(corpus.replies) == replies
    (thread,) = corpus.threads()
    assert not thread.orphans
    assert [r.id for r in corpus.replies if r.author and r.author.is_uploader] == uploader


@pytest.mark.parametrize(
    ("path", "posts", "replies"),
    with_samples(
        [(DATA / "threads_page1.json", 1, 1), (DATA / "videos.json", 1, 0)],
        [
            (SAMPLES / "yt_api_commentThreads.list.json", 1, 5),
            (SAMPLES / "yt_api_comments.list.json", 1, 2),
            (SAMPLES / "yt_api_videos.list.json", 1, 0),
        ],
    ),
)
def test_sample_counts_through_the_cli(path: Path, posts: int, replies: int) -> None:
    """`tearcorpus inspect --json` reports the expected posts and replies per page."""
    exe = Path(sys.executable).parent / "tearcorpus"
    out = subprocess.run(
        [str(exe), "inspect", "--json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout)
    assert (data["format"], data["posts"], data["replies"], data["rejected"]) == (
        "youtube-api",
        posts,
        replies,
        0,
    )


# --------------------------------------------------------------------------- properties


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found.extend(_paths(inner, (*prefix, key)))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found.extend(_paths(inner, (*prefix, i)))
    return found


_VALID = [_load(n) for n in ("threads_html.json", "videos.json", "bad_items.json")]


@st.composite
def mutated_pages(draw: st.DrawFn) -> Any:
    """A valid page with a few values replaced by arbitrary JSON or removed."""
    page = copy.deepcopy(draw(st.sampled_from(_VALID)))
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(page)
        path = draw(st.sampled_from(paths))
        if not path:
            page = draw(json_values)
            continue
        holder = page
        for key in path[:-1]:
            holder = holder[key]
        if isinstance(holder, dict) and draw(st.booleans()):
            del holder[path[-1]]
        else:
            holder[path[-1]] = draw(json_values)
    return page


def _parse(path: Path, strict: bool) -> list[tearcorpus.Record]:
    ctx = ParseContext(source=str(path), format="youtube-api", strict=strict)
    return list(youtube_api.parse(ctx))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_raise_only_tearcorpus_errors(tmp_path: Path, data: bytes) -> None:
    """Any bytes give records or a TearcorpusError, never another exception."""
    path = tmp_path / "junk.json"
    path.write_bytes(data)
    for strict in (False, True):
        with contextlib.suppress(TearcorpusError):
            _parse(path, strict)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page=mutated_pages(), lines=st.booleans())
def test_mutated_pages_never_raise_when_lenient(tmp_path: Path, page: Any, lines: bool) -> None:
    """Mutated pages never raise in lenient mode; strict mode raises only ParseError."""
    path = tmp_path / "page.json"
    text = json.dumps(page) if lines else json.dumps(page, indent=2)
    path.write_text(text, encoding="utf-8")
    records = _parse(path, strict=False)
    assert all(isinstance(r, Post | Reply) for r in records)
    with contextlib.suppress(ParseError):
        _parse(path, strict=True)
