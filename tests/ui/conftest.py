"""Fixtures for the window tests: no dangling threads, a window on a temporary home, servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desktop_chat.core.config.paths import database_path
from desktop_chat.core.config.providers import ProviderConfig
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import Settings
from desktop_chat.core.history.storage import Storage, open_storage
from desktop_chat.ui.window.main_window import MainWindow
from tests.keyring_service import secret_service
from tests.scripted_server import ScriptedServer, json_reply, scripted_server

__all__ = ["scripted_server", "secret_service"]

SCRIPTED_ID = "scripted"
TEST_KEY = "sk-test-0123456789abcdef"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The offscreen platform warns on every window with a minimum size; that is not ours."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_ignore("does not support propagateSizeHints"))


@pytest.fixture
def storage() -> Iterator[Storage]:
    """The conversation database in the test's home folder."""
    opened = open_storage(database_path())
    yield opened.storage
    opened.storage.close()


def scripted_settings(server: ScriptedServer) -> Settings:
    """Settings whose active provider is the scripted server."""
    provider = ProviderConfig(
        id=SCRIPTED_ID, name="Scripted", kind="custom", base_url=server.base_url, model="test-model"
    )
    return Settings(providers=[provider], active_provider_id=SCRIPTED_ID)


def open_window(qtbot: QtBot, storage: Storage, server: ScriptedServer) -> MainWindow:
    """A main window talking to ``server`` (key stored in the memory keyring), shown."""
    secrets = SecretStore()
    secrets.set(SCRIPTED_ID, TEST_KEY)
    # The window lists the provider's models when it opens: answer that first.
    server.add(json_reply(200, {"data": [{"id": "test-model"}, {"id": "other"}]}))
    main = MainWindow(scripted_settings(server), storage, database_path(), secrets)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitUntil(lambda: main.model_picker.count() == 2, timeout=5000)
    return main


@pytest.fixture
def window(qtbot: QtBot, storage: Storage, scripted_server: ScriptedServer) -> MainWindow:
    """The main window talking to the scripted server (key stored in the memory keyring)."""
    return open_window(qtbot, storage, scripted_server)


def send_text(window: MainWindow, text: str) -> int:
    """Send ``text`` from the composer as a user would; the conversation it went to."""
    window.composer.setPlainText(text)
    assert window.send_current()
    conversation_id = window.session.conversation_id
    assert conversation_id is not None
    return conversation_id
