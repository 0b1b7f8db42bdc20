"""First run: the welcome screen's three ways in, and the theme choice."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import keyring.errors
import pytest
from keyring.backends import fail
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from desktop_chat.core.client.discovery import LocalServer
from desktop_chat.core.config.paths import database_path
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import Settings, load_settings
from desktop_chat.core.history.storage import Storage
from desktop_chat.ui.common.theme import apply_theme, is_dark
from desktop_chat.ui.window.main_window import MainWindow
from tests.memory_keyring import MemoryKeyring
from tests.scripted_server import ScriptedServer, json_reply, sse_reply


@pytest.fixture
def first_run(qtbot: QtBot, storage: Storage) -> Iterator[MainWindow]:
    window = MainWindow(
        Settings(), storage, database_path(), SecretStore(), first_run=True, demo_pace=0.0
    )
    qtbot.addWidget(window)
    window.show()
    yield window
    window.close()


def test_welcome_shows_on_first_run(first_run: MainWindow) -> None:
    assert first_run.is_welcome_shown()


def test_demo_button_streams_a_reply(
    qtbot: QtBot, first_run: MainWindow, memory_keyring: MemoryKeyring
) -> None:
    first_run.welcome.demo_button.click()
    assert not first_run.is_welcome_shown()
    provider = first_run.active_provider()
    assert provider is not None
    assert provider.preset.is_demo
    assert "Demo" in first_run.provider_picker.currentText()
    first_run.composer.setPlainText("Hi")
    with qtbot.waitSignal(first_run.session.reply_finished, timeout=20000):
        first_run.send_current()
    view = first_run.transcript.last_view()
    assert view is not None
    assert "offline demo" in view.markdown()
    assert load_settings().settings.active_provider_id == provider.id
    assert memory_keyring.reads == []  # the demo takes no key: sending reads none


def test_openai_key_goes_to_the_keyring(
    qtbot: QtBot, first_run: MainWindow, memory_keyring: MemoryKeyring
) -> None:
    first_run.welcome.key_edit.setText("sk-welcome-123")
    first_run.welcome.use_key_button.click()
    # Stored in the background (a keyring may wait on an unlock prompt).
    qtbot.waitUntil(lambda: not first_run.is_welcome_shown(), timeout=10_000)
    provider = first_run.active_provider()
    assert provider is not None
    assert provider.kind == "openai"
    assert memory_keyring.passwords[("desktop-chat", provider.id)] == "sk-welcome-123"
    assert not first_run.is_welcome_shown()


def test_local_server_is_added_in_one_click(
    qtbot: QtBot, first_run: MainWindow, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(json_reply(200, {"data": [{"id": "llama"}]}), sse_reply(["local!"]))
    server = LocalServer(scripted_server.base_url, ["llama"], "ollama")
    first_run.welcome.local_server_chosen.emit(server)
    provider = first_run.active_provider()
    assert provider is not None
    assert (provider.kind, provider.base_url, provider.model) == (
        "ollama",
        scripted_server.base_url,
        "llama",
    )
    qtbot.waitUntil(lambda: first_run.model_picker.count() == 1, timeout=3000)
    first_run.composer.setPlainText("Hi")
    with qtbot.waitSignal(first_run.session.reply_finished, timeout=5000):
        first_run.send_current()
    view = first_run.transcript.last_view()
    assert view is not None
    assert view.markdown() == "local!"


def test_theme_choice_overrides_the_system(qapp: QApplication) -> None:
    try:
        apply_theme(qapp, "dark")
        assert is_dark()
        apply_theme(qapp, "light")
        assert not is_dark()
    finally:
        apply_theme(qapp, "system")


class _DismissedKeyring(MemoryKeyring):
    """A Secret Service whose unlock prompt cannot show (D-Bus up, no agent)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.InitError("Prompt dismissed..")


def test_a_key_the_keyring_refuses_can_be_kept_for_the_session(
    qtbot: QtBot, storage: Storage
) -> None:
    keyring.set_keyring(_DismissedKeyring())
    window = MainWindow(Settings(), storage, database_path(), SecretStore(), first_run=True)
    qtbot.addWidget(window)
    window.show()
    welcome = window.welcome
    welcome.key_edit.setText("sk-welcome-session-123")
    welcome.use_key_button.click()
    qtbot.waitUntil(welcome.keep_session_button.isVisible, timeout=10_000)
    assert "(Prompt dismissed)." in welcome.key_error.text()
    welcome.keep_session_button.click()
    assert not window.is_welcome_shown()
    provider = window.active_provider()
    assert provider is not None
    assert provider.kind == "openai"
    assert SecretStore().get(provider.id) == "sk-welcome-session-123"
    assert "session only" in window.statusBar().currentMessage()
    window.close()


class _AskedStore(SecretStore):
    """A SecretStore that counts the questions of where keys go."""

    asked = 0

    @property
    def is_secure(self) -> bool:
        self.asked += 1
        return super().is_secure


def test_the_welcome_card_says_where_a_key_goes_without_a_secure_keyring(
    qtbot: QtBot, storage: Storage
) -> None:
    keyring.set_keyring(fail.Keyring())
    secrets = _AskedStore()
    window = MainWindow(Settings(), storage, database_path(), secrets, first_run=True)
    qtbot.addWidget(window)
    window.show()

    def texts() -> list[str]:
        return [label.text() for label in window.welcome.findChildren(QLabel)]

    # Nobody has typed a key: the keyring (and its cryptography) is not loaded to ask.
    qtbot.wait(200)
    assert secrets.asked == 0
    assert any("It is kept in the system keyring" in text for text in texts())
    # The first keystroke asks, in the background, and the card says where the key will go.
    qtbot.keyClicks(window.welcome.key_edit, "s")
    qtbot.waitUntil(lambda: any("kept in memory for this session only" in t for t in texts()))
    assert not any("It is kept in the system keyring" in text for text in texts())
    qtbot.keyClicks(window.welcome.key_edit, "k-")
    qtbot.wait(100)
    assert secrets.asked == 1
    window.close()
