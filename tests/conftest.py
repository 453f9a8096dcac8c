"""Shared test fixtures: paths of the bundled sample and a temporary output folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys.paths import SAMPLE_DIR


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE_DIR
