"""Fixtures shared by every test: an isolated home folder, offscreen Qt, an in-memory keyring."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from hypothesis import settings

from desktop_chat.core.config.secrets import forget_session_keys
from tests.memory_keyring import MemoryKeyring
from tests.threads import no_dangling_threads

__all__ = ["app_home", "memory_keyring", "no_dangling_threads"]

# Set before any Qt import so that no test ever needs a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Hypothesis' per-example deadline is a wall-clock budget, so neither profile has one. CI
# (which sets CI=true) runs derandomised, so a run can be repeated exactly, and prints the blob
# that replays a failure; `--hypothesis-profile=ci` picks the same profile by hand.
settings.register_profile("dev", deadline=None, print_blob=True)
settings.register_profile("ci", deadline=None, print_blob=True, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def app_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point DESKTOP_CHAT_HOME at a fresh folder so no test touches the real profile."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("DESKTOP_CHAT_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Install an in-memory keyring; tests that need the real Secret Service replace it."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)
    forget_session_keys()  # keys kept for "this session" must not outlive the test
