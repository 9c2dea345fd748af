"""The command line as a new user runs it: convert --anonymize leaves no planted value."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tearcorpus.cli import main
from tearcorpus.transforms import pseudonym

KEY = "cli-test-key-0123456789abcdef"

#: Values planted in the dumps below; none may survive anonymisation.
PLANTED = [
    "sad.panda@example.org",
    "k [at] posteo [dot] de",
    "+44 7700 900321",
    "(555) 123-4567",
    "0161 496 0123",
    "https://example.com/my-story",
    "youtu.be/abc123XYZ",
    "203.0.113.9",
    "2001:db8::beef",
    "@quiet_helper",
    "u/Late_Writer99",
    "Late_Writer99",
    "Opening_Poster",
    "early_bird_7",
    "quiet_helper",
    "t2_secretid",
    "t2_opid",
    "Grief Flair",
]


def _pushshift(path: Path) -> None:
    """A Pushshift comments month (RC) with authors and planted personal data."""
    base = {"subreddit": "therapy", "subreddit_id": "t5_x", "link_id": "t3_p1", "score": 1}
    lines = [
        {
            **base,
            "id": "c1",
            "parent_id": "t3_p1",
            "author": "Opening_Poster",
            "author_fullname": "t2_opid",
            "author_flair_text": "Grief Flair",
            "created_utc": 1700000000,
            "body": "I cried today. Mail sad.panda@example.org or k [at] posteo [dot] de",
        },
        {
            **base,
            "id": "c2",
            "parent_id": "t1_c1",
            "author": "early_bird_7",
            "author_fullname": "t2_secretid",
            "created_utc": 1700000100,
            "body": "Call +44 7700 900321 or (555) 123-4567 or 0161 496 0123, u/Late_Writer99 knows",
        },
        {
            **base,
            "id": "c3",
            "parent_id": "t1_c2",
            "author": "Late_Writer99",
            "created_utc": 1700000200,
            "body": "my story https://example.com/my-story and youtu.be/abc123XYZ from 203.0.113.9",
        },
        {
            **base,
            "id": "c4",
            "parent_id": "t1_c3",
            "author": "quiet_helper",
            "created_utc": 1700000300,
            "body": "thanks Opening_Poster and early_bird_7; I'm @quiet_helper on the other site, "
            "server 2001:db8::beef",
        },
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")


def _run(args: list[str], key: str | None = KEY) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TEARCORPUS_KEY"}
    if key is not None:
        env["TEARCORPUS_KEY"] = key
    exe = Path(sys.executable).with_name("tearcorpus")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "tearcorpus"]
    return subprocess.run(cmd + args, env=env, capture_output=True, text=True, check=False)


def _all_bytes(outdir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(outdir.rglob("*")) if p.is_file())


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    path = tmp_path / "RC_planted.ndjson"
    _pushshift(path)
    return path


def test_anonymized_jsonl_holds_no_planted_value(dump: Path, tmp_path: Path) -> None:
    """Every planted email, phone, URL, IP, handle, name and id is gone from the output bytes."""
    out = tmp_path / "out"
    result = _run(["convert", str(dump), "--to", "jsonl", "-o", str(out), "--anonymize"])
    assert result.returncode == 0, result.stderr
    data = _all_bytes(out)
    for value in PLANTED:
        assert value.encode() not in data, value
    assert KEY.encode() not in data
    assert pseudonym(KEY, "reddit", "t2_opid").encode() in data
    assert b"u/anon-" in data
    assert "scrubbed" in result.stdout


def test_same_key_same_bytes_other_key_other_pseudonyms(dump: Path, tmp_path: Path) -> None:
    """Two runs with one key write byte-identical files; another key changes the pseudonyms."""
    outs = []
    for name, key in (("a", KEY), ("b", KEY), ("c", "another-key-0123456789abcdef")):
        out = tmp_path / name
        result = _run(["convert", str(dump), "--to", "jsonl", "-o", str(out), "--anonymize"], key)
        assert result.returncode == 0, result.stderr
        outs.append((out / "replies.jsonl").read_bytes())
    assert outs[0] == outs[1]
    assert outs[0] != outs[2]
    assert pseudonym(KEY, "reddit", "t2_opid").encode() not in outs[2]


def test_anonymize_without_key_is_a_clear_error(dump: Path, tmp_path: Path) -> None:
    """--anonymize without a key exits 1 with one line naming TEARCORPUS_KEY, writing nothing."""
    out = tmp_path / "out"
    result = _run(["convert", str(dump), "--to", "jsonl", "-o", str(out), "--anonymize"], None)
    assert result.returncode == 1
    assert "TEARCORPUS_KEY" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_key_file(dump: Path, tmp_path: Path) -> None:
    """--key-file gives the same pseudonyms as the same key in the environment."""
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    out = tmp_path / "out"
    args = ["convert", str(dump), "--to", "jsonl", "-o", str(out), "--anonymize"]
    result = _run([*args, "--key-file", str(key_file)], None)
    assert result.returncode == 0, result.stderr
    assert pseudonym(KEY, "reddit", "t2_opid").encode() in _all_bytes(out)


def test_counts_add_up_with_drops(
    dump: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """read = written + rejected + dropped, in the JSON summary and the manifest."""
    out = tmp_path / "out"
    dropped = tmp_path / "dropped.jsonl"
    code = main(
        [
            "convert",
            str(dump),
            "--to",
            "jsonl",
            "-o",
            str(out),
            "--min-chars",
            "70",
            "--json",
            "--write-dropped",
            str(dropped),
            "--scrub",
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["read"] == data["written"] + data["rejected"] + data["dropped"]
    assert data["dropped_by_reason"] == {"too-short": data["dropped"]}
    assert data["dropped"] >= 1
    assert data["written"] == data["posts"] + data["replies"] - data["dropped"]
    assert len(dropped.read_text().splitlines()) == data["dropped"]
    assert b"sad.panda@example.org" not in dropped.read_bytes() + _all_bytes(out)


def test_csv_output_holds_no_planted_value(dump: Path, tmp_path: Path) -> None:
    """The CSV export of an anonymised run holds none of the planted values either."""
    from tearcorpus.exporters import EXPORTERS

    if "csv" not in EXPORTERS:
        pytest.skip("no CSV exporter")
    out = tmp_path / "out"
    result = _run(["convert", str(dump), "--to", "csv", "-o", str(out), "--anonymize"])
    assert result.returncode == 0, result.stderr
    data = _all_bytes(out)
    for value in PLANTED:
        assert value.encode() not in data, value


def test_bad_scrub_kind_is_a_usage_error(dump: Path, tmp_path: Path) -> None:
    """An unknown --scrub kind exits 2 naming the known kinds."""
    result = _run(
        ["convert", str(dump), "--to", "jsonl", "-o", str(tmp_path / "o"), "--scrub", "mail"]
    )
    assert result.returncode == 2
    assert "unknown scrub kind 'mail'" in result.stderr
