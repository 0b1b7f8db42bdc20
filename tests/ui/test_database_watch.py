"""What another process writes while the window runs shows up in the list without a restart."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop_chat.__main__ import main
from desktop_chat.core.history.storage import Storage
from desktop_chat.core.transfer.export import write_export
from desktop_chat.ui.window.main_window import MainWindow
from tests.scripted_server import ScriptedServer, sse_reply


def _titles(window: MainWindow) -> list[str]:
    return [window.conversation_list.item(i).title for i in range(window.conversation_list.count())]


def _exported_conversation(tmp_path: Path, title: str) -> Path:
    """A conversation from another computer, exported as our JSON."""
    with Storage.open(tmp_path / "elsewhere.sqlite3") as elsewhere:
        conversation = elsewhere.create_conversation(title)
        elsewhere.add_message(conversation.id, None, "user", "hello")
        (path,) = write_export(
            [(conversation, elsewhere.conversation_messages(conversation.id))],
            "json",
            tmp_path / "brought.json",
        )
    return path


def test_a_conversation_the_command_line_imports_appears_in_the_open_window(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    assert _titles(window) == []
    exported = _exported_conversation(tmp_path, "Brought in from the command line")
    assert main(["import", str(exported)]) == 0  # the window's profile, another connection
    qtbot.waitUntil(lambda: _titles(window) == ["Brought in from the command line"], timeout=10_000)


def test_the_window_s_own_streaming_never_reloads_the_list(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer
) -> None:
    reloads: list[None] = []
    window.database_watch.list_changed.connect(lambda: reloads.append(None))
    scripted_server.add(sse_reply([f"piece {i} " for i in range(30)], delay=0.02))
    window.composer.setPlainText("Stream, please.")
    with qtbot.waitSignal(window.session.reply_finished, timeout=10_000):
        window.send_button.click()
    window.database_watch.check()  # the reply's own connection committed many times
    assert reloads == []
    assert _titles(window) == ["Stream, please."]
