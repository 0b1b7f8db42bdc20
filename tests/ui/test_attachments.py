"""Attaching in the window: picker, paste and drop; chips; sending; the transcript; refusals."""

from __future__ import annotations

import base64
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from desktop_chat.core.config.paths import database_path
from desktop_chat.core.config.secrets import SecretStore
from desktop_chat.ui.transcript.attachment_viewer import ImageViewer, TextPreview
from desktop_chat.ui.window.attachment_tray import TrayItem
from desktop_chat.ui.window.main_window import MainWindow
from tests.attachment_files import pdf, png
from tests.scripted_server import ScriptedServer, json_reply, sse_reply
from tests.ui.conftest import SCRIPTED_ID, TEST_KEY, scripted_settings
from tests.widgets import child


def _files(folder: Path) -> list[Path]:
    shot = folder / "shot.png"
    shot.write_bytes(png(40, 30))
    report = folder / "report.pdf"
    report.write_bytes(pdf(["Sales grew."]))
    code = folder / "tool.py"
    code.write_text("print('hi')\n")
    return [shot, report, code]


def _ready(qtbot: QtBot, window: MainWindow, count: int) -> list[TrayItem]:
    qtbot.waitUntil(
        lambda: (
            len(window.attachment_tray.items()) == count
            and all(item.ready for item in window.attachment_tray.items())
            and not window.attacher.is_busy()
        ),
        timeout=10_000,
    )
    return window.attachment_tray.items()


def _send(qtbot: QtBot, window: MainWindow, text: str = "Look") -> None:
    window.composer.setPlainText(text)
    window.send_button.click()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=5000)


def test_picked_files_become_chips_and_are_sent_as_parts(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer, tmp_path: Path
) -> None:
    window.attach_files(_files(tmp_path))
    items = _ready(qtbot, window, 3)
    details = [chip.detail_label.text() for chip in window.attachment_tray.chips()]
    assert [item.name for item in items] == ["shot.png", "report.pdf", "tool.py"]
    assert details[1].endswith("1 page · ~5 tokens")
    assert window.attachment_tray.chips()[0].picture.pixmap() is not None
    scripted_server.add(sse_reply(["Seen."]))
    _send(qtbot, window)
    content = scripted_server.requests[-1].json["messages"][0]["content"]
    assert [part["type"] for part in content] == ["text", "image_url", "text", "text"]
    assert content[1]["image_url"]["url"] == (
        "data:image/png;base64," + base64.b64encode(png(40, 30)).decode()
    )
    assert content[2]["text"].startswith("--- Attached PDF: report.pdf (1 page) ---\n[Page 1]")
    assert window.attachment_tray.items() == []
    view = window.transcript.views()[0]
    assert view.attachment_strip is not None
    names = [button.objectName() for button in view.attachment_strip.buttons]
    assert names == ["imageThumbnail", "fileChip", "fileChip"]


def test_a_pasted_screenshot_and_pasted_files_are_attached(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    picture = QMimeData()
    picture.setData("image/png", png(20, 20))
    QGuiApplication.clipboard().setMimeData(picture)
    window.composer.setFocus()
    qtbot.keyClick(window.composer, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    files = QMimeData()
    files.setUrls([QUrl.fromLocalFile(str(path)) for path in _files(tmp_path)[1:]])
    QGuiApplication.clipboard().setMimeData(files)
    window.composer.paste()
    items = _ready(qtbot, window, 3)
    assert [item.name for item in items] == ["pasted-image.png", "report.pdf", "tool.py"]
    assert window.composer.toPlainText() == ""
    QGuiApplication.clipboard().setText("just words")
    window.composer.paste()
    assert window.composer.toPlainText() == "just words"


def test_files_dropped_on_the_window_are_attached(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(_files(tmp_path)[2]))])
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(drop)
    assert drop.isAccepted()
    assert child(window, QFrame, "composerFrame").property("dropTarget") is False
    assert [item.name for item in _ready(qtbot, window, 1)] == ["tool.py"]


def test_a_drag_over_the_window_marks_where_the_files_go(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in _files(tmp_path)[1:]])
    frame = child(window, QFrame, "composerFrame")
    enter = QDragEnterEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    assert frame.property("dropTarget") is True
    assert window.statusBar().currentMessage() == "Drop to attach 2 files to the message"
    window.dragLeaveEvent(QDragLeaveEvent())
    assert frame.property("dropTarget") is False
    assert window.statusBar().currentMessage() == ""
    words = QMimeData()
    words.setText("no files")
    enter = QDragEnterEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        words,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dragEnterEvent(enter)
    assert frame.property("dropTarget") is False
    # over the message box, which takes the drop itself
    enter = QDragEnterEvent(
        QPoint(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.composer.dragEnterEvent(enter)
    assert frame.property("dropTarget") is True
    assert window.statusBar().currentMessage() == "Drop to attach 2 files to the message"
    window.composer.dragLeaveEvent(QDragLeaveEvent())
    assert frame.property("dropTarget") is False
    window.composer.dragEnterEvent(enter)
    window.composer.dropEvent(
        QDropEvent(
            QPointF(5, 5),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
    )
    assert frame.property("dropTarget") is False
    assert sorted(item.name for item in _ready(qtbot, window, 2)) == ["report.pdf", "tool.py"]


def test_a_file_that_cannot_be_attached_is_named_with_the_reason(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    binary = tmp_path / "<b>tool.bin"
    binary.write_bytes(bytes(range(256)) * 8)
    window.attach_files([binary])
    qtbot.waitUntil(lambda: bool(window.attachment_tray.problem_text()), timeout=5000)
    assert window.attachment_tray.items() == []
    assert window.attachment_tray.problem_text().startswith(
        "<b>tool.bin is not a file that can be attached"
    )
    assert window.attachment_tray.problem_label.textFormat() == Qt.TextFormat.PlainText


def test_a_chip_is_removed_with_its_button_or_a_key_not_stopping_anything(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    window.attach_files(_files(tmp_path))
    _ready(qtbot, window, 3)
    first, second, _ = window.attachment_tray.chips()
    first.remove_button.click()
    assert [item.name for item in window.attachment_tray.items()] == ["report.pdf", "tool.py"]
    second.setFocus()
    qtbot.keyClick(second, Qt.Key.Key_Escape)
    assert [item.name for item in window.attachment_tray.items()] == ["tool.py"]
    last = window.attachment_tray.chips()[0]
    last.setFocus()
    qtbot.keyClick(last, Qt.Key.Key_Backspace)
    assert window.attachment_tray.items() == []
    assert not window.attachment_tray.isVisible()


def test_the_transcript_opens_images_and_the_text_sent(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer, tmp_path: Path
) -> None:
    window.attach_files(_files(tmp_path))
    _ready(qtbot, window, 3)
    scripted_server.add(sse_reply(["ok"]))
    _send(qtbot, window)
    strip = window.transcript.views()[0].attachment_strip
    assert strip is not None
    strip.buttons[0].click()
    viewer = window.findChild(ImageViewer, "imageViewer")
    assert isinstance(viewer, ImageViewer)
    assert (viewer.image.width(), viewer.image.height()) == (40, 30)
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not viewer.isVisible(), timeout=2000)
    strip.buttons[2].click()
    preview = window.findChild(TextPreview, "textPreview")
    assert isinstance(preview, TextPreview)
    assert preview.text.toPlainText() == "print('hi')\n"
    assert preview.text.isReadOnly()
    preview.close()


def test_copy_offers_the_image(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer, tmp_path: Path
) -> None:
    window.attach_files(_files(tmp_path)[:1])
    _ready(qtbot, window, 1)
    scripted_server.add(sse_reply(["ok"]))
    _send(qtbot, window)
    view = window.transcript.views()[0]
    menu = view.context_menu()
    action = next(a for a in menu.actions() if a.objectName() == "copyImageAction0")
    assert action.text() == "Copy image shot.png"
    action.trigger()
    copied = QGuiApplication.clipboard().image()
    assert (copied.width(), copied.height()) == (40, 30)
    menu.deleteLater()


def test_a_refusal_of_images_is_worded_learned_and_warned_of_next_time(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer, tmp_path: Path
) -> None:
    window.attach_files(_files(tmp_path)[:1])
    _ready(qtbot, window, 1)
    scripted_server.add(json_reply(400, {"error": {"message": "image input is not supported"}}))
    _send(qtbot, window)
    failed = window.transcript.last_view()
    assert failed is not None
    assert failed.error_text().startswith("This model cannot see images\n")
    assert not window.settings.sees_images(SCRIPTED_ID, "test-model")
    # Retry sends the stored image again.
    scripted_server.add(sse_reply(["Now I see."]))
    child(failed, QPushButton, "retryButton").click()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=5000)
    assert scripted_server.requests[-1].json["messages"][0]["content"][1]["type"] == "image_url"
    # Another image to the same model is warned of first; a second Send goes ahead.
    window.attach_files(_files(tmp_path)[:1])
    _ready(qtbot, window, 1)
    window.composer.setPlainText("again")
    sent = len(scripted_server.requests)
    assert not window.send_current()
    assert window.composer_notice.isVisible()
    assert "refused images before" in child(window, QLabel, "composerNoticeText").text()
    assert child(window, QPushButton, "composerNoticeAction").text() == "Choose a model"
    scripted_server.add(sse_reply(["Sent anyway."]))
    assert window.send_current()
    qtbot.waitUntil(lambda: not window.session.is_streaming, timeout=5000)
    assert len(scripted_server.requests) == sent + 1


def test_edit_and_resend_keeps_the_files(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer, tmp_path: Path
) -> None:
    window.attach_files(_files(tmp_path)[:2])
    _ready(qtbot, window, 2)
    scripted_server.add(sse_reply(["first"]))
    _send(qtbot, window, "Question")
    user = window.transcript.views()[0]
    child(user, type(window.attach_button), "editButton").click()
    assert [item.name for item in window.attachment_tray.items()] == ["shot.png", "report.pdf"]
    scripted_server.add(sse_reply(["second"]))
    _send(qtbot, window, "Question, edited")
    first, second = (
        request.json["messages"][0]["content"] for request in scripted_server.requests[-2:]
    )
    assert first[1:] == second[1:]
    assert second[0] == {"type": "text", "text": "Question, edited"}


def test_files_wait_with_their_chat_and_survive_a_restart(
    qtbot: QtBot, window: MainWindow, scripted_server: ScriptedServer, tmp_path: Path
) -> None:
    scripted_server.add(sse_reply(["ok"]))
    _send(qtbot, window, "first chat")
    first_chat = window.session.conversation_id
    window.attach_files(_files(tmp_path)[:1])
    _ready(qtbot, window, 1)
    window.new_chat()
    assert window.attachment_tray.items() == []
    assert first_chat is not None
    window.open_conversation(first_chat)
    assert [item.name for item in window.attachment_tray.items()] == ["shot.png"]
    scripted_server.add(sse_reply(["ok"]))
    _send(qtbot, window, "with a file")
    window.close()
    secrets = SecretStore()
    secrets.set(SCRIPTED_ID, TEST_KEY)
    scripted_server.add(json_reply(200, {"data": [{"id": "test-model"}]}))
    again = MainWindow(scripted_settings(scripted_server), window.storage, database_path(), secrets)
    qtbot.addWidget(again)
    again.open_conversation(first_chat)
    strip = again.transcript.views()[2].attachment_strip
    assert strip is not None
    assert [a.name for a in strip.attachments] == ["shot.png"]
    assert QApplication.instance() is not None
