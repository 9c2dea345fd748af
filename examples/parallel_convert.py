"""Convert several dumps with two worker processes and check the output against one.

Run with no arguments: ``python examples/parallel_convert.py``. It writes a few small
dumps of its own next to the bundled sample (one of them twice, as a second scrape would),
converts them to JSONL and CSV with :func:`tearcorpus.convert` (the job ``tearcorpus
convert`` runs) with one and with two worker processes, and checks that the files are
byte-identical and that the repeated dump's records were written once.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import tearcorpus
from tearcorpus import parallel

THREADS = [
    ("Learning to cry again", ["This helped me a lot.", "Same here, thank you.", "Saved."]),
    ("Why grief comes in waves", ["My dad passed in May.", "Sending you strength.", "Saved."]),
    ("Crying at work", ["Is it ever okay?", "It happens to everyone.", "I hide in the car."]),
]


def _write_dumps(folder: Path) -> list[str]:
    """Three plain-text dumps (title, body, replies separated by blank lines)."""
    paths = [str(tearcorpus.sample_path())]
    for i, (title, replies) in enumerate(THREADS):
        path = folder / f"thread-{i}.txt"
        path.write_text(f"{title}\n\nA video.\n\n\n" + "\n\n\n".join(replies) + "\n", "utf-8")
        paths.append(str(path))
    return paths


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def main_example() -> None:
    # ``--workers`` reads inputs under 32 MB in all in one process (starting the workers
    # would cost more than they save); these dumps are tiny, so lower that threshold to
    # see the workers write the same bytes.
    parallel.MIN_WORKER_BYTES = 0
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        inputs = _write_dumps(root)
        inputs.append(inputs[-1])  # the same dump given twice: its records are merged
        steps = (tearcorpus.NormalizeStep(), tearcorpus.DedupStep())
        for fmt in ("jsonl", "csv"):
            outputs = {}
            for workers in (1, 2):
                out = root / f"{fmt}-{workers}"
                result = tearcorpus.convert(
                    inputs, to=fmt, out=out, workers=workers, transforms=steps
                )
                report = result.report
                assert report is not None
                assert report.read == (
                    result.written + report.rejected + report.dropped + report.merged
                )
                assert report.merged == 4  # the repeated dump's post and 3 replies
                outputs[workers] = _files(out)
            assert outputs[1] == outputs[2], f"{fmt}: two workers must write the same bytes"
            assert report is not None
            print(
                f"{fmt}: {len(outputs[2])} files identical with 1 and 2 workers; "
                f"read {report.read}, wrote {result.written}, merged {report.merged}, "
                f"dropped {report.dropped}"
            )

        # The library call: the reader's stream, parsed in two processes.
        report = tearcorpus.Report()
        records = list(parallel.iter_records(inputs, workers=2, report=report))
        assert records == list(tearcorpus.iter_records(inputs))
        print(f"parallel.iter_records: {len(records)} records from {len(report.sources)} inputs")


if __name__ == "__main__":
    main_example()
