"""pyarrow in the processes tearcorpus owns: without pandas.

pyarrow imports pandas lazily, but on its first ``pa.array`` of a Python list: before
converting a list it asks whether the object is a pandas Series, and to ask it imports
pandas (about 50 MB and 0.2-0.4 s here). tearcorpus never hands pyarrow a pandas object,
so the command line and the worker processes it spawns settle that check as "no pandas"
before their first array (:func:`pyarrow_without_pandas`). Library users keep pyarrow as
they have it: a notebook that has pandas, or imports it later, is never touched.
"""

from __future__ import annotations

import sys
from importlib.abc import MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Final

__all__ = ["pyarrow_without_pandas"]

_PANDAS: Final = "pandas"


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
