"""Fixtures for the fuzz tests: the scripted loopback HTTP server, and a warnings filter."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scripted_server import scripted_server

__all__ = ["scripted_server"]

# Hypothesis formats a failing example with black when it is installed, and black's import of
# mypy_extensions warns; with warnings as errors that would hide the failure behind an
# INTERNALERROR.
_BLACK_IMPORT_WARNING = "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Let Hypothesis report failures in this folder."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.filterwarnings(_BLACK_IMPORT_WARNING))
