"""SIGTERM and SIGHUP end a run the way Ctrl-C does: as an exception in the main thread.

Python's default for both is to die at once, leaving every temporary file of the run (a
300 MB hidden table, the Hub folder's spill folder, the workers' part files). Inside
:func:`signals_as_exceptions` they raise :class:`Terminated` instead, so the ``with``
blocks and ``finally`` clauses that own those files (:class:`~tearcorpus._atomic.OutputDir`,
the spill and scratch folders) remove them on the way out; then one line is printed and
the process exits with ``128 + signal`` (143 for SIGTERM, 129 for SIGHUP), as a shell
reports a process the signal ended.

``Terminated`` derives from ``BaseException``, like ``KeyboardInterrupt``: a lenient
``except Exception`` that counts a bad record cannot swallow it. A second signal while
the first one's cleanup runs is ignored, so the cleanup finishes.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Final

__all__ = ["SIGNALS", "Terminated", "signals_as_exceptions"]

#: The signals turned into :class:`Terminated` (those of them this platform has).
SIGNALS: Final = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class Terminated(BaseException):
    """The run was asked to stop by *signum*."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


@contextlib.contextmanager
def signals_as_exceptions() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Terminated` in the main thread;
    when it reaches the end of the block, ``tearcorpus: error: ...`` is printed on stderr
    and ``SystemExit(128 + signal)`` raised. Outside the main thread, a no-op (Python only
    delivers signals there)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired = False

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal fired
        if fired:  # the first one's cleanup is running: let it finish
            return
        fired = True
        raise Terminated(signum)

    previous = {number: signal.signal(number, handler) for number in SIGNALS}
    try:
        yield
    except Terminated as exc:
        print(
            f"tearcorpus: error: stopped by {exc}; the files of this run were removed",
            file=sys.stderr,
        )
        raise SystemExit(128 + exc.signum) from None
    finally:
        for number, old in previous.items():
            signal.signal(number, old)
