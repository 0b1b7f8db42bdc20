"""The File menu: export the open conversation or all of them, import files, copy the whole
conversation; and the application icon."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QCheckBox, QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from desktop_chat.core.history.models import Conversation
from desktop_chat.core.transfer.export import to_json
from desktop_chat.ui.app import startup
from desktop_chat.ui.transfer import import_dialog
from desktop_chat.ui.transfer.export_actions import ExportActions, format_for_path
from desktop_chat.ui.window.main_window import MainWindow
from tests.scripted_server import ScriptedServer, sse_reply

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CHATGPT = FIXTURES / "chatgpt" / "conversations.json"
OWN_JSON = FIXTURES / "golden" / "sample.json"


def _fill(window: MainWindow, title: str = "Trip <plans> & more") -> Conversation:
    storage = window.storage
    conversation = storage.create_conversation(title, model="test-model")
    question = storage.add_message(conversation.id, None, "user", "Where should we go?")
    storage.add_message(
        conversation.id,
        question.id,
        "assistant",
        "Try **Lisbon**.\n\n```python\nprint('pack')\n```",
        reasoning="They like the sea.",
    )
    updated = storage.get_conversation(conversation.id)
    assert updated is not None
    return updated


@pytest.fixture
def actions(window: MainWindow) -> ExportActions:
    """The window's File menu commands."""
    return window.export_actions


@pytest.fixture
def opened(window: MainWindow) -> Conversation:
    """A saved conversation, open in the window."""
    conversation = _fill(window)
    window.open_conversation(conversation.id)
    return conversation


def _result(actions: ExportActions) -> QMessageBox:
    box = actions.last_result
    assert box is not None
    return box


# The menu -----------------------------------------------------------------------------------


def test_file_menu_holds_the_commands(window: MainWindow, actions: ExportActions) -> None:
    menus = [action.menu() for action in window.menuBar().actions()]
    assert actions.menu in menus
    names = [action.objectName() for action in actions.menu.actions() if action.objectName()]
    assert names == [
        "newChatAction",
        "exportConversationAction",
        "exportAllAction",
        "importAction",
        "copyConversationAction",
        "settingsAction",
        "quitAction",
    ]
    assert actions.copy_conversation_action.shortcut().toString() == "Ctrl+Shift+C"


def test_commands_are_enabled_only_when_they_can_work(
    window: MainWindow, actions: ExportActions
) -> None:
    # A fresh window: an unsaved new chat and no conversations.
    assert not actions.export_conversation_action.isEnabled()
    assert not actions.copy_conversation_action.isEnabled()
    assert not actions.export_all_action.isEnabled()
    assert actions.import_action.isEnabled()
    conversation = _fill(window)
    actions.menu.aboutToShow.emit()
    assert actions.export_all_action.isEnabled()
    assert not actions.export_conversation_action.isEnabled()
    window.open_conversation(conversation.id)
    assert actions.export_conversation_action.isEnabled()
    assert actions.copy_conversation_action.isEnabled()
    window.new_chat()
    assert not actions.export_conversation_action.isEnabled()


def test_commands_wait_while_a_reply_streams(
    qtbot: QtBot, window: MainWindow, actions: ExportActions, scripted_server: ScriptedServer
) -> None:
    scripted_server.add(sse_reply(["Slow ", "reply"], delay=0.2))
    window.composer.setPlainText("Hello")
    with qtbot.waitSignal(window.session.streaming_changed, timeout=2000):
        window.send_button.click()
    assert window.session.conversation_id is not None  # saved on the first message
    assert not actions.export_conversation_action.isEnabled()
    assert not actions.copy_conversation_action.isEnabled()
    with qtbot.waitSignal(window.session.reply_finished, timeout=5000):
        pass
    assert actions.export_conversation_action.isEnabled()
    assert actions.copy_conversation_action.isEnabled()


# Copy ---------------------------------------------------------------------------------------


def test_copy_conversation_puts_markdown_on_the_clipboard(
    opened: Conversation, actions: ExportActions
) -> None:
    QGuiApplication.clipboard().setText("")
    actions.copy_conversation_action.trigger()
    text = QGuiApplication.clipboard().text()
    assert text.startswith(f"# {opened.title}\n")
    assert "## User\n\nWhere should we go?" in text
    assert "Try **Lisbon**." in text
    assert "```python\nprint('pack')\n```" in text


def test_ctrl_shift_c_copies_the_conversation(
    qtbot: QtBot, window: MainWindow, opened: Conversation
) -> None:
    QGuiApplication.clipboard().setText("")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window.transcript, Qt.Key.Key_C, modifiers)
    assert QGuiApplication.clipboard().text().startswith(f"# {opened.title}")


def test_copy_without_a_saved_conversation_says_so(
    window: MainWindow, actions: ExportActions
) -> None:
    QGuiApplication.clipboard().setText("kept")
    assert not actions.copy_current_conversation()
    assert QGuiApplication.clipboard().text() == "kept"
    assert "no saved conversation" in window.statusBar().currentMessage()


# Export -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.md", "md"), ("a.TXT", "txt"), ("a.json", "json"), ("a.html", "html"), ("a.pdf", "pdf")],
)
def test_format_comes_from_the_extension(name: str, fmt: str) -> None:
    assert format_for_path(Path(name)) == fmt


def test_unknown_extension_has_no_format() -> None:
    assert format_for_path(Path("a.docx")) is None
    assert format_for_path(Path("noextension")) is None


def test_export_markdown_text_json_and_html(
    tmp_path: Path, window: MainWindow, opened: Conversation, actions: ExportActions
) -> None:
    messages = window.storage.conversation_messages(opened.id)
    md = actions.export_conversation_to(tmp_path / "trip.md")
    assert md == tmp_path / "trip.md"
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Trip <plans> & more\n")
    assert "## Assistant" in text
    assert "They like the sea." in text

    txt = actions.export_conversation_to(tmp_path / "trip.txt")
    assert txt is not None
    plain = txt.read_text(encoding="utf-8")
    assert "Try Lisbon." in plain
    assert "**" not in plain

    exported = actions.export_conversation_to(tmp_path / "trip.json")
    assert exported is not None
    assert exported.read_text(encoding="utf-8") == to_json(opened, messages)
    document = json.loads(exported.read_text(encoding="utf-8"))
    assert document["conversation"]["title"] == opened.title

    page = actions.export_conversation_to(tmp_path / "trip.html")
    assert page is not None
    html = page.read_text(encoding="utf-8")
    assert "Content-Security-Policy" in html
    assert "<title>Trip &lt;plans&gt; &amp; more</title>" in html
    assert "<strong>Lisbon</strong>" in html
    assert window.statusBar().currentMessage().startswith("Exported to")


def test_export_pdf_is_written_with_real_text(
    tmp_path: Path, opened: Conversation, actions: ExportActions
) -> None:
    del opened
    target = actions.export_conversation_to(tmp_path / "trip.pdf")
    assert target is not None
    assert target.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", str(target), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Where should we go?" in text
    assert "Lisbon" in text


def test_an_explicit_format_overrides_the_extension(
    tmp_path: Path, opened: Conversation, actions: ExportActions
) -> None:
    del opened
    target = actions.export_conversation_to(tmp_path / "notes.log", "md")
    assert target is not None
    assert target.read_text(encoding="utf-8").startswith("# Trip")


def test_an_unknown_extension_is_refused_with_a_message(
    tmp_path: Path, opened: Conversation, actions: ExportActions
) -> None:
    del opened
    assert actions.export_conversation_to(tmp_path / "trip.docx") is None
    assert not (tmp_path / "trip.docx").exists()
    box = _result(actions)
    assert "trip.docx" in box.text()
    assert ".md, .txt, .json, .html or .pdf" in box.text()


def test_an_unwritable_place_is_reported_and_nothing_half_written(
    tmp_path: Path, opened: Conversation, actions: ExportActions
) -> None:
    del opened
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert actions.export_conversation_to(blocker / "trip.md") is None
    box = _result(actions)
    assert box.windowTitle() == "Export failed"
    assert "Cannot write" in box.text()
    assert blocker.read_text(encoding="utf-8") == "x"


def test_export_without_a_saved_conversation_is_refused(
    tmp_path: Path, actions: ExportActions
) -> None:
    assert actions.export_conversation_to(tmp_path / "x.md") is None
    assert not (tmp_path / "x.md").exists()
    assert "no saved conversation" in _result(actions).text()


def test_export_all_to_a_zip_and_to_a_folder(
    tmp_path: Path, window: MainWindow, actions: ExportActions
) -> None:
    _fill(window, "First")
    _fill(window, "Second")
    written = actions.export_all_to(tmp_path / "all.zip", "md")
    assert written == [tmp_path / "all.zip"]
    with zipfile.ZipFile(tmp_path / "all.zip") as archive:
        names = sorted(archive.namelist())
        assert len(names) == 2
        assert all(name.endswith(".md") for name in names)
        assert archive.read(names[0]).decode("utf-8").startswith("# First")

    folder = tmp_path / "out"
    files = actions.export_all_to(folder, "json")
    assert sorted(path.parent for path in files) == [folder, folder]
    assert all(path.suffix == ".json" and path.is_file() for path in files)


def test_export_all_of_one_conversation_to_a_folder_makes_a_folder(
    tmp_path: Path, window: MainWindow, actions: ExportActions
) -> None:
    _fill(window, "Only")
    files = actions.export_all_to(tmp_path / "single", "txt")
    assert len(files) == 1
    assert files[0].parent == tmp_path / "single"


def test_export_all_with_nothing_to_export(tmp_path: Path, actions: ExportActions) -> None:
    assert actions.export_all_to(tmp_path / "all.zip", "md") == []
    assert not (tmp_path / "all.zip").exists()
    assert "no conversations" in _result(actions).text()


# The dialog handlers (the file dialog answered by the test) -------------------------------


class FakeDialog:
    """Stands in for QFileDialog's static functions: records the filters, returns an answer."""

    def __init__(self, answer: tuple[Any, str]) -> None:
        self.answer = answer
        self.filters: list[str] = []

    def __call__(self, parent: Any, caption: str, folder: str, filters: str) -> tuple[Any, str]:
        del parent, caption, folder
        self.filters = filters.split(";;")
        return self.answer


class FakeExportDialog:
    """Stands in for the export dialog's answer; builds the real dialog to record its filters."""

    def __init__(self, actions: ExportActions, answer: tuple[str, str, bool] | None) -> None:
        self.actions = actions
        self.answer = answer
        self.filters: list[str] = []
        self.other_versions: bool | None = None

    def __call__(self, suggested: Path, *, other_versions: bool) -> tuple[str, str, bool] | None:
        dialog = self.actions.export_dialog(suggested, other_versions=other_versions)
        self.filters = dialog.nameFilters()
        self.other_versions = other_versions
        dialog.deleteLater()
        return self.answer


def test_export_dialog_adds_the_chosen_formats_extension(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opened: Conversation, actions: ExportActions
) -> None:
    del opened
    dialog = FakeExportDialog(actions, (str(tmp_path / "trip"), "PDF (*.pdf)", False))
    monkeypatch.setattr(actions, "ask_export_target", dialog)
    actions.export_conversation_action.trigger()
    assert "Markdown (*.md)" in dialog.filters
    assert len(dialog.filters) == 5
    assert dialog.other_versions is False
    assert (tmp_path / "trip.pdf").read_bytes().startswith(b"%PDF-")


def test_export_dialog_keeps_a_typed_extension(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opened: Conversation, actions: ExportActions
) -> None:
    del opened
    monkeypatch.setattr(
        actions,
        "ask_export_target",
        FakeExportDialog(actions, (str(tmp_path / "t.html"), "Markdown (*.md)", False)),
    )
    actions.export_conversation_action.trigger()
    assert (tmp_path / "t.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not (tmp_path / "t.html.md").exists()


def test_cancelled_dialogs_do_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opened: Conversation, actions: ExportActions
) -> None:
    del opened
    monkeypatch.setattr(QFileDialog, "getSaveFileName", FakeDialog(("", "")))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", FakeDialog(([], "")))
    monkeypatch.setattr(actions, "ask_export_target", FakeExportDialog(actions, None))
    actions.export_conversation_action.trigger()
    actions.export_all_action.trigger()
    actions.import_action.trigger()
    assert actions.last_result is None
    assert actions.import_action.isEnabled()
    assert list(tmp_path.glob("*.md")) == []


def test_export_all_dialog_to_a_zip_or_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, window: MainWindow, actions: ExportActions
) -> None:
    _fill(window, "One")
    _fill(window, "Two")
    actions.menu.aboutToShow.emit()  # the menu is opened
    zipped = FakeDialog((str(tmp_path / "all"), "Web page files in a zip archive (*.zip)"))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", zipped)
    actions.export_all_action.trigger()
    assert len(zipped.filters) == 10
    with zipfile.ZipFile(tmp_path / "all.zip") as archive:
        assert sorted(name.rsplit(".", 1)[1] for name in archive.namelist()) == ["html", "html"]
    folder = FakeDialog((str(tmp_path / "plain"), "Plain text files in a new folder (*)"))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", folder)
    actions.export_all_action.trigger()
    assert sorted(path.suffix for path in (tmp_path / "plain").iterdir()) == [".txt", ".txt"]


def test_import_dialog_starts_the_import(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, window: MainWindow, actions: ExportActions
) -> None:
    dialog = FakeDialog(([str(OWN_JSON)], ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", dialog)
    with qtbot.waitSignal(actions.conversations_imported, timeout=5000):
        actions.import_action.trigger()
    assert dialog.filters[0] == "Conversation exports (*.json *.zip)"
    assert len(window.storage.list_conversations()) == 1


# Import -------------------------------------------------------------------------------------


def _import(qtbot: QtBot, actions: ExportActions, *paths: Path) -> QMessageBox:
    with qtbot.waitSignal(actions.conversations_imported, timeout=5000):
        assert actions.import_files(list(paths))
        assert not actions.import_action.isEnabled()  # one import at a time
    assert actions.import_action.isEnabled()
    return _result(actions)


def test_import_chatgpt_export_adds_conversations_to_the_list(
    qtbot: QtBot, window: MainWindow, actions: ExportActions
) -> None:
    box = _import(qtbot, actions, CHATGPT)
    assert box.windowTitle() == "Import finished"
    assert box.text().startswith("2 imported, 0 already present, 7 skipped (")
    assert box.icon() == QMessageBox.Icon.Information
    titles = {c.title for c in window.storage.list_conversations()}
    assert "Weekend hike" in titles
    ids = [c.id for c in window.storage.list_conversations()]
    assert sorted(window.conversation_list.ids()) == sorted(ids)
    assert len(ids) == 2
    box.close()

    again = _import(qtbot, actions, CHATGPT)
    assert again.text().startswith("0 imported, 2 already present")
    assert len(window.storage.list_conversations()) == 2


def test_import_own_json(qtbot: QtBot, window: MainWindow, actions: ExportActions) -> None:
    box = _import(qtbot, actions, OWN_JSON)
    assert box.text().startswith("1 imported, 0 already present")
    [conversation] = window.storage.list_conversations()
    assert conversation.title == "Packing list: <b>tips</b> & `tricks`"
    assert window.conversation_list.ids() == [conversation.id]


def test_a_broken_file_is_named_and_imports_nothing(
    qtbot: QtBot, tmp_path: Path, window: MainWindow, actions: ExportActions
) -> None:
    broken = tmp_path / "broken-export.json"
    broken.write_text('{"conversations": [', encoding="utf-8")
    box = _import(qtbot, actions, broken)
    assert box.windowTitle() == "Import failed"
    assert box.icon() == QMessageBox.Icon.Warning
    assert "0 imported" in box.text()
    assert "1 file refused" in box.text()
    assert "broken-export.json" in box.informativeText()
    assert "Nothing was imported from it." in box.informativeText()
    assert window.storage.list_conversations() == []
    assert window.conversation_list.ids() == []


def test_a_broken_file_does_not_stop_the_good_one(
    qtbot: QtBot, tmp_path: Path, window: MainWindow, actions: ExportActions
) -> None:
    broken = tmp_path / "not-a-zip.zip"
    broken.write_bytes(b"PK\x03\x04 garbage")
    box = _import(qtbot, actions, broken, OWN_JSON)
    assert box.windowTitle() == "Import finished"
    assert box.text().startswith("1 imported")
    assert "not-a-zip.zip" in box.informativeText()
    assert len(window.storage.list_conversations()) == 1


def test_a_second_import_waits_for_the_first(
    qtbot: QtBot, window: MainWindow, actions: ExportActions
) -> None:
    del window
    with qtbot.waitSignal(actions.conversations_imported, timeout=5000):
        assert actions.import_files([OWN_JSON])
        assert not actions.import_files([CHATGPT])
    assert _result(actions).text().startswith("1 imported")


# The application icon -----------------------------------------------------------------------


@pytest.mark.usefixtures("qapp")
def test_the_application_gets_its_icon() -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert startup.set_window_icon(app)
    assert not app.windowIcon().isNull()
    assert not app.windowIcon().pixmap(32, 32).isNull()


@pytest.mark.usefixtures("qapp")
def test_a_missing_icon_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def missing() -> Path:
        raise FileNotFoundError("The application icon is missing from this installation: x")

    monkeypatch.setattr(startup, "icon_path", missing)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    with caplog.at_level(logging.WARNING, logger="desktop_chat.ui.app.startup"):
        assert not startup.set_window_icon(app)
    assert "No window icon: The application icon is missing" in caplog.text


@pytest.mark.qt_log_ignore("Cannot read file")
@pytest.mark.usefixtures("qapp")
def test_an_unreadable_icon_is_logged_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    bad = tmp_path / "icon.svg"
    bad.write_text("not an svg", encoding="utf-8")
    monkeypatch.setattr(startup, "icon_path", lambda: bad)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    with caplog.at_level(logging.WARNING, logger="desktop_chat.ui.app.startup"):
        assert not startup.set_window_icon(app)
    assert "could not be loaded" in caplog.text


def test_make_application_sets_the_icon_in_a_fresh_process() -> None:
    code = (
        "from desktop_chat.ui.app.startup import make_application\n"
        "app = make_application(['desktop-chat', '-platform', 'offscreen'])\n"
        "print(app.windowIcon().isNull(), app.windowIcon().pixmap(48, 48).isNull())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_fast_imports_always_report(
    qtbot: QtBot, tmp_path: Path, window: MainWindow, actions: ExportActions
) -> None:
    del window
    broken = tmp_path / "empty.json"
    broken.write_bytes(b"")
    for _ in range(15):  # a refused file ends at once; its result must never be lost
        box = _import(qtbot, actions, broken)
        assert "empty.json" in box.informativeText()
        box.close()


def test_an_import_that_breaks_says_so(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, window: MainWindow, actions: ExportActions
) -> None:
    def broken_importer(*args: object) -> None:
        raise RuntimeError("disk vanished")

    monkeypatch.setattr(import_dialog, "import_files", broken_importer)
    assert actions.import_files([OWN_JSON])
    qtbot.waitUntil(lambda: actions.last_result is not None, timeout=5000)
    box = _result(actions)
    assert box.windowTitle() == "Import failed"
    assert "The import stopped: disk vanished" in box.text()
    assert actions.import_action.isEnabled()
    assert window.storage.list_conversations() == []


def test_file_dialogs_start_in_a_folder_that_exists(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # a home with no Documents folder
    fresh = ExportActions(window, window.storage, window.session)
    assert fresh.last_folder.is_dir()
    assert fresh.last_folder == tmp_path


def test_the_export_dialog_offers_every_version_only_when_there_are_others(
    qtbot: QtBot, window: MainWindow, actions: ExportActions, tmp_path: Path
) -> None:
    conversation = _fill(window, "Versions")
    window.open_conversation(conversation.id)
    plain = actions.export_dialog(tmp_path / "x.md", other_versions=False)
    assert plain.findChild(QCheckBox, "allVersionsCheck").isHidden()  # type: ignore[union-attr]
    plain.deleteLater()
    reply = window.storage.current_path(conversation.id)[-1]
    window.storage.add_sibling(reply.id, "A second opinion: **Porto**.")
    window.open_conversation(conversation.id)
    assert actions._has_other_versions()
    dialog = actions.export_dialog(tmp_path / "x.md", other_versions=True)
    check = dialog.findChild(QCheckBox, "allVersionsCheck")
    assert check is not None
    assert not check.isHidden()
    dialog.deleteLater()
    written = actions.export_conversation_to(tmp_path / "every.md", all_versions=True)
    assert written is not None
    text = written.read_text(encoding="utf-8")
    assert "Lisbon" in text
    assert "Porto" in text
    assert "(version 2 of 2)" in text
