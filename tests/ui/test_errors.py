"""Each failure shows its reason under the partial text, with the action that helps."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from desktop_chat.core.config.providers import ProviderConfig
from desktop_chat.ui.dialogs.settings_dialog import SettingsDialog
from desktop_chat.ui.window.main_window import MainWindow
from tests.ports import refused_port
from tests.scripted_server import Reply, ScriptedServer, json_reply, sse_reply
from tests.widgets import child


def _send_and_wait(qtbot: QtBot, window: MainWindow) -> None:
    window.composer.setPlainText("Hello")
    window.send_button.click()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=5000)


def _error(code: str, message: str) -> dict[str, object]:
    return {"error": {"message": message, "type": "invalid_request_error", "code": code}}


@pytest.mark.parametrize(
    "case",
    [
        (
            json_reply(401, _error("invalid_api_key", "Incorrect API key")),
            "refused",
            "Open Settings",
        ),
        (
            json_reply(400, _error("context_length_exceeded", "maximum context length is 8")),
            "longer than the model accepts",
            "New chat",
        ),
        (json_reply(500, {"error": {"message": "upstream exploded"}}), "upstream exploded", ""),
    ],
)
def test_error_before_any_text(
    qtbot: QtBot,
    window: MainWindow,
    scripted_server: ScriptedServer,
    case: tuple[Reply, str, str],
) -> None:
    reply, words, button = case
    scripted_server.add(reply)
    _send_and_wait(qtbot, window)
    view = window.transcript.last_view()
    assert view is not None
    assert words in view.error_text()
    assert child(view, QPushButton, "retryButton").isVisible()
    assert child(view, QPushButton, "errorActionButton").isVisible() == bool(button)
    if button:
        assert child(view, QPushButton, "errorActionButton").text() == button
    stored = window.storage.get_message(view.message_id or -1)
    assert stored is not None
    assert stored.status == "error"


def test_dropped_stream_keeps_partial_text_and_says_it_was_cut_off(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    reply = sse_reply(["Half of ", "the answer"], finish_reason=None, done=False)
    reply.ending = "close"
    scripted_server.add(reply)
    _send_and_wait(qtbot, window)
    view = window.transcript.last_view()
    assert view is not None
    assert view.markdown() == "Half of the answer"
    assert "cut off" in view.error_text()
    assert "Half of the answer" in view.body.toPlainText()
    stored = window.storage.get_message(view.message_id or -1)
    assert stored is not None
    assert stored.content == "Half of the answer"
    assert stored.status == "interrupted"


def test_rate_limit_counts_down_before_retry(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(
        json_reply(429, _error("rate_limit_exceeded", "Slow down"), [("Retry-After", "7")])
    )
    _send_and_wait(qtbot, window)
    view = window.transcript.last_view()
    assert view is not None
    assert "Too many requests" in view.error_text()
    assert view.retry_countdown() == 7
    assert not child(view, QPushButton, "retryButton").isEnabled()
    assert "7" in child(view, QPushButton, "retryButton").text()


def test_retry_after_an_error_streams_a_new_reply(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(json_reply(503, {"error": {"message": "busy"}}), sse_reply(["Fine now"]))
    _send_and_wait(qtbot, window)
    failed = window.transcript.last_view()
    assert failed is not None
    child(failed, QPushButton, "retryButton").click()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=5000)
    views = window.transcript.views()
    assert [v.markdown() for v in views] == ["Hello", "Fine now"]
    assert not views[-1].error_text()
    # The failed attempt was replaced, not kept as a version "1/2" beside the answer.
    switcher = views[-1].branch_switcher
    assert switcher is None or switcher.isHidden()


def test_unreachable_server_says_so(qtbot: QtBot, window: MainWindow) -> None:
    port = refused_port()
    provider = window.active_provider()
    assert provider is not None
    provider.base_url = f"http://127.0.0.1:{port}/v1"
    _send_and_wait(qtbot, window)
    view = window.transcript.last_view()
    assert view is not None
    assert "Could not reach the server" in view.error_text()


def test_missing_key_offers_settings(qtbot: QtBot, window: MainWindow) -> None:
    # The key is looked up on the streaming thread (a keyring may block), so a missing one is
    # reported under the reply, with the way to add it.
    provider = window.active_provider()
    assert provider is not None
    provider.kind = "openai"  # a provider that cannot work without a key
    window.secrets.delete("scripted")
    _send_and_wait(qtbot, window)
    view = window.transcript.last_view()
    assert view is not None
    assert view.error_text().startswith("No API key\nNo API key is stored for Scripted.")
    child(view, QPushButton, "errorActionButton").click()
    dialog = window.findChild(SettingsDialog)
    assert isinstance(dialog, SettingsDialog)
    assert dialog.isVisible()
    assert dialog.focusWidget() is dialog.key_edit  # at the field to fix, on the chat's provider
    assert dialog.name_edit.text() == "Scripted"
    dialog.reject()


def test_an_unreachable_server_offers_settings_at_the_address(
    qtbot: QtBot, window: MainWindow
) -> None:
    provider = window.active_provider()
    assert provider is not None
    provider.base_url = f"http://127.0.0.1:{refused_port()}/v1"
    _send_and_wait(qtbot, window)
    view = window.transcript.last_view()
    assert view is not None
    button = child(view, QPushButton, "errorActionButton")
    assert button.text() == "Open Settings"
    button.click()
    dialog = window.findChild(SettingsDialog)
    assert isinstance(dialog, SettingsDialog)
    assert dialog.focusWidget() is dialog.base_url_edit
    assert dialog.base_url_edit.selectedText() == provider.base_url
    dialog.reject()


def test_sending_with_no_model_points_to_the_picker(qtbot: QtBot, window: MainWindow) -> None:
    window.model_picker.setEditText("")
    window.composer.setPlainText("Hello")
    window.send_button.click()
    assert child(window, QWidget, "composerNotice").isVisible()
    assert "Choose a model" in child(window, QLabel, "composerNoticeText").text()
    assert child(window, QPushButton, "composerNoticeAction").text() == "Choose a model"
    assert window.storage.list_conversations() == []
    assert window.composer.toPlainText() == "Hello"


def test_reopened_conversation_marks_an_interrupted_reply(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    reply = sse_reply(["Cut"], finish_reason=None, done=False)
    reply.ending = "close"
    scripted_server.add(reply)
    _send_and_wait(qtbot, window)
    conversation = window.session.conversation_id
    assert conversation is not None
    window.new_chat()
    window.open_conversation(conversation)
    view = window.transcript.last_view()
    assert view is not None
    assert view.markdown() == "Cut"
    assert child(view, QLabel, "messageNote").text() == "This reply was cut off."
    assert view.error_text()
    assert not child(view, QPushButton, "retryButton").isHidden()
    assert isinstance(window.active_provider(), ProviderConfig)


def test_continue_extends_a_cut_off_reply(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    cut = sse_reply(["The first half"], finish_reason=None, done=False)
    cut.ending = "close"
    scripted_server.add(cut, sse_reply([" and the rest."]))
    _send_and_wait(qtbot, window)
    view = window.transcript.last_view()
    assert view is not None
    assert not child(view, QPushButton, "continueButton").isHidden()
    child(view, QPushButton, "continueButton").click()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=5000)
    views = window.transcript.views()
    assert [v.markdown() for v in views] == ["Hello", "The first half and the rest."]
    assert not views[-1].error_text()
    sent = scripted_server.requests[-1].json["messages"]
    assert sent[-2] == {"role": "assistant", "content": "The first half"}
    assert sent[-1]["role"] == "user"
    stored = window.storage.get_message(views[-1].message_id or -1)
    assert stored is not None
    assert stored.content == "The first half and the rest."
    assert stored.status == "complete"
