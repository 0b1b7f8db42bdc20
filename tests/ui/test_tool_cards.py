"""Tool-call cards and Settings → Tools: outside text shown inert, answers given once, servers
added, tested against our demo server and revoked."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit, QPushButton, QToolButton
from pytestqt.qtbot import QtBot

from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.core.config.settings import Settings
from desktop_chat.core.config.tool_servers import BUILTIN_SERVER, header_secret_id
from desktop_chat.core.history.models import ToolCall
from desktop_chat.ui.dialogs.settings_dialog import SettingsDialog
from desktop_chat.ui.transcript.message_view import MessageView

HOSTILE = ToolCall(
    "c1",
    "<b>fetch</b>",
    '{"url": "<a href=x>here</a>"}',
    "web",
    "asking",
    "",
)


def test_a_card_shows_what_the_model_and_the_server_wrote_as_plain_text(qtbot: QtBot) -> None:
    view = MessageView("assistant", 1)
    qtbot.addWidget(view)
    card = view.show_tool_call(HOSTILE, "<img src=x> looks things up")
    header = card.findChild(QToolButton, "toolCallToggle")
    assert isinstance(header, QToolButton)
    assert header.text() == "Tool <b>fetch</b> (web) — asks to run"
    arguments = card.findChild(QPlainTextEdit, "toolArguments")
    assert isinstance(arguments, QPlainTextEdit)
    assert arguments.toPlainText() == HOSTILE.pretty_arguments()
    assert '"<a href=x>here</a>"' in arguments.toPlainText()
    answers: list[str] = []
    card.answered.connect(answers.append)
    view.show()
    assert card.asking()
    once = card.findChild(QPushButton, "tool_once")
    assert isinstance(once, QPushButton)
    once.click()
    once.click()  # a second click (the buttons hid) answers nothing more
    assert answers == ["once"]
    long_result = "line\n" * 10_000
    done = ToolCall("c1", "<b>fetch</b>", HOSTILE.arguments, "web", "done", long_result, 40)
    assert view.show_tool_call(done) is card
    assert len(view.tool_cards()) == 1
    assert not card.findChild(QPushButton, "tool_once").isVisible()  # type: ignore[union-attr]
    assert card.result_text().endswith("(50000 characters in all)")
    assert card.property("status") == "done"
    preview = ("line " * 16)[:80] + "…"
    assert header.text() == f"Tool <b>fetch</b> (web) — done · 40 ms: {preview}"
    card.set_expanded(False)
    assert not card.expanded()


def test_not_json_arguments_are_shown_as_written() -> None:
    assert ToolCall("c1", "t", "{oops").pretty_arguments() == "{oops"
    assert ToolCall("c1", "t", '{"a":1}').pretty_arguments() == '{\n  "a": 1\n}'


def _dialog(qtbot: QtBot, settings: Settings) -> SettingsDialog:
    dialog = SettingsDialog(settings, SecretStore())
    qtbot.addWidget(dialog)
    dialog.show_page("tools")
    return dialog


def test_a_server_is_added_with_its_token_in_the_keyring_and_not_the_file(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot, Settings())
    page = dialog.tools_page
    page.add_button.click()
    page.name_edit.setText("remote")
    page.name_edit.editingFinished.emit()
    page.url_edit.setText("https://tools.example/mcp")
    page.token_edit.setText("s3cret")
    assert page.commit() is None
    server = dialog.result_settings().tool_server("remote")
    assert server is not None
    assert (server.url, server.secret_headers, server.headers) == (
        "https://tools.example/mcp",
        ("Authorization",),
        {},
    )
    assert dialog._keys[header_secret_id("remote", "Authorization")] == "Bearer s3cret"
    page.command_edit.setText("uvx something")
    assert "either a command or a URL" in (page.commit() or "")


def test_test_lists_the_demo_tools_and_always_allowed_tools_can_be_revoked(
    qtbot: QtBot,
) -> None:
    settings = Settings()
    builtin = settings.tool_server(BUILTIN_SERVER)
    assert builtin is not None
    settings.replace_tool_server(builtin.with_allowed("calculate", True))
    dialog = _dialog(qtbot, settings)
    page = dialog.tools_page
    assert [page.tool_list.item(i).text() for i in range(page.tool_list.count())] == ["calculate"]
    page.test_button.click()
    qtbot.waitUntil(lambda: "offers 2 tools" in page.test_result.text(), timeout=30_000)
    names = [page.tool_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(2)]
    assert sorted(names) == ["calculate", "current_time"]
    row = names.index("calculate")
    assert page.tool_list.item(row).checkState() == Qt.CheckState.Checked
    page.tool_list.item(row).setCheckState(Qt.CheckState.Unchecked)
    revoked = dialog.result_settings().tool_server(BUILTIN_SERVER)
    assert revoked is not None
    assert revoked.always_allowed == ()


def test_a_server_that_cannot_start_says_why(qtbot: QtBot) -> None:
    dialog = _dialog(qtbot, Settings())
    page = dialog.tools_page
    page.add_button.click()
    page.command_edit.setText("no-such-program-anywhere --flag")
    page.test_button.click()
    qtbot.waitUntil(lambda: "no-such-program-anywhere" in page.test_result.text(), timeout=30_000)
    assert page.test_button.isEnabled()
