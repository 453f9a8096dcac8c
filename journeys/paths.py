"""Default locations of the workbench: the one place that knows where things live.

Raw data under ``data/`` is never edited; everything generated goes under ``reports/``.
Set ``MADOGUCHI_HOME`` to point the workbench at another checkout or data folder.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "DATA_DIR",
    "DOCS_DIR",
    "REPORTS_DIR",
    "REPO_ROOT",
    "SAMPLE_DIR",
    "TEMPLATES_DIR",
    "sample_file",
]

REPO_ROOT: Path = Path(os.environ.get("MADOGUCHI_HOME", Path(__file__).resolve().parents[1]))
DATA_DIR: Path = REPO_ROOT / "data"
SAMPLE_DIR: Path = DATA_DIR / "sample"
TEMPLATES_DIR: Path = DATA_DIR / "templates"
REPORTS_DIR: Path = REPO_ROOT / "reports"
DOCS_DIR: Path = REPO_ROOT / "docs"


def sample_file(name: str) -> Path:
    """Path of one file of the bundled sample city (``data/sample/<name>``)."""
    return SAMPLE_DIR / name
