"""Source fields into record slots: the one mapping helper of every parser.

A parser declares once, for one kind of source object (a yt-dlp comment, a Reddit
comment), the source keys that fill a record's slots and the kind of value each takes::

    _COMMENT = Slots().add("text", TEXT).add("like_count", COUNT).add("is_pinned", FLAG)

and reads each object with ``values, extra = _COMMENT.take(data, ctx)``: the slots'
values in declaration order (``None`` for a null or missing key), typed by their kinds
(``str | None``, ``int | None``, ``bool | None`` here), and ``extra``, the
object without the keys taken, its other keys in their source order. A value of the
wrong kind is not taken: it stays in ``extra`` under its own key, where it was, and
each one counts as an ``invalid-field`` note in the input's report, so nothing is lost
and the report says how often a slot could not use its value.

The reading code is generated from the declaration (when the first object is read), as
attrs generates ``__init__``: one copy of the object, a ``pop`` and an inline type test
per slot. Only an object with a value the tests refuse goes through the general route,
which converts what each kind accepts beyond its test (a float of whole seconds, a string
of digits) and leaves the rest in ``extra``.

The readers below (:func:`text`, :func:`count`, :func:`flag`) are the same checks for
parsers that read a field at a time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Final, Generic, TypeVar, TypeVarTuple, overload

from attrs import frozen

from ..model import JsonValue
from ._base import ParseContext

__all__ = [
    "COUNT",
    "EPOCH",
    "FLAG",
    "INT",
    "INVALID",
    "NAME",
    "RAW",
    "TEXT",
    "Invalid",
    "Kind",
    "Slots",
    "count",
    "flag",
    "pop_text",
    "text",
]


class Invalid:
    """The type of :data:`INVALID`."""

    def __repr__(self) -> str:
        return "INVALID"


#: What a kind's ``convert`` returns for a value the slot cannot take.
INVALID: Final = Invalid()


_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)
_Ts = TypeVarTuple("_Ts")


def _refuse(value: object) -> Invalid:
    return INVALID


@frozen
class Kind(Generic[_T_co]):
    """What a slot takes: its values are of the type the kind is declared with.

    *test* is a Python expression over ``v``, true for a value taken as it is (the
    generated fast route; it must only let values of the type through); *convert* gets
    every other non-null value and returns the slot's value for it, ``None`` for a value
    that means absent, or :data:`INVALID`.
    """

    test: str
    convert: Callable[[object], _T_co | Invalid | None] = _refuse


def text(value: object) -> str | None:
    """*value* when it is a string, else ``None``."""
    return value if isinstance(value, str) else None


def flag(value: object, *, words: bool = False) -> bool | None:
    """*value* when it is a boolean; with *words* also ``"true"``/``"false"`` in any case
    (CSV cells); else ``None``."""
    if isinstance(value, bool):
        return value
    if words and isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def count(
    value: object, *, negative: bool = False, floats: bool = False, digits: bool = False
) -> int | None:
    """*value* as a count: an int (not a boolean), at least 0 unless *negative*; with
    *floats* a float of a whole number; with *digits* a string of ASCII digits (spaces
    around them allowed), as the YouTube API and CSV exports write counts. ``None`` for
    anything else."""
    if isinstance(value, bool):
        return None
    number: int
    if isinstance(value, int):
        number = value
    elif floats and isinstance(value, float) and value.is_integer():
        number = int(value)
    elif digits and isinstance(value, str) and value.strip().isascii():
        stripped = value.strip()
        if not stripped.isdigit():
            return None
        number = int(stripped)
    else:
        return None
    return number if negative or number >= 0 else None


def _text(value: object) -> str | Invalid:
    found = text(value)
    return INVALID if found is None else found


def _count(value: object) -> int | Invalid:
    found = count(value)
    return INVALID if found is None else found


def _int(value: object) -> int | Invalid:
    found = count(value, negative=True, floats=True)
    return INVALID if found is None else found


#: Seconds since the epoch that ``datetime.fromtimestamp`` takes everywhere (1970-9998).
_MAX_SECONDS: Final = 253370764800


def _epoch(value: object) -> float | Invalid:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return INVALID
    if isinstance(value, float) and not math.isfinite(value):
        return INVALID
    try:
        datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return INVALID
    return value


#: A string.
TEXT: Final[Kind[str]] = Kind("type(v) is str", _text)
#: A non-empty string (an id, a link).
NAME: Final[Kind[str]] = Kind("type(v) is str and v != ''")
#: True or false.
FLAG: Final[Kind[bool]] = Kind("v is True or v is False")
#: A count: an int, at least 0.
COUNT: Final[Kind[int]] = Kind("type(v) is int and v >= 0", _count)
#: An int of any sign; a float of a whole number is taken as that int (Reddit scores).
INT: Final[Kind[int]] = Kind("type(v) is int", _int)
#: Seconds since the epoch (int or float) that make a time: ``datetime.fromtimestamp``
#: takes the value as it is.
EPOCH: Final[Kind[float]] = Kind(f"type(v) is int and 0 <= v <= {_MAX_SECONDS}", _epoch)
#: A JSON value of any type: the parser reads the value itself.
RAW: Final[Kind[JsonValue]] = Kind("True")


class Slots(Generic[*_Ts]):
    """The slots of one kind of source object, by source key, in declaration order;
    see the module docs. ``Slots()`` has none; :meth:`add` gives the slots with one more.
    A key given as a tuple of keys takes the first one the object has (``_time_text``,
    else ``time_text``); the others stay in ``extra``."""

    @overload
    def __init__(self: Slots[()]) -> None: ...
    @overload
    def __init__(self, slots: tuple[tuple[tuple[str, ...], Kind[object]], ...]) -> None: ...
    def __init__(self, slots: tuple[tuple[tuple[str, ...], Kind[object]], ...] = ()) -> None:
        self._slots = slots
        self.keys = [keys for keys, _ in slots]
        self.kinds = [kind for _, kind in slots]
        self._tests: list[Callable[[object], bool]] = []
        #: ``take(data, ctx)``: the slots' values of *data* and its ``extra`` (see the
        #: module docs); generated on the first call.
        self.take: Callable[
            [Mapping[str, JsonValue], ParseContext], tuple[tuple[*_Ts], dict[str, JsonValue]]
        ] = self._first_take

    def add(self, key: str | tuple[str, ...], kind: Kind[_T]) -> Slots[*_Ts, _T | None]:
        """These slots and one more, filled from *key* with values of *kind*."""
        return Slots((*self._slots, ((key,) if isinstance(key, str) else key, kind)))

    def _first_take(
        self, data: Mapping[str, JsonValue], ctx: ParseContext
    ) -> tuple[tuple[*_Ts], dict[str, JsonValue]]:
        self.take = take = self._generate()
        return take(data, ctx)

    def _generate(
        self,
    ) -> Callable[
        [Mapping[str, JsonValue], ParseContext], tuple[tuple[*_Ts], dict[str, JsonValue]]
    ]:
        """The code of :meth:`take`, made from the declaration."""
        self._tests = [_compile_test(kind.test) for kind in self.kinds]
        names: dict[str, object] = {"_general": self._general}
        pops = []
        tests = []
        for number, (keys, kind) in enumerate(zip(self.keys, self.kinds, strict=True)):
            pop = f"pop({keys[-1]!r}, None)"
            for key in reversed(keys[:-1]):
                pop = f"pop({key!r}) if {key!r} in extra else {pop}"
            pops.append(f"    v{number} = {pop}\n")
            if kind.test != "True":
                test = re.sub(r"\bv\b", f"v{number}", kind.test)
                tests.append(f"(v{number} is None or {test})")
        values = ", ".join(f"v{number}" for number in range(len(self.keys)))
        source = (
            "def take(data, ctx):\n    extra = dict(data)\n    pop = extra.pop\n"
            + "".join(pops)
            + f"    if {' and '.join(tests) or 'True'}:\n"
            + f"        return ({values},), extra\n"
            + f"    return _general(data, ctx, [{values}])\n"
        )
        # Named by its keys, so that profiles tell the readers of different objects apart.
        name = "<slots " + ",".join(keys[0] for keys in self.keys) + ">"
        exec(compile(source, name, "exec"), names)
        take = names["take"]
        assert callable(take)
        return take

    def _general(
        self, data: Mapping[str, JsonValue], ctx: ParseContext, values: list[object]
    ) -> tuple[tuple[object, ...], dict[str, JsonValue]]:
        """:meth:`take` for an object with a value a test refused: each such value
        converted by its kind, or left in ``extra`` and counted."""
        left: set[str] = set()
        for number, value in enumerate(values):
            if value is None or self._tests[number](value):
                continue
            converted = self.kinds[number].convert(value)
            if converted is INVALID:
                keys = self.keys[number]
                left.add(next((key for key in keys if key in data), keys[-1]))
                converted = None
            values[number] = converted
        taken = {key for keys in self.keys for key in keys} - left
        # The keys of a tuple after the one taken were not popped: they stay too.
        for keys in self.keys:
            present = [key for key in keys if key in data]
            taken.difference_update(present[1:])
        if left:
            ctx.note("invalid-field", len(left))
        return tuple(values), {k: v for k, v in data.items() if k not in taken}


def _compile_test(test: str) -> Callable[[object], bool]:
    found: Callable[[object], bool] = eval(f"lambda v: {test}")
    return found


def pop_text(extra: dict[str, JsonValue], key: str, ctx: ParseContext) -> str | None:
    """Take a string left in *extra* for a second-choice slot (an ``uploader`` when there
    is no ``channel``): the value, removed; a value of another kind stays and counts as
    an ``invalid-field`` note; a null stays."""
    value = extra.get(key)
    if isinstance(value, str):
        del extra[key]
        return value
    if value is not None:
        ctx.note("invalid-field")
    return None
