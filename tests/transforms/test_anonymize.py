"""Keyed pseudonyms for authors, and mentions of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tearcorpus import Author, Platform, Post, Reply, Report
from tearcorpus.transforms import (
    AnonymizationKeyError,
    Anonymizer,
    anonymize,
    collect_names,
    load_key,
    pseudonym,
)
from tearcorpus.transforms.anonymize import is_identifying_key

KEY = "test-key-0123456789abcdef"
OTHER = "another-key-0123456789abcdef"


def _thread() -> list[Post | Reply]:
    post = Post(
        id="p1",
        platform=Platform.REDDIT,
        title="Crying in therapy",
        text="Ask me anything",
        author=Author(
            id="t2_op", name="Opening_Poster", url="https://www.reddit.com/user/Opening_Poster"
        ),
        extra={"author_flair_text": "Therapist", "subreddit": "therapy", "awarders": ["kind_one"]},
    )
    first = Reply(
        id="c1",
        post_id="p1",
        platform=Platform.REDDIT,
        text="thanks u/Opening_Poster, and as Late_Writer99 said later, it helps",
        author=Author(id="t2_a", name="early_bird"),
        extra={
            "author_fullname": "t2_a",
            "author_flair_richtext": [{"t": "early"}],
            "body_html": "thanks u/Opening_Poster",
            "score": 3,
        },
    )
    late = Reply(
        id="c2",
        post_id="p1",
        parent_id="c1",
        platform=Platform.REDDIT,
        text="@early_bird same here",
        author=Author(id="t2_b", name="Late_Writer99"),
    )
    gone = Reply(
        id="c3", post_id="p1", platform=Platform.REDDIT, text="x", author=Author(name="[deleted]")
    )
    return [post, first, late, gone]


def test_pseudonyms_stable_per_key_and_change_with_it() -> None:
    """Same key gives the same pseudonym; another key gives another; the form is anon-<16 hex>."""
    a = pseudonym(KEY, "reddit", "t2_a")
    assert a == pseudonym(KEY.encode(), Platform.REDDIT, "t2_a")
    assert a != pseudonym(OTHER, "reddit", "t2_a")
    assert a != pseudonym(KEY, "youtube", "t2_a")
    assert a.startswith("anon-")
    assert len(a) == len("anon-") + 16
    int(a.removeprefix("anon-"), 16)


def test_authors_replaced_and_profile_data_gone() -> None:
    """ids, names and URLs become the pseudonym or go; identifying extra keys are removed."""
    out = list(anonymize(_thread(), key=KEY))
    post, first, late, gone = out
    alias = pseudonym(KEY, "reddit", "t2_op")
    assert post.author == Author(id=alias, name=alias)
    assert post.extra == {"subreddit": "therapy"}
    assert first.extra == {"body_html": f"thanks u/{alias}", "score": 3}
    assert late.author is not None
    assert late.author.id == pseudonym(KEY, "reddit", "t2_b")
    assert gone.author == Author()
    for record in out:
        assert record.provenance is not None
        assert record.provenance.transforms == ("anonymize",)


def test_two_pass_rewrites_mentions_of_later_authors() -> None:
    """With names collected first, a bare distinctive name written before its author appears is replaced."""
    records = _thread()
    out = list(anonymize(records, key=KEY))  # a list: names are collected first
    first, late = out[1], out[2]
    assert first.text == (
        f"thanks u/{pseudonym(KEY, 'reddit', 't2_op')}, and as "
        f"{pseudonym(KEY, 'reddit', 't2_b')} said later, it helps"
    )
    assert late.text == f"@{pseudonym(KEY, 'reddit', 't2_a')} same here"


def test_one_pass_knows_only_earlier_authors() -> None:
    """On a one-shot iterator, only names seen so far are rewritten (documented bound)."""
    out = list(anonymize(iter(_thread()), key=KEY))
    assert "Late_Writer99" in out[1].text
    assert out[2].text.startswith("@anon-")
    names = collect_names(_thread())
    again = list(anonymize(iter(_thread()), key=KEY, names=names))
    assert "Late_Writer99" not in again[1].text


def test_common_words_are_not_rewritten_bare() -> None:
    """A single plain word as a name is only replaced as @name or u/name."""
    post = Post(id="p", platform="youtube", author=Author(id="UC1", name="Hope"))
    reply = Reply(id="r", post_id="p", platform="youtube", text="Hope helps, @Hope")
    _, out = list(anonymize([post, reply], key=KEY))
    assert out.text == f"Hope helps, @{pseudonym(KEY, 'youtube', 'UC1')}"


def test_output_identical_for_same_key() -> None:
    """Running twice with the same key gives equal records, pseudonyms included."""
    assert list(anonymize(_thread(), key=KEY)) == list(anonymize(_thread(), key=KEY))
    assert list(anonymize(_thread(), key=KEY)) != list(anonymize(_thread(), key=OTHER))


def test_key_never_in_repr() -> None:
    """The anonymiser's repr does not show the key."""
    assert KEY not in repr(Anonymizer(KEY))


def test_load_key_sources_and_errors(tmp_path: pytest.TempPathFactory) -> None:
    """The key comes from the key file or the environment; missing or short keys are clear errors."""
    with pytest.raises(AnonymizationKeyError, match="TEARCORPUS_KEY is not set"):
        load_key(env={})
    with pytest.raises(AnonymizationKeyError, match="at least 16"):
        load_key(env={"TEARCORPUS_KEY": "short"})
    assert load_key(env={"TEARCORPUS_KEY": KEY}) == KEY.encode()
    path = f"{tmp_path}/key"
    with open(path, "wb") as fh:
        fh.write(KEY.encode() + b"\n")
    assert load_key(path, env={}) == KEY.encode()
    with pytest.raises(AnonymizationKeyError, match="cannot read key file"):
        load_key(f"{tmp_path}/missing", env={})


@pytest.mark.parametrize(
    "key",
    [
        "author_thumbnail",
        "photo",
        "authorProfileImageUrl",
        "authorChannelUrl",
        "author_fullname",
        "channel",
        "uploader_id",
        "uploader_url",
        "channel_url",
        "channel_id",
        "authorDisplayName",
        "isReplyToName",
        "approved_by",
        "mod_reports",
    ],
)
def test_identifying_keys(key: str) -> None:
    """Keys parsers keep in extra that point to a person are recognised."""
    assert is_identifying_key(key)


@pytest.mark.parametrize("key", ["score", "body_html", "permalink", "subreddit", "like_count"])
def test_non_identifying_keys(key: str) -> None:
    """Ordinary keys are kept."""
    assert not is_identifying_key(key)


def test_profile_posts_lose_their_profile_links() -> None:
    """A post to a user's profile loses subreddit, permalink and url naming that user."""
    post = Post(
        id="p",
        platform="reddit",
        url="https://www.reddit.com/r/u_someone/comments/abc/x/",
        extra={"subreddit": "u_someone", "permalink": "/r/u_someone/comments/abc/x/", "ups": 1},
    )
    (out,) = anonymize([post], key=KEY, report=Report())
    assert isinstance(out, Post)
    assert out.url is None
    assert out.extra == {"ups": 1}


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("a" * 16, "only 1 distinct byte"),
        ("ab" * 32, "only 2 distinct bytes"),
        ("abcdefgh" * 4, "one 8-byte piece repeated"),
        ("0123456789" * 3 + "01", "one 10-byte piece repeated"),
    ],
)
def test_load_key_refuses_a_plain_key(key: str, why: str) -> None:
    """A long key with too little variety is refused with how to make a good one."""
    with pytest.raises(AnonymizationKeyError, match=why) as info:
        load_key(env={"TEARCORPUS_KEY": key})
    assert "import secrets; print(secrets.token_hex(32))" in str(info.value)
    with pytest.raises(AnonymizationKeyError, match=why):
        Anonymizer(key)


def test_load_key_accepts_random_keys() -> None:
    """Keys made as the error says (token_hex of 16 to 64 bytes) are accepted."""
    import secrets

    for size in (16, 32, 64):
        for _ in range(50):
            key = secrets.token_hex(size)
            assert load_key(env={"TEARCORPUS_KEY": key}) == key.encode()


def test_cli_refuses_a_plain_key(tmp_path: Path) -> None:
    """convert --anonymize with TEARCORPUS_KEY=aaaa... exits 1 with one line, writing nothing."""
    import os
    import subprocess
    import sys

    dump = tmp_path / "RC.ndjson"
    dump.write_text('{"id":"c1","link_id":"t3_a","parent_id":"t3_a","author":"x","body":"hi"}\n')
    env = dict(os.environ, TEARCORPUS_KEY="a" * 16)
    env["PYTHONPATH"] = str(Path(__file__).parents[2] / "src")
    out = tmp_path / "out"
    argv = ["convert", str(dump), "--to", "jsonl", "-o", str(out), "--anonymize"]
    result = subprocess.run(
        [sys.executable, "-m", "tearcorpus", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "tearcorpus: error: the key in $TEARCORPUS_KEY holds only 1 distinct byte; a key needs "
        "at least 6 and should be random; make one with: python -c 'import secrets; "
        "print(secrets.token_hex(32))' and pass it in $TEARCORPUS_KEY or --key-file"
    ]
    assert not out.exists()
