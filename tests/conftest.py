"""Shared fixtures and hypothesis profiles.

Profiles: ``quick`` (default, for the edit-test loop), ``ci`` (the CI run) and
``thorough`` (many more examples); choose with ``TEARCORPUS_HYPOTHESIS_PROFILE``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "quick",
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("TEARCORPUS_HYPOTHESIS_PROFILE", "quick"))

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    """The project's own fixture dumps."""
    return DATA


#: The shapes of the real formats beside a clone (``../shared/samples``), when present.
SHARED_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"


def with_samples(own: list[Any], shared: list[Any]) -> list[Any]:
    """Parameter cases of a test: the project's own fixtures, always; the shared samples
    add cases when they are beside the clone, and never decide whether the test runs."""
    return own + (shared if SHARED_SAMPLES.is_dir() else [])
