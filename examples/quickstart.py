"""Quick start: read the bundled sample dump, walk its thread, write and re-read JSONL.

Run with no arguments: ``python examples/quickstart.py``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import tearcorpus


def main() -> None:
    corpus = tearcorpus.read(tearcorpus.sample_path())
    print(f"read {corpus!r} from the bundled sample; rejected {corpus.report.rejected}")

    for thread in corpus.threads():
        title = thread.post.title if thread.post is not None else thread.post_id
        print(f"thread {title!r}: {len(thread)} replies")
        for reply, depth in list(thread.walk())[:3]:
            print(f"{'  ' * (depth + 1)}- {reply.text[:60]!r}")

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "corpus"
        result = tearcorpus.write_jsonl(corpus, str(out), report=corpus.report)
        print(f"wrote {result.written} records: {[Path(f).name for f in result.files]}")
        again = tearcorpus.read(sorted(out.glob("*.jsonl")))
        assert list(again) == list(corpus), "the JSONL round trip must be lossless"
        print("read back equal records:", len(again))


if __name__ == "__main__":
    main()
