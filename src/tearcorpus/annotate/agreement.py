"""How far raters agree: Krippendorff's alpha, Fleiss' and Cohen's kappa, per label and
per rater, with a bootstrap interval for alpha and a heatmap of rater pairs.

The figures are computed from reliability data: a value (a label's index) per rater and
unit, missing where a rater did not rate a unit. For single-label tasks a unit is an
item; for multi-label tasks every (item, label) pair is a unit whose value is whether
the rater chose the label (binary), and the overall figures pool those units.

- **Krippendorff's alpha** through the coincidence matrix: each unit with ``m >= 2``
  values adds each ordered pair of values from different raters with weight
  ``1 / (m - 1)``; ``alpha = 1 - (n - 1) * sum(o[c,k] d[c,k]) / sum(n[c] n[k] d[c,k])``
  with ``d`` the nominal metric (0 for equal values, 1 otherwise) or, for an ordered
  scale, the ordinal one (``(sum of n[g] for g from c to k - (n[c] + n[k]) / 2) ** 2``).
  Units rated once are left out; no variation at all leaves alpha undefined (``None``).
- **Fleiss' kappa** over the items, where every item has the same number (2 or more)
  of raters; ``None`` otherwise.
- **Cohen's kappa** for every pair of raters, over the units both rated.
- **Bootstrap interval** of alpha: units drawn with replacement (seeded), the
  percentile interval of the alphas of the resamples.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Sequence
from itertools import combinations
from types import ModuleType
from typing import TYPE_CHECKING, Final, TypedDict

from attrs import define, field

from ..errors import MissingDependencyError
from ._common import LabelScheme
from .labels import Labels, Rating, load_labels

if TYPE_CHECKING:
    from typing import TypeAlias

    import numpy as np
    import numpy.typing as npt

    Array: TypeAlias = npt.NDArray[np.float64]

__all__ = [
    "Agreement",
    "AgreementDict",
    "AlphaInterval",
    "LabelFigures",
    "PairKappa",
    "RaterFigures",
    "agreement",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "write_heatmap",
]

#: Resamples of the bootstrap interval, and its level.
BOOTSTRAP_SAMPLES: Final = 1000
CI_LEVEL: Final = 0.95


def _np() -> ModuleType:
    try:
        import numpy
    except ImportError:
        raise MissingDependencyError("agreement figures", "hf", "numpy") from None
    return numpy


def _counts(data: Array, values: int) -> Array:
    """Units × values: how many raters gave each value to each unit."""
    np = _np()
    counts: Array = (data[:, :, None] == np.arange(values)).sum(axis=0).astype(float)
    return counts


def _unit_coincidences(counts: Array) -> Array:
    """Each pairable unit's coincidences (units × values × values), weighted 1/(m-1)."""
    np = _np()
    m = counts.sum(axis=1)
    pairable = counts[m >= 2]
    weight = 1.0 / (m[m >= 2] - 1.0)
    outer = pairable[:, :, None] * pairable[:, None, :]
    diag = np.einsum("uc,ck->uck", pairable, np.eye(counts.shape[1]))
    result: Array = (outer - diag) * weight[:, None, None]
    return result


def _metric(totals: Array, level: str) -> Array:
    np = _np()
    size = len(totals)
    if level == "nominal":
        result: Array = 1.0 - np.eye(size)
        return result
    if level != "ordinal":
        raise ValueError(f"unknown level {level!r}: nominal or ordinal")
    cumulative = np.concatenate([[0.0], np.cumsum(totals)])
    codes = np.arange(size)
    low, high = np.minimum.outer(codes, codes), np.maximum.outer(codes, codes)
    between = cumulative[high + 1] - cumulative[low]  # n[low] + ... + n[high]
    delta: Array = (between - (totals[low] + totals[high]) / 2.0) ** 2
    return delta


def _alpha(coincidences: Array, level: str) -> float | None:
    np = _np()
    totals = coincidences.sum(axis=1)
    n = totals.sum()
    if n <= 1:
        return None
    delta = _metric(totals, level)
    expected = float((np.outer(totals, totals) * delta).sum())
    if expected <= 0:
        return None
    observed = float((coincidences * delta).sum())
    return float(1.0 - (n - 1.0) * observed / expected)


def krippendorff_alpha(
    data: npt.ArrayLike, *, values: int | None = None, level: str = "nominal"
) -> float | None:
    """Krippendorff's alpha of reliability *data*: raters × units of value codes
    ``0 .. values - 1`` with ``nan`` for a missing value (see the module docs).
    ``None`` where it is undefined (no pairable values, or no variation)."""
    np = _np()
    array: Array = np.asarray(data, dtype=float)
    if values is None:
        values = int(np.nanmax(array)) + 1 if np.isfinite(array).any() else 0
    if values == 0:
        return None
    return _alpha(_unit_coincidences(_counts(array, values)).sum(axis=0), level)


def fleiss_kappa(counts: npt.ArrayLike) -> float | None:
    """Fleiss' kappa of a subjects × categories table of how many raters chose each
    category; every subject must have the same number (2 or more) of ratings, else
    ``None``."""
    np = _np()
    table = np.asarray(counts, dtype=float)
    if table.ndim != 2 or table.shape[0] == 0:
        return None
    raters = table.sum(axis=1)
    if raters[0] < 2 or not np.all(raters == raters[0]):
        return None
    n = raters[0]
    agreement = ((table**2).sum(axis=1) - n) / (n * (n - 1))
    shares = table.sum(axis=0) / table.sum()
    chance = float((shares**2).sum())
    if chance >= 1:
        return None
    return float((agreement.mean() - chance) / (1 - chance))


def cohen_kappa(first: npt.ArrayLike, second: npt.ArrayLike) -> float | None:
    """Cohen's kappa of two raters' value codes over the same units (``None`` when
    there is no unit, or when chance agreement is certain)."""
    np = _np()
    a = np.asarray(first, dtype=float)
    b = np.asarray(second, dtype=float)
    if len(a) == 0:
        return None
    observed = float((a == b).mean())
    codes = np.union1d(a, b)
    chance = float(sum((a == c).mean() * (b == c).mean() for c in codes))
    if chance >= 1:
        return None
    return (observed - chance) / (1 - chance)


def _bootstrap(unit_o: Array, level: str, samples: int, seed: int) -> tuple[float, float] | None:
    np = _np()
    units = unit_o.shape[0]
    if units < 2 or samples < 1:
        return None
    rng = np.random.default_rng(seed)
    flat = unit_o.reshape(units, -1)
    values = unit_o.shape[1]
    alphas = []
    for start in range(0, samples, 200):
        draws = rng.integers(0, units, size=(min(200, samples - start), units))
        weights = np.zeros((len(draws), units))
        np.add.at(weights, (np.arange(len(draws))[:, None], draws), 1.0)
        for coincidences in (weights @ flat).reshape(len(draws), values, values):
            alpha = _alpha(coincidences, level)
            if alpha is not None:
                alphas.append(alpha)
    if not alphas:
        return None
    tail = (1 - CI_LEVEL) / 2 * 100
    low, high = np.percentile(alphas, [tail, 100 - tail])
    return float(low), float(high)


class LabelFigures(TypedDict):
    """One label's figures (:attr:`Agreement.per_label`)."""

    #: Times it was chosen, items it is the majority label of, alpha of choosing it.
    ratings: int
    items: int
    krippendorff_alpha: float | None


class RaterFigures(TypedDict):
    """One rater's figures (:attr:`Agreement.per_rater`)."""

    items: int
    #: The share of units where the rater gave the other raters' majority value.
    agreement_with_others: float | None
    mean_cohen_kappa: float | None


class AlphaInterval(TypedDict):
    """The bootstrap interval of alpha, as :meth:`Agreement.to_dict` gives it."""

    low: float | None
    high: float | None
    level: float
    of: str
    samples: int
    seed: int


class PairKappa(TypedDict):
    """Cohen's kappa of two raters, as :meth:`Agreement.to_dict` gives it."""

    raters: list[str]
    units: int
    kappa: float | None


class AgreementDict(TypedDict):
    """:class:`Agreement` as plain JSON data (:meth:`Agreement.to_dict`)."""

    labels: list[str]
    multi: bool
    ordered: bool
    items: int
    raters: int
    rater_names: list[str]
    ratings: int
    pairable_units: int
    krippendorff_alpha: float | None
    krippendorff_alpha_ordinal: float | None
    alpha_ci: AlphaInterval | None
    fleiss_kappa: float | None
    raters_per_item: int | None
    cohen_kappa: list[PairKappa]
    per_label: dict[str, LabelFigures]
    per_rater: dict[str, RaterFigures]
    ties: int
    heatmap: str | None


@define
class Agreement:
    """Agreement figures of a labels folder (see the module docs); :meth:`to_dict` is
    what ``tearcorpus agree --json`` prints."""

    scheme: LabelScheme
    items: int
    raters: list[str]
    ratings: int
    #: Units with two values or more (items; for multi-label, item-label pairs).
    pairable_units: int
    krippendorff_alpha: float | None
    #: For an ordered scale (``--ordered``), else ``None``.
    krippendorff_alpha_ordinal: float | None
    #: The bootstrap interval of :attr:`krippendorff_alpha` (ordinal, for an ordered scale).
    alpha_ci: tuple[float, float] | None
    bootstrap_samples: int
    seed: int
    fleiss_kappa: float | None
    #: The raters every item has, where all have as many (Fleiss' kappa applies).
    raters_per_item: int | None
    #: ``(rater, rater, units both rated, kappa)`` for every pair.
    cohen_kappa: list[tuple[str, str, int, float | None]]
    per_label: dict[str, LabelFigures]
    per_rater: dict[str, RaterFigures]
    ties: int
    heatmap: str | None = field(default=None)

    def to_dict(self) -> AgreementDict:
        """The figures as plain JSON data (``agree --json``)."""
        return {
            **self.scheme.to_dict(),
            "items": self.items,
            "raters": len(self.raters),
            "rater_names": self.raters,
            "ratings": self.ratings,
            "pairable_units": self.pairable_units,
            "krippendorff_alpha": _round(self.krippendorff_alpha),
            "krippendorff_alpha_ordinal": _round(self.krippendorff_alpha_ordinal),
            "alpha_ci": None
            if self.alpha_ci is None
            else {
                "low": _round(self.alpha_ci[0]),
                "high": _round(self.alpha_ci[1]),
                "level": CI_LEVEL,
                "of": "ordinal" if self.scheme.ordered else "nominal",
                "samples": self.bootstrap_samples,
                "seed": self.seed,
            },
            "fleiss_kappa": _round(self.fleiss_kappa),
            "raters_per_item": self.raters_per_item,
            "cohen_kappa": [
                {"raters": [a, b], "units": n, "kappa": _round(k)}
                for a, b, n, k in self.cohen_kappa
            ],
            "per_label": self.per_label,
            "per_rater": self.per_rater,
            "ties": self.ties,
            "heatmap": self.heatmap,
        }


def _round(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 6)


def reliability_data(
    ratings: Sequence[Rating], scheme: LabelScheme, raters: Sequence[str]
) -> tuple[list[str], Array, int]:
    """``(items, data, values)``: the items rated, the raters × units matrix of value
    codes (``nan`` where missing) and the number of values. For multi-label tasks the
    units are the items' labels, item by item, and the values 0 (not chosen) and 1."""
    np = _np()
    items = sorted({r.item_id for r in ratings})
    column = {item: i for i, item in enumerate(items)}
    row = {rater: i for i, rater in enumerate(raters)}
    width = len(scheme.labels)
    if scheme.multi:
        data = np.full((len(raters), len(items) * width), np.nan)
        for rating in ratings:
            base = column[rating.item_id] * width
            chosen = {scheme.labels.index(label) for label in rating.labels}
            for code in range(width):
                data[row[rating.rater], base + code] = 1.0 if code in chosen else 0.0
        return items, data, 2
    data = np.full((len(raters), len(items)), np.nan)
    for rating in ratings:
        data[row[rating.rater], column[rating.item_id]] = scheme.labels.index(rating.labels[0])
    return items, data, width


def _majority(values: Array) -> float | None:
    """The value most given in *values* (``nan`` ignored), ``None`` without a unique one."""
    np = _np()
    present = values[np.isfinite(values)]
    if len(present) == 0:
        return None
    codes, counts = np.unique(present, return_counts=True)
    top = counts.max()
    if (counts == top).sum() > 1:
        return None
    return float(codes[counts.argmax()])


def agreement(
    labels: Labels | str | os.PathLike[str],
    *,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = 0,
    heatmap: str | os.PathLike[str] | None = None,
) -> Agreement:
    """The agreement figures of *labels* (a labels folder, or one read with
    :func:`~tearcorpus.annotate.load_labels`): see the module docs. *samples* and *seed*
    drive the bootstrap interval; with *heatmap*, a PNG of rater-by-rater Cohen's kappa
    is written there (needs matplotlib: ``pip install 'tearcorpus[annotate]'``)."""
    np = _np()
    if not isinstance(labels, Labels):
        labels = load_labels(labels)
    scheme = labels.scheme
    raters = labels.raters
    items, data, values = reliability_data(labels.ratings, scheme, raters)
    counts = _counts(data, values)
    unit_o = _unit_coincidences(counts)
    total_o = unit_o.sum(axis=0)
    nominal = _alpha(total_o, "nominal")
    ordinal = _alpha(total_o, "ordinal") if scheme.ordered else None
    interval = _bootstrap(unit_o, "ordinal" if scheme.ordered else "nominal", samples, seed)
    # Fleiss' kappa: every item (every unit) rated by as many raters.
    per_unit = np.isfinite(data).sum(axis=0)
    same = len(per_unit) > 0 and bool(np.all(per_unit == per_unit[0])) and per_unit[0] >= 2
    fleiss = fleiss_kappa(counts) if same else None
    pairs: list[tuple[str, str, int, float | None]] = []
    for (i, a), (j, b) in combinations(enumerate(raters), 2):
        both = np.isfinite(data[i]) & np.isfinite(data[j])
        kappa = cohen_kappa(data[i][both], data[j][both]) if both.any() else None
        pairs.append((a, b, int(both.sum()), kappa))
    per_label: dict[str, LabelFigures] = {}
    width = len(scheme.labels)
    chosen = (a.labels if scheme.multi else (a.label,) for a in labels.aggregates)
    leading = Counter(label for given in chosen for label in given)
    for code, label in enumerate(scheme.labels):
        if scheme.multi:
            binary = data[:, code::width]
        else:
            binary = np.where(np.isfinite(data), (data == code).astype(float), np.nan)
        per_label[label] = {
            "ratings": int(np.nansum(binary)),
            "items": leading[label],
            "krippendorff_alpha": _round(krippendorff_alpha(binary, values=2)),
        }
    per_rater: dict[str, RaterFigures] = {}
    for i, rater in enumerate(raters):
        hits = total = 0
        for unit in np.flatnonzero(np.isfinite(data[i])):
            majority = _majority(np.delete(data[:, unit], i))
            if majority is not None:
                total += 1
                hits += int(data[i, unit] == majority)
        kappas = [k for a, b, _n, k in pairs if rater in (a, b) and k is not None]
        rated = {r.item_id for r in labels.ratings if r.rater == rater}
        per_rater[rater] = {
            "items": len(rated),
            "agreement_with_others": _round(hits / total) if total else None,
            "mean_cohen_kappa": _round(sum(kappas) / len(kappas)) if kappas else None,
        }
    result = Agreement(
        scheme=scheme,
        items=len(items),
        raters=raters,
        ratings=len(labels.ratings),
        pairable_units=int((per_unit >= 2).sum()),
        krippendorff_alpha=nominal,
        krippendorff_alpha_ordinal=ordinal,
        alpha_ci=interval,
        bootstrap_samples=samples,
        seed=seed,
        fleiss_kappa=fleiss,
        raters_per_item=int(per_unit[0]) if same else None,
        cohen_kappa=pairs,
        per_label=per_label,
        per_rater=per_rater,
        ties=sum(1 for a in labels.aggregates if a.tie),
    )
    if heatmap is not None:
        result.heatmap = write_heatmap(result, heatmap)
    return result


def write_heatmap(result: Agreement, path: str | os.PathLike[str]) -> str:
    """A PNG heatmap of pairwise Cohen's kappa between raters at *path* (written
    atomically); returns the path. Needs matplotlib (``tearcorpus[annotate]``)."""
    np = _np()
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingDependencyError("the agreement heatmap", "annotate", "matplotlib") from None
    from .._atomic import AtomicFile

    raters = result.raters
    size = len(raters)
    grid = np.full((size, size), np.nan)
    np.fill_diagonal(grid, 1.0)
    index = {rater: i for i, rater in enumerate(raters)}
    for a, b, _n, kappa in result.cohen_kappa:
        if kappa is not None:
            grid[index[a], index[b]] = grid[index[b], index[a]] = kappa
    side = max(3.0, 0.9 * size + 2.0)
    figure, axes = plt.subplots(figsize=(side + 1.0, side))
    try:
        image = axes.imshow(grid, vmin=-1.0, vmax=1.0, cmap="RdYlGn")
        axes.set_xticks(range(size), labels=raters, rotation=45, ha="right")
        axes.set_yticks(range(size), labels=raters)
        for i in range(size):
            for j in range(size):
                text = "–" if np.isnan(grid[i, j]) else f"{grid[i, j]:.2f}"
                axes.text(j, i, text, ha="center", va="center", fontsize=9)
        figure.colorbar(image, ax=axes, label="Cohen's kappa")
        alpha = result.krippendorff_alpha
        axes.set_title(
            "Rater agreement" + ("" if alpha is None else f"\nKrippendorff's alpha {alpha:.3f}")
        )
        figure.tight_layout()
        target = os.fspath(path)
        with AtomicFile(target) as out:
            figure.savefig(out.handle, format="png", dpi=100)
    finally:
        plt.close(figure)
    return target
