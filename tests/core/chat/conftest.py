"""Fixtures for the engine tests: a real database file and the scripted server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_chat.core.history.storage import Storage
from tests.scripted_server import scripted_server

__all__ = ["database", "scripted_server", "storage"]


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """Where the conversation database lives."""
    return tmp_path / "conversations.db"


@pytest.fixture
def storage(database: Path) -> Iterator[Storage]:
    """The conversation database, open."""
    with Storage.open(database) as opened:
        yield opened
