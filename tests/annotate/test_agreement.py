"""Agreement figures against published worked examples and independent implementations."""

from __future__ import annotations

import itertools
import json
import math
import random
from pathlib import Path

import numpy as np
import pytest

from tearcorpus import annotate
from tearcorpus.annotate import Labels, LabelScheme, Rating, cohen_kappa, fleiss_kappa
from tearcorpus.annotate import krippendorff_alpha as alpha

nan = math.nan

#: Krippendorff's reliability-data example with missing values ("Computing
#: Krippendorff's Alpha-Reliability", 2011): 4 observers, 12 units, values 1-5.
KRIPPENDORFF = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]

#: Fleiss (1971), Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses; how many
#: psychiatrists gave each diagnosis to each patient.
FLEISS_1971 = [
    [0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6], [0, 3, 0, 3, 0],
    [2, 0, 4, 0, 0], [0, 0, 4, 0, 2], [2, 0, 3, 1, 0], [2, 0, 0, 4, 0], [0, 0, 0, 0, 6],
    [1, 0, 0, 5, 0], [1, 1, 0, 4, 0], [0, 3, 3, 0, 0], [1, 0, 0, 5, 0], [0, 2, 0, 3, 1],
    [0, 0, 5, 0, 1], [3, 0, 0, 1, 2], [5, 1, 0, 0, 0], [0, 2, 0, 4, 0], [1, 0, 2, 0, 3],
    [0, 0, 0, 0, 6], [0, 1, 0, 5, 0], [0, 2, 0, 1, 3], [2, 0, 0, 4, 0], [1, 0, 0, 4, 1],
    [0, 5, 0, 1, 0], [4, 0, 0, 0, 2], [0, 2, 0, 4, 0], [1, 0, 5, 0, 0], [0, 0, 0, 0, 6],
]  # fmt: skip

#: The worked example of Fleiss' kappa as commonly reproduced: 10 subjects, 14 raters,
#: 5 categories.
FLEISS_10x14 = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]  # fmt: skip


def test_krippendorff_published_example() -> None:
    """Krippendorff's own example: nominal alpha 0.743 (and ordinal 0.815)."""
    data = np.array(KRIPPENDORFF) - 1
    assert alpha(data, values=5) == pytest.approx(0.743, abs=5e-4)
    assert alpha(data, values=5, level="ordinal") == pytest.approx(0.815, abs=5e-4)


def test_fleiss_published_examples() -> None:
    """Fleiss 1971's table gives 0.430; the 10-subject, 14-rater example 0.210."""
    assert np.array(FLEISS_1971).sum(axis=0).tolist() == [26, 26, 30, 55, 43]
    assert fleiss_kappa(FLEISS_1971) == pytest.approx(0.4302445, abs=1e-7)
    assert fleiss_kappa(FLEISS_10x14) == pytest.approx(0.210, abs=5e-4)
    assert fleiss_kappa([[2, 0], [1, 2]]) is None  # unequal raters per subject


def _pairwise_alpha(data: np.ndarray, level: str) -> float:
    """Alpha the long way, without a coincidence matrix: the mean disagreement of every
    pair of values within units, against that of every pair of all pairable values."""
    units = [[v for v in data[:, u] if not math.isnan(v)] for u in range(data.shape[1])]
    units = [values for values in units if len(values) >= 2]
    pooled = [v for values in units for v in values]
    n = len(pooled)
    freq = {v: pooled.count(v) for v in set(pooled)}

    def delta(a: float, b: float) -> float:
        if level == "nominal":
            return float(a != b)
        low, high = sorted((a, b))
        between = sum(count for value, count in freq.items() if low <= value <= high)
        return (between - (freq[low] + freq[high]) / 2) ** 2

    observed = sum(
        sum(delta(a, b) for a, b in itertools.permutations(values, 2)) / (len(values) - 1)
        for values in units
    )
    expected = sum(delta(a, b) for a, b in itertools.permutations(pooled, 2)) / (n - 1)
    return 1 - observed / expected


def _random_data(rng: random.Random) -> np.ndarray:
    raters, units, values = rng.randint(2, 5), rng.randint(5, 30), rng.randint(2, 5)
    data = np.array([[float(rng.randrange(values)) for _ in range(units)] for _ in range(raters)])
    for r in range(raters):
        for u in range(units):
            if rng.random() < 0.25:
                data[r, u] = nan
    return data


def test_alpha_matches_independent_computations_on_random_data() -> None:
    """On random data with missing values, alpha equals the pairwise formula (nominal and
    ordinal) and NLTK's implementation of Krippendorff's alpha (nominal)."""
    from nltk.metrics.agreement import AnnotationTask

    rng = random.Random(16)
    checked = 0
    for _ in range(40):
        data = _random_data(rng)
        mine = alpha(data, values=5)
        if mine is None:
            continue
        assert mine == pytest.approx(_pairwise_alpha(data, "nominal"), abs=1e-9)
        ordinal = alpha(data, values=5, level="ordinal")
        assert ordinal == pytest.approx(_pairwise_alpha(data, "ordinal"), abs=1e-9)
        triples = [
            (f"r{r}", f"u{u}", int(data[r, u]))
            for r in range(data.shape[0])
            for u in range(data.shape[1])
            if not math.isnan(data[r, u])
        ]
        assert mine == pytest.approx(AnnotationTask(data=triples).alpha(), abs=1e-9)
        checked += 1
    assert checked > 30


def test_cohen_and_fleiss_match_independent_computations() -> None:
    """Cohen's kappa equals scikit-learn's; Fleiss' kappa the naive per-subject formula."""
    from sklearn.metrics import cohen_kappa_score

    rng = random.Random(7)
    for _ in range(30):
        a = [rng.randrange(4) for _ in range(25)]
        b = [x if rng.random() < 0.6 else rng.randrange(4) for x in a]
        assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
        raters = rng.randint(2, 6)
        table = [[0] * 3 for _ in range(12)]
        for row in table:
            for _ in range(raters):
                row[rng.randrange(3)] += 1
        subjects = len(table)
        p_i = [(sum(c * c for c in row) - raters) / (raters * (raters - 1)) for row in table]
        p_j = [sum(row[j] for row in table) / (subjects * raters) for j in range(3)]
        p_bar, p_e = sum(p_i) / subjects, sum(p * p for p in p_j)
        naive = (p_bar - p_e) / (1 - p_e) if p_e < 1 else None
        assert fleiss_kappa(table) == (naive if naive is None else pytest.approx(naive))


def _labels(scheme: LabelScheme, ratings: list[Rating]) -> Labels:
    from tearcorpus.annotate._common import ItemKey

    keys = {r.item_id: ItemKey(r.item_id, "p", None, "0" * 40) for r in ratings}
    return Labels("<test>", scheme, ratings, annotate.aggregate(ratings, scheme, keys), {})


def test_agreement_of_a_labels_folder_matches_nltk(labels: Path) -> None:
    """agreement() on the fixture's labels gives NLTK's alpha, Fleiss' kappa where every
    item has three raters, a pair per rater pair, and a seeded interval around alpha."""
    from nltk.metrics.agreement import AnnotationTask

    result = annotate.agreement(labels, samples=300, seed=3)
    loaded = annotate.load_labels(labels)
    triples = [(r.rater, r.item_id, r.labels[0]) for r in loaded.ratings]
    assert result.krippendorff_alpha == pytest.approx(AnnotationTask(data=triples).alpha())
    assert (result.items, len(result.raters), result.ratings) == (9, 3, 27)
    assert result.raters_per_item == 3
    assert result.fleiss_kappa is not None
    assert [(a, b) for a, b, _n, _k in result.cohen_kappa] == [
        ("1", "2"),
        ("1", "chen@example.org"),
        ("2", "chen@example.org"),
    ]
    assert result.alpha_ci is not None
    low, high = result.alpha_ci
    assert result.krippendorff_alpha is not None
    assert low <= result.krippendorff_alpha <= high
    assert annotate.agreement(labels, samples=300, seed=3).alpha_ci == result.alpha_ci
    assert set(result.per_label) == set(loaded.scheme.labels)
    assert sum(f["ratings"] for f in result.per_label.values()) == 27
    assert all(f["items"] == 9 for f in result.per_rater.values())
    data = result.to_dict()
    json.dumps(data)  # plain JSON values
    assert {"items", "raters", "krippendorff_alpha", "fleiss_kappa"} <= set(data)


def test_ordinal_and_missing_raters() -> None:
    """An ordered scale gets ordinal alpha; unequal raters per item leave Fleiss' out."""
    scheme = LabelScheme(("1", "2", "3", "4", "5"), ordered=True)
    data = np.array(KRIPPENDORFF)
    ratings = [
        Rating(f"u{u:02d}", f"obs{r}", (str(int(data[r, u])),))
        for r in range(4)
        for u in range(12)
        if not math.isnan(data[r, u])
    ]
    result = annotate.agreement(_labels(scheme, ratings), samples=200)
    assert result.krippendorff_alpha == pytest.approx(0.743, abs=5e-4)
    assert result.krippendorff_alpha_ordinal == pytest.approx(0.815, abs=5e-4)
    assert result.fleiss_kappa is None
    assert result.raters_per_item is None
    assert result.pairable_units == 11


def test_multi_label_pools_binary_decisions() -> None:
    """Multi-label alpha is the alpha of every (item, label) yes/no decision."""
    scheme = LabelScheme(("a", "b", "c"), multi=True)
    rng = random.Random(5)
    ratings = [
        Rating(f"i{i}", f"r{r}", tuple(x for x in "abc" if rng.random() < 0.4))
        for i in range(15)
        for r in range(3)
    ]
    result = annotate.agreement(_labels(scheme, ratings), samples=100)
    binary = np.array(
        [
            [float(label in rt.labels) for rt in sorted(ratings, key=lambda x: x.item_id) if rt.rater == f"r{r}" for label in "abc"]
            for r in range(3)
        ]
    )  # fmt: skip
    assert result.krippendorff_alpha == pytest.approx(_pairwise_alpha(binary, "nominal"))
    assert result.raters_per_item == 3


def test_heatmap_is_a_png(labels: Path, tmp_path: Path) -> None:
    """The heatmap of rater pairs is written as a PNG."""
    pytest.importorskip("matplotlib")
    out = tmp_path / "pairs.png"
    result = annotate.agreement(labels, samples=50, heatmap=out)
    assert result.heatmap == str(out)
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
