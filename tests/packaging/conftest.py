"""Make the build scripts in ``packaging/`` importable (they are scripts, not a package)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

PACKAGING_DIR = Path(__file__).resolve().parents[2] / "packaging"
if str(PACKAGING_DIR) not in sys.path:
    sys.path.insert(0, str(PACKAGING_DIR))


@pytest.fixture(autouse=True)
def _qapp_first(qapp: object) -> None:
    """Create pytest-qt's QApplication before any build script would make a QGuiApplication."""
