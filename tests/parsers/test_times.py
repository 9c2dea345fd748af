"""Relative time texts in YouTube's interface languages, and its localised edited marks."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

import tearcorpus
from tearcorpus import TimePrecision
from tearcorpus.parsers import ParseContext, _times
from tearcorpus.parsers._times import (
    EDITED_MARKS,
    TimeReader,
    english_relative,
    is_known_mark,
    split_edited,
)

DATA = Path(__file__).parents[1] / "data" / "ycd"
MIXED = DATA / "ycd_Mx4LangTe5A.mixed.jsonl"
NEW_INFO = "ytdlp_Xq7Tz0bWc3M.info.json"
SCRAPED = datetime(2024, 1, 6, 12, tzinfo=UTC)
DAY, WEEK, MONTH, YEAR = (
    TimePrecision.DAY,
    TimePrecision.WEEK,
    TimePrecision.MONTH,
    TimePrecision.YEAR,
)


def _at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


#: The mixed file's comments: (time text's language, created_at, precision, is_edited).
MIXED_EXPECTED = {
    "UgzEnglishhhhhhhhhhh4AaABAg": ("en", _at(2023, 1, 6), YEAR, False),
    "UgzEnglishhhhhhhhhhh4AaABAg.R1enenenenen1": ("en", _at(2023, 12, 17), WEEK, True),
    "UgzDeutschhhhhhhhhhh4AaABAg": ("de", _at(2024, 1, 3), DAY, True),
    "UgzDeutschhhhhhhhhhh4AaABAg.R1dededede001": ("de", _at(2023, 12, 6), MONTH, False),
    "UgzFrancaissssssssss4AaABAg": ("fr", _at(2024, 1, 6, 10), DAY, False),
    "UgzFrancaisbisssssss4AaABAg": ("fr", _at(2023, 1, 6), YEAR, True),
    "UgzEllinikaaaaaaaaaa4AaABAg": ("el", _at(2023, 3, 6), MONTH, True),
    "UgzUrduuuuuuuuuuuuuu4AaABAg": ("ur", _at(2022, 1, 6), YEAR, True),
    "UgzIndonesiaaaaaaaaa4AaABAg": ("id", _at(2023, 12, 30), WEEK, True),
    "UgzIndonesiabisaaaaa4AaABAg": ("id", _at(2023, 10, 6), MONTH, False),
    "UgzNihongoooooooooooo4AaABA": ("ja", _at(2022, 1, 6), YEAR, True),
    "UgzNihongoooooooooooo4AaABA.R1jajajajaja1": ("ja", _at(2024, 1, 1), DAY, False),
}

#: A comment's time text per interface language, edited, as youtube-comment-downloader
#: keeps it: (text, created_at counted back from SCRAPED, precision).
LOCALISED = {
    "ar": ("قبل 3 أسابيع (تم التعديل)", _at(2023, 12, 16), WEEK),
    "cs": ("před 2 týdny (upraveno)", _at(2023, 12, 23), WEEK),
    "da": ("for 3 uger siden (redigeret)", _at(2023, 12, 16), WEEK),
    "de": ("vor 3 Tagen (bearbeitet)", _at(2024, 1, 3), DAY),
    "el": ("πριν από 10 μήνες (τροποποιήθηκε)", _at(2023, 3, 6), MONTH),
    "en": ("3 weeks ago (edited)", _at(2023, 12, 16), WEEK),
    "es": ("hace 3 meses (editado)", _at(2023, 10, 6), MONTH),
    "fa": ("۲ هفته پیش (ویرایش‌شده)", _at(2023, 12, 23), WEEK),
    "fi": ("2 viikkoa sitten (muokattu)", _at(2023, 12, 23), WEEK),
    "fil": ("2 linggo ang nakalipas (na-edit)", _at(2023, 12, 23), WEEK),
    "fr": ("il y a 2 semaines (modifié)", _at(2023, 12, 23), WEEK),
    "hi": ("2 महीने पहले (संपादित)", _at(2023, 11, 6), MONTH),
    "hu": ("3 hete (szerkesztve)", _at(2023, 12, 16), WEEK),
    "id": ("1 minggu yang lalu (diedit)", _at(2023, 12, 30), WEEK),
    "it": ("4 giorni fa (modificato)", _at(2024, 1, 2), DAY),
    "ja": ("2 年前（編集済み）", _at(2022, 1, 6), YEAR),
    "ko": ("2개월 전(수정됨)", _at(2023, 11, 6), MONTH),
    "ms": ("2 minggu lalu (disunting)", _at(2023, 12, 23), WEEK),
    "nb": ("for 2 uker siden (endret)", _at(2023, 12, 23), WEEK),
    "nl": ("1 jaar geleden (bewerkt)", _at(2023, 1, 6), YEAR),
    "pl": ("2 tygodnie temu (edytowany)", _at(2023, 12, 23), WEEK),
    "pt": ("há 1 ano (editado)", _at(2023, 1, 6), YEAR),
    "ru": ("5 дней назад (изменено)", _at(2024, 1, 1), DAY),
    "sv": ("för 2 veckor sedan (redigerad)", _at(2023, 12, 23), WEEK),
    "th": ("2 เดือนที่แล้ว (แก้ไขแล้ว)", _at(2023, 11, 6), MONTH),
    "tr": ("3 hafta önce (düzenlendi)", _at(2023, 12, 16), WEEK),
    "uk": ("3 дні тому (змінено)", _at(2024, 1, 3), DAY),
    "ur": ("2 سال پہلے (ترمیم کردہ)", _at(2022, 1, 6), YEAR),
    "vi": ("1 năm trước (đã chỉnh sửa)", _at(2023, 1, 6), YEAR),
    "zh-Hans": ("3个月前（已编辑）", _at(2023, 10, 6), MONTH),
    "zh-Hant": ("1 週前 (已編輯)", _at(2023, 12, 30), WEEK),
}


def _reader() -> tuple[ParseContext, TimeReader]:
    ctx = ParseContext("x.jsonl", "ycd")
    return ctx, TimeReader(ctx, SCRAPED)


@pytest.mark.parametrize("language", sorted(LOCALISED))
def test_localised_time_text_with_its_edited_mark(language: str) -> None:
    """Each language's edited time text: the mark is known and cut off, the rest read back
    from the scrape time with the precision of its unit."""
    pytest.importorskip("dateparser")
    text, created, precision = LOCALISED[language]
    ctx, reader = _reader()
    relative, mark = split_edited(text)
    assert mark is not None
    assert mark in EDITED_MARKS[language]
    assert is_known_mark(mark)
    anchor = {"at": "2024-01-06T12:00:00Z", "from": "epoch"}
    assert reader.interpret(text, None) == (created, precision, True, anchor)
    assert reader.interpret(relative, None) == (created, precision, False, anchor)
    assert ctx.report.notes == {}


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("vor 3 Tagen (bearbeitet)", "bearbeitet"),
        ("2 年前（編集済み）", "編集済み"),
        ("2 سال پہلے (ترمیم کردہ)\u200f", "ترمیم کردہ"),
        ("3 weeks ago", None),
        ("(edited)", None),  # nothing before it: no time text with a mark
    ],
)
def test_split_edited(text: str, word: str | None) -> None:
    """A trailing parenthesised word (ASCII or full-width, RTL marks after it) is the mark."""
    assert split_edited(text)[1] == word


def test_an_unknown_mark_still_marks_an_edit_and_is_noted() -> None:
    """A parenthesised word not in the table is an edit all the same, counted as a note."""
    ctx, reader = _reader()
    created, precision, edited, _ = reader.interpret("3 weeks ago (redacted-ish)", None)
    assert (created, precision, edited) == (_at(2023, 12, 16), WEEK, True)
    assert ctx.report.notes == {"unknown-edited-mark": 1}


def test_every_mark_is_known_and_every_language_a_dateparser_locale() -> None:
    """The table's words are recognised, and its languages are all dateparser locales."""
    loader = pytest.importorskip("dateparser.languages.loader")
    locales = loader.default_loader.get_locale_map()
    for language, words in EDITED_MARKS.items():
        assert language in locales, language
        assert all(is_known_mark(f" {word.upper()} ") for word in words)


@pytest.mark.parametrize(
    ("text", "created", "precision"),
    [
        ("1 year ago", _at(2023, 1, 6), YEAR),
        ("a year ago", _at(2023, 1, 6), YEAR),
        ("11 months ago", _at(2023, 2, 6), MONTH),
        ("2 weeks ago", _at(2023, 12, 23), WEEK),
        ("1 day ago", _at(2024, 1, 5), DAY),
        ("5 hours ago", _at(2024, 1, 6, 7), DAY),
        ("30 seconds ago", datetime(2024, 1, 6, 11, 59, 30, tzinfo=UTC), DAY),
        ("Streamed 3 days ago", _at(2024, 1, 3), DAY),
    ],
)
def test_english_fast_path(text: str, created: datetime, precision: TimePrecision) -> None:
    """English texts are read without dateparser, the unit giving the precision."""
    assert english_relative(text, SCRAPED) == (created, precision)


def test_english_fast_path_clamps_to_the_end_of_the_month() -> None:
    """One month before 31 March is 29 February in a leap year, as relativedelta has it."""
    found = english_relative("1 month ago", datetime(2024, 3, 31, tzinfo=UTC))
    assert found == (datetime(2024, 2, 29, tzinfo=UTC), MONTH)


def test_mixed_language_ycd_file_gets_every_time_and_edit() -> None:
    """The mixed file (en, de, fr, el, ur, id, ja): every comment gets its created_at, its
    precision and its edited flag; times ycd did not parse count back from scraped_at."""
    pytest.importorskip("dateparser")
    corpus = tearcorpus.read(MIXED, options={"scraped_at": "2024-01-06T12:00:00Z"})
    replies = {reply.id: reply for reply in corpus.replies}
    assert set(replies) == set(MIXED_EXPECTED)
    for cid, (language, created, precision, edited) in MIXED_EXPECTED.items():
        reply = replies[cid]
        got = (reply.created_at, reply.created_at_precision, reply.is_edited)
        assert got == (created, precision, edited), (language, cid)
        assert reply.created_at_estimated is True
        if language == "en":  # ycd gave time_parsed: no anchor of ours
            assert "time_anchor" not in reply.extra
        else:
            assert reply.extra["time_anchor"] == {
                "at": "2024-01-06T12:00:00Z",
                "from": "scraped_at",
            }
    assert corpus.report.notes == {}


def test_without_scraped_at_the_file_mtime_is_the_anchor(tmp_path: Path) -> None:
    """With no scraped_at option, relative times count back from the file's mtime."""
    pytest.importorskip("dateparser")
    path = tmp_path / MIXED.name
    shutil.copyfile(MIXED, path)
    os.utime(path, (SCRAPED.timestamp(), SCRAPED.timestamp()))
    replies = {reply.id: reply for reply in tearcorpus.read(path).replies}
    german = replies["UgzDeutschhhhhhhhhhh4AaABAg"]
    assert (german.created_at, german.created_at_precision) == (_at(2024, 1, 3), DAY)
    assert german.extra["time_anchor"] == {"at": "2024-01-06T12:00:00Z", "from": "mtime"}


def test_a_bad_scraped_at_option_names_the_file() -> None:
    """A scraped_at that is no time is an input error, not a silent fallback."""
    with pytest.raises(tearcorpus.InputError, match="scraped_at"):
        tearcorpus.read(MIXED, options={"scraped_at": "last tuesday"})


def test_scraped_at_as_epoch_seconds() -> None:
    """scraped_at may be seconds since the epoch."""
    corpus = tearcorpus.read(MIXED, options={"scraped_at": str(int(SCRAPED.timestamp()))})
    reply = next(r for r in corpus.replies if r.id == "UgzNihongoooooooooooo4AaABA.R1jajajajaja1")
    assert reply.created_at == _at(2024, 1, 1)


def test_without_the_dates_extra_localised_times_are_noted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without dateparser, English times are still read; each localised one gives no time
    and counts a note naming the extra; the edited marks are read all the same."""
    monkeypatch.setitem(sys.modules, "dateparser", None)
    monkeypatch.setitem(sys.modules, "dateparser.date", None)
    # A fresh cache of the import's outcome, so that it is tried again (and fails).
    monkeypatch.setattr(
        _times, "_date_data_parser", functools.cache(_times._date_data_parser.__wrapped__)
    )
    corpus = tearcorpus.read(MIXED, options={"scraped_at": "2024-01-06T12:00:00Z"})
    replies = {reply.id: reply for reply in corpus.replies}
    for cid, (language, created, precision, edited) in MIXED_EXPECTED.items():
        reply = replies[cid]
        assert reply.is_edited is edited
        if language == "en":
            assert (reply.created_at, reply.created_at_precision) == (created, precision)
        else:
            assert (reply.created_at, reply.created_at_precision) == (None, None)
            assert reply.created_at_estimated is False
    assert corpus.report.notes == {"localised-time-needs-dates-extra": 10}


def test_ytdlp_localised_time_counts_back_from_epoch(tmp_path: Path) -> None:
    """A yt-dlp comment with a localised time text and no timestamp counts back from the
    file's epoch; one with a timestamp keeps it and takes only the unit."""
    pytest.importorskip("dateparser")
    info = {
        "id": "Xq7Tz0bWc3M",
        "title": "Warum traurige Lieder guttun",
        "extractor": "youtube",
        "extractor_key": "Youtube",
        "webpage_url": "https://www.youtube.com/watch?v=Xq7Tz0bWc3M",
        "webpage_url_basename": "watch",
        "epoch": int(SCRAPED.timestamp()),
        "comments": [
            {
                "id": "UgzLokalisiertttttt4AaABAg",
                "parent": "root",
                "text": "Wunderschön.",
                "like_count": 2,
                "author_id": "UCabendliedxxxxxxxxxxxxx",
                "author": "@abendlied",
                "author_thumbnail": "https://img.example.invalid/a.jpg",
                "author_url": "https://www.youtube.com/@abendlied",
                "author_is_uploader": False,
                "author_is_verified": False,
                "is_favorited": False,
                "is_pinned": False,
                "_time_text": "vor 2 Wochen (bearbeitet)",
                "timestamp": None,
            },
            {
                "id": "UgzEnglishTimeeeeeee4AaABAg",
                "parent": "root",
                "text": "Lovely.",
                "like_count": 0,
                "author": "@lowtide",
                "_time_text": "1 month ago",
                "timestamp": 1701820800,
            },
        ],
    }
    path = tmp_path / "Xq7Tz0bWc3M.info.json"
    path.write_bytes(orjson.dumps(info))
    german, english = tearcorpus.read(path).replies
    assert (german.created_at, german.created_at_precision) == (_at(2023, 12, 23), WEEK)
    assert german.is_edited is True
    assert german.extra["time_anchor"] == {"at": "2024-01-06T12:00:00Z", "from": "epoch"}
    assert (english.created_at, english.created_at_precision) == (_at(2023, 12, 6, 0), MONTH)
    assert "time_anchor" not in english.extra


def test_mixed_file_converts_through_the_command_line(tmp_path: Path) -> None:
    """tearcorpus convert writes every comment's time, precision and edit to JSONL, and
    reading that back gives the same records."""
    pytest.importorskip("dateparser")
    path = tmp_path / MIXED.name
    shutil.copyfile(MIXED, path)
    os.utime(path, (SCRAPED.timestamp(), SCRAPED.timestamp()))
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "tearcorpus", "convert", str(path), "--to", "jsonl", "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    written = [orjson.loads(line) for p in sorted(out.glob("*.jsonl")) for line in p.open("rb")]
    rows = {row["id"]: row for row in written if row["kind"] == "reply"}
    for cid, (_, created, precision, edited) in MIXED_EXPECTED.items():
        row = rows[cid]
        assert row["created_at"] == tearcorpus.serialize.format_time(created)
        assert (row["created_at_precision"], row["is_edited"]) == (precision.value, edited)
    back = tearcorpus.read(sorted(out.glob("*.jsonl"))).replies
    assert back == tearcorpus.read(path).replies


def test_english_dumps_do_not_import_dateparser() -> None:
    """Reading English time texts (the yt-dlp fixtures) leaves dateparser unimported: it
    is loaded only at the first non-English text."""
    data = Path(__file__).parents[1] / "data" / "ytdlp"
    inputs = [str(data / NEW_INFO), str(data / "old_Lm3Np5Qr7TE.info.json")]
    code = (
        "import sys, tearcorpus; "
        f"corpus = tearcorpus.read({inputs!r}); "
        "assert any(r.created_at_precision for r in corpus.replies); "
        "print('DATEPARSER', 'dateparser' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "DATEPARSER False" in done.stdout


def test_dateparser_is_spared_long_texts_and_endless_failures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A text longer than any time text, and new texts after many distinct failures, are
    not given to dateparser; each still counts unreadable-time-text."""
    asked: list[str] = []

    def reader(anchor: datetime) -> object:
        return lambda text: asked.append(text)  # reads nothing

    monkeypatch.setattr(_times, "_date_data_parser", lambda: object)
    monkeypatch.setattr(_times, "_localised_reader", reader)
    ctx, times = _reader()
    assert times.interpret("x" * 200, None) == (None, None, False, None)
    for number in range(_times._MAX_FAILURES + 5):
        assert times.interpret(f"nonsense {number}", None) == (None, None, False, None)
    assert len(asked) == _times._MAX_FAILURES
    assert ctx.report.notes == {"unreadable-time-text": _times._MAX_FAILURES + 6}
