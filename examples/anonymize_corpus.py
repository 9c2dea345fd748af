"""Anonymise a corpus: keyed pseudonyms for authors, personal data scrubbed from text.

Reads the bundled sample dump and a small Pushshift-style dump this script writes with
planted emails, phone numbers, URLs, an IP address, handles and author names; anonymises
both with a key it sets; writes JSON Lines to a temporary folder; and checks that none
of the planted values is left in the bytes written.

Run with no arguments: ``python examples/anonymize_corpus.py``. From the command line the
same is ``TEARCORPUS_KEY=... tearcorpus convert INPUT... --to jsonl -o OUT --anonymize``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import tearcorpus
from tearcorpus.transforms import Anonymizer, Scrubber, collect_names, load_key

PLANTED = [
    "tearful.reader@example.org",
    "+44 7700 900555",
    "(555) 010-4477",
    "https://example.net/my-diary",
    "198.51.100.42",
    "@night_owl_22",
    "u/Morning_Crier",
    "Morning_Crier",
    "night_owl_22",
    "t2_planted",
]


def write_dump(path: Path) -> None:
    """A tiny Pushshift comments dump (one JSON object a line) with planted personal data."""
    common = {"subreddit": "therapy", "link_id": "t3_demo1", "score": 2}
    comments = [
        {
            **common,
            "id": "d1",
            "parent_id": "t3_demo1",
            "author": "Morning_Crier",
            "author_fullname": "t2_planted",
            "created_utc": 1700000000,
            "body": "I cried through my whole session. Write to tearful.reader@example.org "
            "or call +44 7700 900555.",
        },
        {
            **common,
            "id": "d2",
            "parent_id": "t1_d1",
            "author": "night_owl_22",
            "created_utc": 1700000060,
            "body": "u/Morning_Crier same here. My notes: https://example.net/my-diary, "
            "US line (555) 010-4477, home server 198.51.100.42, I'm @night_owl_22 elsewhere.",
        },
    ]
    path.write_text("".join(json.dumps(c) + "\n" for c in comments), encoding="utf-8")


def main() -> None:
    os.environ.setdefault("TEARCORPUS_KEY", "example-key-do-not-use-for-real-data")
    key = load_key()
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "RC_demo.ndjson"
        write_dump(dump)
        inputs: list[str] = [str(tearcorpus.sample_path()), str(dump)]

        # Pass one: every author's name, so that mentions can be pseudonymised too.
        names = collect_names(tearcorpus.iter_records(inputs))
        report = tearcorpus.Report()
        records = tearcorpus.apply_transforms(
            tearcorpus.iter_records(inputs, report=report),
            [Anonymizer(key, names), Scrubber()],
            report,
        )
        out = Path(tmp) / "anonymised"
        result = tearcorpus.write_jsonl(records, str(out), report=report)
        print(f"wrote {result.posts} posts and {result.replies} replies to {out.name}/")
        print("scrubbed:", dict(sorted(report.scrubbed.items())))

        written = b"".join(Path(f).read_bytes() for f in result.files)
        left = [value for value in PLANTED if value.encode() in written]
        assert not left, f"planted values left in the output: {left}"
        assert key not in written, "the key must never be written"
        print(f"none of the {len(PLANTED)} planted values is left in the output")
        for line in (out / "replies.jsonl").read_text("utf-8").splitlines()[-2:]:
            reply = json.loads(line)
            print(f"  {reply['author']['name']}: {reply['text'][:90]}")


if __name__ == "__main__":
    main()
