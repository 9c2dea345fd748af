"""Settings for the processes tearcorpus owns: the command line and its worker processes.

Two costs that a long conversion pays for nothing, settled by :func:`own_process` before
the work begins, and never in a library user's process (a notebook keeps its settings).

**pyarrow without pandas.** pyarrow imports pandas lazily, but on its first ``pa.array``
of a Python list: before converting a list it asks whether the object is a pandas Series,
and to ask it imports pandas (about 40 MB and 0.2-0.4 s here). tearcorpus never hands pyarrow a pandas object,
so these processes settle that check as "no pandas" before their first array
(:func:`pyarrow_without_pandas`).

**The cyclic garbage collector.** A full collection walks every object alive, and after
pyarrow is imported that is a few hundred thousand objects of modules that live as long
as the process: at 1M comments to the Hub folder, 90 full collections took 5 s and found
26 objects of garbage (our records hold no cycles; they go when their last reference
does). The objects alive when the work begins are frozen (``gc.freeze``: never walked
again), and a collection of the youngest objects waits for :data:`GC_YOUNG` new objects
instead of 700, so the older generations are walked less often too. The collector still
runs: a cycle made during the work is still found.
"""

from __future__ import annotations

import gc
import sys
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Final

__all__ = ["GC_YOUNG", "own_process", "pyarrow_without_pandas"]

_PANDAS: Final = "pandas"

#: New objects between two collections of the youngest generation (Python's default: 700).
GC_YOUNG: Final = 10_000


class _NoPandas(MetaPathFinder):
    """Finds no pandas while pyarrow settles its check."""

    def find_spec(
        self,
        fullname: str,
        path: object = None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname == _PANDAS:
            raise ImportError(f"{_PANDAS} is not imported by tearcorpus' own processes")
        return None


def pyarrow_without_pandas() -> bool:
    """Settle pyarrow's pandas check as "no pandas" in this process; True if it was.

    Only for processes that are tearcorpus' own (the CLI, its workers): pyarrow then never
    treats an object as a pandas one (``to_pandas`` still imports pandas when asked).
    Nothing happens when pandas is already imported (the check then costs nothing) or when
    pyarrow is missing (the export that needs it says so).
    """
    if _PANDAS in sys.modules:
        return False
    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        import pyarrow as pa

        pa.array([])  # the first array of a list: pyarrow tries pandas once, and remembers
    except ImportError:
        return False
    finally:
        sys.meta_path.remove(finder)
    return _PANDAS not in sys.modules


def own_process(*, arrow: bool) -> None:
    """Settle this process of tearcorpus' own for a long run (see the module docs): with
    *arrow*, pyarrow imported without pandas; then the objects alive frozen and the
    collector's threshold raised."""
    if arrow:
        pyarrow_without_pandas()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG, middle, oldest)
