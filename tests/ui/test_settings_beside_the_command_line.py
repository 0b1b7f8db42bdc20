"""The window and ``desktop-chat provider add`` change one profile's settings at the same time."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from desktop_chat.__main__ import main
from desktop_chat.core.config.paths import database_path
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import load_settings, save_settings
from desktop_chat.core.history.storage import Storage
from desktop_chat.ui.window.main_window import MainWindow
from tests.scripted_server import ScriptedServer, json_reply, sse_reply
from tests.ui.conftest import SCRIPTED_ID, TEST_KEY, scripted_settings


def test_a_provider_added_on_the_command_line_survives_the_window_s_next_save(
    qtbot: QtBot, storage: Storage, scripted_server: ScriptedServer
) -> None:
    save_settings(scripted_settings(scripted_server))
    secrets = SecretStore()
    secrets.set(SCRIPTED_ID, TEST_KEY)
    scripted_server.add(json_reply(200, {"data": [{"id": "test-model"}]}))
    window = MainWindow(load_settings().settings, storage, database_path(), secrets)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model_picker.count() == 1, timeout=3000)

    command = ["provider", "add", "Other", "--base-url", "http://127.0.0.1:9/v1", "--model", "m"]
    assert main(command) == 0

    # Every send saves the window's settings (the model chosen last is the next chat's default).
    scripted_server.add(sse_reply(["Hello."]))
    window.composer.setPlainText("Hi")
    with qtbot.waitSignal(window.session.reply_finished, timeout=5000):
        window.send_button.click()

    saved = load_settings().settings
    assert [p.name for p in saved.providers] == ["Scripted", "Other"]
    pickable = [window.provider_picker.itemText(i) for i in range(window.provider_picker.count())]
    assert any("Other" in text for text in pickable)
    assert [p.name for p in window.settings.providers] == ["Scripted", "Other"]
