"""The Settings dialog: keys go to the keyring only, previews, warnings, Test connection."""

from __future__ import annotations

from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backends import fail
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from desktop_chat.core.config.paths import settings_path
from desktop_chat.core.config.providers import config_from_preset
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import Settings, load_settings
from desktop_chat.ui.dialogs.settings_dialog import SettingsDialog
from desktop_chat.ui.window.main_window import MainWindow
from tests.memory_keyring import MemoryKeyring
from tests.scripted_server import ScriptedServer, json_reply
from tests.ui.conftest import scripted_settings
from tests.widgets import child

SECRET = "sk-live-SECRET-9f8e7d6c5b4a"


def _settle() -> None:
    """Run the posted polish and layout events, which a busy machine may not have run yet: a
    resized dialog's nested layouts settle one level a round."""
    for _ in range(5):
        QCoreApplication.sendPostedEvents()


def _dialog(qtbot: QtBot, settings: Settings | None = None) -> SettingsDialog:
    dialog = SettingsDialog(settings or Settings(), SecretStore())
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _problems(dialog: SettingsDialog) -> list[str]:
    """The texts of the problem boxes the dialog has open."""
    boxes = dialog.findChildren(QMessageBox, "settingsProblem")
    return [box.text() for box in boxes if box.isVisible()]


def _files_containing(folder: Path, text: str) -> list[Path]:
    return [
        path for path in folder.rglob("*") if path.is_file() and text.encode() in path.read_bytes()
    ]


def test_key_goes_to_the_keyring_and_no_file(
    qtbot: QtBot, app_home: Path, memory_keyring: MemoryKeyring
) -> None:
    dialog = _dialog(qtbot)
    provider = dialog.add_provider("openai")
    qtbot.keyClicks(dialog.key_edit, SECRET)
    dialog.accept()
    _wait_saved(qtbot, dialog)
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert memory_keyring.passwords[("desktop-chat", provider.id)] == SECRET
    assert settings_path().exists()
    files = [p for p in app_home.rglob("*") if p.is_file()]
    assert files  # the settings file at least
    assert _files_containing(app_home, SECRET) == []
    saved = load_settings().settings
    assert saved.provider(provider.id) is not None
    assert saved.active_provider_id == provider.id


def test_without_a_keyring_the_key_stays_in_memory_and_the_user_is_told(
    qtbot: QtBot, app_home: Path, memory_keyring: MemoryKeyring
) -> None:
    keyring.set_keyring(fail.Keyring())
    dialog = _dialog(qtbot)
    assert "memory for this session only" in dialog.keyring_status.text()
    assert dialog.keyring_status.isVisible()
    provider = dialog.add_provider("groq")
    qtbot.keyClicks(dialog.key_edit, SECRET)
    dialog.accept()
    _wait_saved(qtbot, dialog)
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert SecretStore().get(provider.id) == SECRET
    assert memory_keyring.passwords == {}
    assert _files_containing(app_home, SECRET) == []
    SecretStore().delete(provider.id)


class _LockedKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("locked")


def _keyring_problem(qtbot: QtBot, dialog: SettingsDialog) -> QMessageBox:
    qtbot.waitUntil(
        lambda: any(b.isVisible() for b in dialog.findChildren(QMessageBox, "keyringProblem")),
        timeout=10_000,
    )
    (box,) = [b for b in dialog.findChildren(QMessageBox, "keyringProblem") if b.isVisible()]
    return box


def test_a_refused_key_keeps_the_other_settings_and_the_dialog_open(
    qtbot: QtBot, app_home: Path
) -> None:
    keyring.set_keyring(_LockedKeyring())
    dialog = _dialog(qtbot)
    provider = dialog.add_provider("openai")
    qtbot.keyClicks(dialog.key_edit, SECRET)
    dialog.font_spin.setValue(15)
    dialog.accept()
    box = _keyring_problem(qtbot, dialog)
    assert "locked" in box.text()
    assert "Your other settings are saved." in box.text()
    assert SECRET not in box.text()
    saved = load_settings().settings
    assert saved.font_size == 15
    assert saved.provider(provider.id) is not None
    child(box, QPushButton, "backToSettingsButton").click()
    assert dialog.isVisible()
    assert dialog.isEnabled()
    assert not SecretStore().kept_for_session(provider.id)
    assert _files_containing(app_home, SECRET) == []


def test_a_refused_key_can_be_kept_for_the_session(qtbot: QtBot, app_home: Path) -> None:
    keyring.set_keyring(_LockedKeyring())
    dialog = _dialog(qtbot)
    provider = dialog.add_provider("openai")
    qtbot.keyClicks(dialog.key_edit, SECRET)
    dialog.accept()
    box = _keyring_problem(qtbot, dialog)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        child(box, QPushButton, "keepForSessionButton").click()
    store = SecretStore()
    assert store.kept_for_session(provider.id)
    assert store.get(provider.id) == SECRET
    assert _files_containing(app_home, SECRET) == []


def test_endpoint_preview_and_cleartext_warning(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot)
    dialog.add_provider("custom")
    dialog.base_url_edit.setText("https://llm.example.com/v1")
    assert dialog.endpoint_preview.text() == "https://llm.example.com/v1/chat/completions"
    assert "unencrypted" not in dialog.url_warning.text()
    dialog.base_url_edit.setText("http://192.168.1.20:8000/v1")
    assert dialog.endpoint_preview.text() == "http://192.168.1.20:8000/v1/chat/completions"
    assert "unencrypted" in dialog.url_warning.text()
    dialog.base_url_edit.setText("http://127.0.0.1:8000/v1")
    assert "unencrypted" not in dialog.url_warning.text()


def test_invalid_base_url_blocks_saving(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot)
    dialog.add_provider("custom")
    dialog.base_url_edit.setText("ftp://nope")
    dialog.accept()  # refused at once, before any keyring write
    assert dialog.isVisible()
    assert _problems(dialog)
    assert not settings_path().exists()


def test_per_provider_fields_are_saved(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot)
    provider = dialog.add_provider("ollama")
    dialog.model_combo.setEditText("llama3.2")
    dialog.system_prompt_edit.setPlainText("Be brief.")
    dialog.temperature_spin.setValue(0.7)
    dialog.max_tokens_spin.setValue(512)
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("dark"))
    dialog.send_combo.setCurrentIndex(dialog.send_combo.findData("ctrl+enter"))
    dialog.font_spin.setValue(14)
    dialog.accept()
    _wait_saved(qtbot, dialog)
    saved = load_settings().settings
    stored = saved.provider(provider.id)
    assert stored is not None
    assert (stored.model, stored.system_prompt, stored.temperature, stored.max_tokens) == (
        "llama3.2",
        "Be brief.",
        0.7,
        512,
    )
    assert (saved.theme, saved.send_key, saved.font_size) == ("dark", "ctrl+enter", 14)


def test_test_connection_lists_models(qtbot: QtBot, scripted_server: ScriptedServer) -> None:
    scripted_server.add(json_reply(200, {"data": [{"id": "m-b"}, {"id": "m-a"}]}))
    dialog = _dialog(qtbot, scripted_settings(scripted_server))
    with qtbot.waitSignal(dialog.models_listed, timeout=5000):
        dialog.test_button.click()
    assert "2 models" in dialog.test_result.text()
    assert [dialog.model_combo.itemText(i) for i in range(2)] == ["m-b", "m-a"]


def test_test_connection_offers_the_server_s_first_model(
    qtbot: QtBot, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(json_reply(200, {"data": [{"id": "loaded-model"}, {"id": "another"}]}))
    dialog = _dialog(qtbot)
    dialog.add_provider("llamacpp")
    dialog.base_url_edit.setText(scripted_server.base_url)
    with qtbot.waitSignal(dialog.models_listed, timeout=5000):
        dialog.test_button.click()
    assert dialog.model_combo.currentText() == "loaded-model"


def test_test_connection_shows_the_exact_error(
    qtbot: QtBot, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(json_reply(401, {"error": {"message": "Incorrect API key provided"}}))
    dialog = _dialog(qtbot, scripted_settings(scripted_server))
    with qtbot.waitSignal(dialog.connection_failed, timeout=5000):
        dialog.test_button.click()
    assert "Incorrect API key provided" in dialog.test_result.text()
    assert dialog.test_button.isEnabled()


def test_demo_provider_is_labelled_and_needs_no_key(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot)
    assert "Demo" in dialog.provider_list.item(0).text()
    assert not dialog.key_edit.isEnabled()
    assert dialog.objectName() == "settingsDialog"


def _wait_saved(qtbot: QtBot, dialog: SettingsDialog) -> None:
    """Save stores the keys in the background, then closes the dialog."""
    qtbot.waitUntil(lambda: dialog.isEnabled() and dialog.isHidden(), timeout=10_000)


def test_the_proxy_a_provider_would_use_is_shown(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://user:hunter2@proxy.corp:3128")
    dialog = _dialog(qtbot)
    dialog.add_provider("custom")
    dialog.base_url_edit.setText("https://llm.example.com/v1")
    shown = dialog.proxy_status.text()
    assert "proxy.corp:3128" in shown
    assert "environment" in shown
    assert "hunter2" not in shown
    dialog.base_url_edit.setText("http://127.0.0.1:8080/v1")
    assert "always reached directly" in dialog.proxy_status.text()
    monkeypatch.delenv("HTTPS_PROXY")
    dialog.base_url_edit.setText("https://llm.example.com/v1")
    assert dialog.proxy_status.text() == "None (direct connection)"


def test_a_provider_s_own_proxy_is_typed_shown_and_saved(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    dialog = _dialog(qtbot)
    provider = dialog.add_provider("custom")
    dialog.base_url_edit.setText("https://llm.example.com/v1")
    qtbot.keyClicks(dialog.proxy_edit, "socks5://me:pw@127.0.0.1:1080")
    assert dialog.proxy_status.text() == "socks5://127.0.0.1:1080 (set for this provider)"
    dialog.proxy_edit.clear()
    qtbot.keyClicks(dialog.proxy_edit, "none")
    assert dialog.proxy_status.text() == "None (direct connection)"
    dialog.accept()
    _wait_saved(qtbot, dialog)
    saved = load_settings().settings.provider(provider.id)
    assert saved is not None
    assert saved.proxy == "none"


def test_looking_at_another_provider_in_settings_leaves_the_chat_s_provider(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.settings.providers.append(config_from_preset("demo", provider_id="demo"))
    window.new_chat()
    assert window.provider_picker.currentText().startswith("Scripted")
    dialog = window.open_settings()
    dialog.select_provider("demo")
    dialog.font_spin.setValue(13)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.accept()
    assert window.provider_picker.currentText().startswith("Scripted")
    assert load_settings().settings.active_provider_id == "scripted"


def test_a_long_test_result_grows_to_show_every_word(
    qtbot: QtBot, scripted_server: ScriptedServer
) -> None:
    dialog = _dialog(qtbot, scripted_settings(scripted_server))
    dialog.resize(900, 1000)  # room for the longer result below the fields
    qtbot.waitUntil(lambda: dialog.height() == 1000)
    reserved = dialog.test_result.minimumHeight()
    said = "The gateway refused this request. " * 12
    scripted_server.add(json_reply(403, {"error": {"message": said}}))
    with qtbot.waitSignal(dialog.connection_failed, timeout=5000):
        dialog.test_button.click()
    _settle()
    result = dialog.test_result
    assert said.strip() in result.text()
    assert result.heightForWidth(result.width()) > reserved  # more than the reserved lines
    assert result.height() >= result.heightForWidth(result.width())  # and every one shows


def test_fields_do_not_move_when_a_warning_or_a_test_result_appears(
    qtbot: QtBot, scripted_server: ScriptedServer
) -> None:
    dialog = _dialog(qtbot, scripted_settings(scripted_server))
    dialog.resize(900, 760)
    qtbot.waitUntil(lambda: dialog.height() == 760)

    def places() -> tuple[int, int]:
        _settle()  # unsettled, the fields seemed not to move
        layout = dialog.layout()
        assert layout is not None
        layout.activate()
        return dialog.key_edit.y(), dialog.system_prompt_edit.y()

    before = places()
    dialog.base_url_edit.setText("http://192.168.1.20:8000/v1")  # the cleartext warning
    assert "unencrypted" in dialog.url_warning.text()
    assert places() == before
    dialog.base_url_edit.setText(scripted_server.base_url)
    scripted_server.add(json_reply(401, {"error": {"message": "Incorrect API key provided"}}))
    with qtbot.waitSignal(dialog.connection_failed, timeout=5000):
        dialog.test_button.click()
    assert "Incorrect API key provided" in dialog.test_result.text()
    assert places() == before
