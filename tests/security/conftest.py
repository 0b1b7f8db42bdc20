"""Fixtures for the safety checks: the scripted loopback HTTP server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scripted_server import scripted_server

__all__ = ["scripted_server"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The offscreen platform warns on every shown widget; that is not ours."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_ignore("does not support propagateSizeHints"))
