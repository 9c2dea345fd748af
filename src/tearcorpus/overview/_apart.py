"""The card's charts counted and drawn in a second process, while this one parses.

A Hub folder export of a large input spends seconds on its card's charts: the statistics
of every record batch (:class:`~._stats.Overview`), the matplotlib import and the
drawing. On a machine with a free core they need not wait for the parsing:
:class:`ChartsApart` starts a Python process of its own (:func:`main`), hands it the
statistics counted so far, then every later batch, and at the end the drawn charts come
back. The figures and the PNG bytes are the same as drawn in this process. The card's
YAML front matter is made there too (:meth:`ChartsApart.front_matter`): it needs
``datasets``, whose import (about half a second) is done there once the charts are drawn.

The second process is the same interpreter, importing this same tearcorpus; it starts
with a plain ``subprocess``, so nothing of the calling program (its ``__main__``) runs
in it. Messages are pickles on its standard input and output (only
ever between this process and its own child). It ignores Ctrl-C and a hang-up (this
process ends it, with its run) and ends by itself when its input closes, so it never
outlives the run.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Final

from ..errors import ExportError

if TYPE_CHECKING:
    import pyarrow as pa
    from huggingface_hub import DatasetCardData

    from ._charts import Chart
    from ._stats import Overview

__all__ = ["ChartsApart"]

_PROTOCOL: Final = pickle.HIGHEST_PROTOCOL
#: Batches waiting to be sent at most (the sending thread writes one while these wait).
QUEUED: Final = 4
#: The answer of a child whose matplotlib is missing.
_MISSING: Final = "missing"


class ChartsApart:
    """A second process counting record batches into an :class:`~._stats.Overview` and
    drawing its charts (see the module docs).

    Messages go through a small queue to a thread that writes them to the pipe, so this
    process never waits for the second one (while it starts, or while the pipe is full)
    unless the queue is: at most :data:`QUEUED` batches are held."""

    def __init__(self, process: subprocess.Popen[bytes], stdin: IO[bytes], stdout: IO[bytes]):
        self._process = process
        self._stdin = stdin
        self._stdout = stdout
        self._queue: queue.Queue[object] = queue.Queue(QUEUED)
        self._failed = False
        self._finished = False
        self._sender = threading.Thread(target=self._send_all, name="tearcorpus-charts")
        self._sender.daemon = True
        self._sender.start()

    @classmethod
    def start(cls, overview: Overview) -> ChartsApart | None:
        """A second process that goes on from *overview*; ``None`` when none can start
        (the caller then goes on in this process)."""
        import tearcorpus

        if not sys.executable:
            return None
        # This tearcorpus, wherever it was imported from (first, when the child's path
        # would not find it); nothing of the calling program runs there.
        package = os.path.dirname(os.path.dirname(os.path.abspath(tearcorpus.__file__)))
        boot = (
            f"import sys\nif {package!r} not in sys.path: sys.path.insert(0, {package!r})\n"
            "from tearcorpus.overview._apart import main\nmain()\n"
        )
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", boot],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError:
            return None
        assert process.stdin is not None
        assert process.stdout is not None
        apart = cls(process, process.stdin, process.stdout)
        apart._send(overview)
        return apart

    def add(self, table: str, batch: pa.RecordBatch) -> None:
        """Count a record batch of the ``posts`` or ``replies`` table."""
        self._send((table, batch))

    def finish(self) -> None:
        """No more batches: the second process draws the charts (while this one goes on)."""
        if not self._finished:
            self._finished = True
            self._send(None)

    def charts(self) -> list[Chart] | None:
        """The drawn charts (after :meth:`finish`); ``None`` when matplotlib is missing.
        The process then waits for :meth:`front_matter` or :meth:`close`."""
        self.finish()
        self._sender.join()
        kind, value = self._answer()
        if kind == "error":
            self.close()
            raise ExportError(f"cannot draw the card's charts: {value}")
        if kind == _MISSING:
            return None
        assert isinstance(value, list)
        return value

    def front_matter(self, make: Callable[[], DatasetCardData]) -> str:
        """The card's YAML front matter, ``make().to_yaml()``, made in the second process
        (after :meth:`charts`), which then ends. *make* is pickled: a module-level
        function, or a ``functools.partial`` of one."""
        try:
            pickle.dump(make, self._stdin, _PROTOCOL)
            self._stdin.close()
        except OSError:
            pass  # it has ended: its answer says how
        kind, value = self._answer()
        self.close()
        if kind == "error":
            raise ExportError(f"cannot write the card's front matter: {value}")
        assert isinstance(value, str)
        return value

    def _answer(self) -> tuple[str, object]:
        try:
            answer: tuple[str, object] = pickle.load(self._stdout)
        except (EOFError, pickle.UnpicklingError, OSError):
            return "error", self._ended()
        return answer

    def close(self) -> None:
        """End the second process (at once, if it is still at work) and wait for it."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        if self._sender.is_alive():  # its writes fail now: it empties the queue
            self._finished = True
            self._queue.put(None)
            self._sender.join()
        for stream in (self._stdin, self._stdout):
            with contextlib.suppress(OSError):
                stream.close()

    def _send(self, message: object) -> None:
        if self._failed:  # it has ended: say how
            raise ExportError(f"cannot draw the card's charts: {self._ended()}")
        self._queue.put(message)

    def _send_all(self) -> None:
        """The sending thread: each message pickled to the pipe, until ``None``; after a
        failed write (the second process ended), the rest taken and dropped."""
        while True:
            message = self._queue.get()
            if not self._failed:
                try:
                    pickle.dump(message, self._stdin, _PROTOCOL)
                    if message is None:
                        self._stdin.flush()
                except OSError:
                    self._failed = True
            if message is None:
                return

    def _ended(self) -> str:
        code = self._process.wait()
        return f"their process ended early (exit code {code})"


def _serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The second process: an Overview, then batches until ``None``; the charts back;
    then, if asked, the card's front matter back."""
    from ..errors import MissingDependencyError
    from ._charts import draw_charts, require_matplotlib

    def warm() -> None:
        with contextlib.suppress(MissingDependencyError):
            require_matplotlib()

    # matplotlib is imported beside the counting (the first process does not wait for it).
    warming = threading.Thread(target=warm, daemon=True)
    warming.start()

    def charts() -> tuple[str, object]:
        overview: Overview = pickle.load(stdin)
        while (item := pickle.load(stdin)) is not None:
            overview.add_batch(*item)
        warming.join()
        result = overview.result()
        del overview
        try:
            return "charts", draw_charts(result, svg=False, png=True)
        except MissingDependencyError:
            return _MISSING, None

    def front_matter() -> tuple[str, object]:
        # datasets is imported once the statistics are gone (less memory at once), while
        # the first process writes its shards.
        with contextlib.suppress(ImportError):
            import datasets  # noqa: F401
        make: Callable[[], DatasetCardData] = pickle.load(stdin)
        return "yaml", make().to_yaml()

    for work in (charts, front_matter):
        answer: tuple[str, object]
        try:
            answer = work()
        except EOFError:
            return  # the first process has gone, or wants no more: nothing to answer
        except Exception as exc:
            answer = ("error", f"{type(exc).__name__}: {exc}")
        pickle.dump(answer, stdout, _PROTOCOL)
        stdout.flush()
        if answer[0] == "error":
            return


def main() -> None:
    """The second process's entry point (see the module docs)."""
    for name in ("SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    from .._process import own_process

    own_process(arrow=True)
    # The answer goes out on the standard output as it was; anything else printed there
    # (by a library) goes nowhere instead of into the answer.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    with open(os.devnull, "wb") as nowhere:
        os.dup2(nowhere.fileno(), sys.stdout.fileno())
    _serve(sys.stdin.buffer, answers)
