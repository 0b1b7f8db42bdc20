"""The window's File menu: export the open conversation or all of them, import files, and copy
the whole conversation.

Each command has a dialog handler (a file dialog, then a call) and a plain method that takes
the path, so the work itself runs without a dialog (tests call those methods). Exports are
written on the GUI thread: they read through the window's own database connection, and PDF is
laid out by ``QTextDocument``, which belongs to this thread. Imports run in a worker thread
(:class:`desktop_chat.ui.transfer.import_dialog.ImportRunner`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGridLayout,
    QMenu,
    QMessageBox,
    QWidget,
)

from desktop_chat.core.errors import DesktopChatError
from desktop_chat.core.history.models import Conversation, Message
from desktop_chat.core.history.storage import Storage
from desktop_chat.ui.common.inert import plain_message
from desktop_chat.ui.transcript.message_menu import COPY_CONVERSATION_ACTION
from desktop_chat.ui.transfer.import_dialog import ImportRunner, show_import_result

if TYPE_CHECKING:
    from desktop_chat.ui.window.chat_session import ChatSession

__all__ = ["ExportActions", "format_for_path"]


_FORMAT_NAMES = {
    "md": "Markdown",
    "txt": "Plain text",
    "json": "Desktop Chat JSON",
    "html": "Web page",
    "pdf": "PDF",
}
_STATUS_MS = 8000


def format_for_path(path: Path) -> str | None:
    """Return the export format a file name asks for by its extension, or None."""
    from desktop_chat.core.transfer.export import EXTENSIONS  # noqa: PLC0415 - loaded when first used

    suffix = path.suffix.lower()
    return next((fmt for fmt, extension in EXTENSIONS.items() if extension == suffix), None)


def _file_filters() -> dict[str, str]:
    """One save-dialog filter per format, mapped to the format."""
    from desktop_chat.core.transfer.export import EXTENSIONS  # noqa: PLC0415 - loaded when first used

    return {f"{_FORMAT_NAMES[fmt]} (*{EXTENSIONS[fmt]})": fmt for fmt in _FORMAT_NAMES}


def _bundle_filters() -> dict[str, tuple[str, bool]]:
    """Filters for "export all": each format in a zip archive or in a folder -> (format, zip)."""
    from desktop_chat.core.transfer.export import EXTENSIONS  # noqa: PLC0415 - loaded when first used

    zipped = {
        f"{_FORMAT_NAMES[fmt]} files in a zip archive (*.zip)": (fmt, True) for fmt in EXTENSIONS
    }
    folders = {
        f"{_FORMAT_NAMES[fmt]} files in a new folder (*)": (fmt, False) for fmt in EXTENSIONS
    }
    return zipped | folders


class ExportActions(QObject):
    """Copy, export and import commands for one window, with their File menu.

    Args:
        window: the window the dialogs belong to (its status bar shows short results).
        storage: the window's open database.
        session: the window's chat session (which conversation is open, whether it streams).

    Signals:
        conversations_imported(object): an import ended (its ``ImportReport``); the list of
            conversations should be reloaded.
    """

    conversations_imported = Signal(object)

    def __init__(self, window: QWidget, storage: Storage, session: ChatSession) -> None:
        super().__init__(window)
        self._window = window
        self._storage = storage
        self._session = session
        documents = Path(
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
            or Path.home()
        )
        # A file dialog given a folder that does not exist opens elsewhere with its name typed
        # in as a file name ("Documents" on a system without that folder).
        self.last_folder = documents if documents.is_dir() else Path.home()
        self.last_result: QMessageBox | None = None
        self._importer = ImportRunner(storage, self)
        self._importer.import_finished.connect(self._on_importer_import_finished)
        self._importer.failed.connect(self._on_importer_failed)

        self.export_conversation_action = self._action(
            self.tr("&Export conversation…"), "exportConversationAction", "Ctrl+Shift+E"
        )
        self.export_conversation_action.triggered.connect(self._on_export_conversation_triggered)
        self.export_all_action = self._action(
            self.tr("Export &all conversations…"), "exportAllAction"
        )
        self.export_all_action.triggered.connect(self._on_export_all_triggered)
        self.import_action = self._action(self.tr("&Import…"), "importAction", "Ctrl+Shift+O")
        self.import_action.triggered.connect(self._on_import_triggered)
        self.copy_conversation_action = self._action(
            self.tr("Copy conversation as &Markdown"), COPY_CONVERSATION_ACTION, "Ctrl+Shift+C"
        )
        self.copy_conversation_action.triggered.connect(self._on_copy_conversation_triggered)

        self.menu = QMenu(self.tr("&File"), window)
        self.menu.setObjectName("fileMenu")
        self.menu.addAction(self.export_conversation_action)
        self.menu.addAction(self.export_all_action)
        self.menu.addSeparator()
        self.menu.addAction(self.import_action)
        self.menu.addSeparator()
        self.menu.addAction(self.copy_conversation_action)
        self.menu.aboutToShow.connect(self.update_enabled)
        session.streaming_changed.connect(self._on_session_streaming_changed)
        session.conversation_changed.connect(self._on_session_conversation_changed)
        self.update_enabled()

    def _action(self, text: str, name: str, shortcut: str = "") -> QAction:
        action = QAction(text, self._window)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        # Shortcuts only work for actions added to a widget, menu or not.
        self._window.addAction(action)
        return action

    # State -------------------------------------------------------------------------------------

    @Slot()
    def update_enabled(self) -> None:
        """Enable what makes sense now: a saved, settled conversation to export or copy, any
        conversation for "export all", and no import already running."""
        # Only whether it exists: loading every message here froze long conversations.
        has_current = self._current_conversation() is not None
        settled = has_current and not self._session.is_streaming
        self.export_conversation_action.setEnabled(settled)
        self.copy_conversation_action.setEnabled(settled)
        self.export_all_action.setEnabled(self._has_conversations())
        self.import_action.setEnabled(not self._importer.running)

    def _has_conversations(self) -> bool:
        try:
            return bool(self._storage.list_conversations(limit=1))
        except DesktopChatError:
            return False

    def _current_conversation(self) -> Conversation | None:
        conversation_id = self._session.conversation_id
        if conversation_id is None:
            return None
        try:
            return self._storage.get_conversation(conversation_id)
        except DesktopChatError:
            return None

    def current(self) -> tuple[Conversation, list[Message]] | None:
        """The open conversation with all its messages, or None for an unsaved new chat."""
        conversation_id = self._session.conversation_id
        if conversation_id is None:
            return None
        try:
            conversation = self._storage.get_conversation(conversation_id)
            if conversation is None:
                return None
            return conversation, self._storage.conversation_messages(conversation_id)
        except DesktopChatError:
            return None

    @Slot(bool)
    def _on_session_streaming_changed(self, streaming: bool) -> None:
        del streaming
        self.update_enabled()

    @Slot(int)
    def _on_session_conversation_changed(self, conversation_id: int) -> None:
        del conversation_id
        self.update_enabled()

    def _status(self, text: str) -> None:
        status = getattr(self._window, "statusBar", None)
        if callable(status):
            status().showMessage(text, _STATUS_MS)

    def _problem(self, title: str, text: str) -> None:
        box = plain_message(self._window, QMessageBox.Icon.Warning, title, text)
        box.setObjectName("exportProblem")
        box.open()
        self.last_result = box

    # Copy --------------------------------------------------------------------------------------

    @Slot()
    def _on_copy_conversation_triggered(self) -> None:
        self.copy_current_conversation()

    def copy_current_conversation(self) -> bool:
        """Copy the open conversation as Markdown; False when no saved conversation is open."""
        current = self.current()
        if current is None:
            self._status(self.tr("There is no saved conversation to copy yet."))
            return False
        # The clipboard's module loads with the first copy, not for the first paint.
        from desktop_chat.ui.transcript.clipboard import copy_conversation  # noqa: PLC0415

        copy_conversation(*current)
        self._status(self.tr("Conversation copied as Markdown."))
        return True

    # Export ------------------------------------------------------------------------------------

    @Slot()
    def _on_export_conversation_triggered(self) -> None:
        current = self.current()
        if current is None:
            self._status(self.tr("There is no saved conversation to export yet."))
            return
        conversation, _ = current
        from desktop_chat.core.transfer.export import slugify  # noqa: PLC0415 - loaded when first used

        suggested = self.last_folder / f"{slugify(conversation.title)}.md"
        answer = self.ask_export_target(suggested, other_versions=self._has_other_versions())
        if answer is not None:
            name, chosen_filter, every = answer
            path, fmt = self._path_and_format(Path(name), chosen_filter)
            self.export_conversation_to(path, fmt, all_versions=every)

    def ask_export_target(
        self, suggested: Path, *, other_versions: bool
    ) -> tuple[str, str, bool] | None:
        """Ask where to export the open conversation: (file, chosen filter, every version), or
        None when the user cancelled."""
        dialog = self.export_dialog(suggested, other_versions=other_versions)
        try:
            if not dialog.exec() or not dialog.selectedFiles():
                return None
            versions = dialog.findChild(QCheckBox, "allVersionsCheck")
            every = versions is not None and not versions.isHidden() and versions.isChecked()
            return dialog.selectedFiles()[0], dialog.selectedNameFilter(), every
        finally:
            dialog.deleteLater()

    def export_dialog(self, suggested: Path, *, other_versions: bool) -> QFileDialog:
        """The Export conversation dialog: Qt's own, so it can offer every version of the
        messages when the conversation has other versions than those on screen."""
        dialog = QFileDialog(
            self._window, self.tr("Export conversation"), str(suggested), ";;".join(_file_filters())
        )
        dialog.setObjectName("exportDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        versions = QCheckBox(
            self.tr("Include every version (edited questions, regenerated replies)"), dialog
        )
        versions.setObjectName("allVersionsCheck")
        versions.setVisible(other_versions)
        grid = dialog.layout()
        if isinstance(grid, QGridLayout):
            grid.addWidget(versions, grid.rowCount(), 0, 1, grid.columnCount())
        return dialog

    def _has_other_versions(self) -> bool:
        current = self.current()
        if current is None:
            return False
        from desktop_chat.core.transfer._export_common import shown_path  # noqa: PLC0415

        conversation, messages = current
        return len(shown_path(conversation, messages)) < len(messages)

    def _path_and_format(self, path: Path, chosen_filter: str) -> tuple[Path, str | None]:
        """The file and format a save dialog's answer asks for (the extension typed wins)."""
        typed = format_for_path(path)
        if typed is not None:
            return path, typed
        fmt = _file_filters().get(chosen_filter)
        if fmt is None:
            return path, None
        from desktop_chat.core.transfer.export import EXTENSIONS  # noqa: PLC0415 - loaded when first used

        return path.with_name(path.name + EXTENSIONS[fmt]), fmt

    def export_conversation_to(
        self, path: Path, fmt: str | None = None, *, all_versions: bool = False
    ) -> Path | None:
        """Write the open conversation to ``path``; return it, or None after showing why not.

        Args:
            path: the file to write (replaced if it exists).
            fmt: ``md``, ``txt``, ``json``, ``html`` or ``pdf``; by default taken from the
                file's extension.
            all_versions: write every version of every message, not only those on screen.
        """
        current = self.current()
        if current is None:
            self._problem(
                self.tr("Export failed"), self.tr("There is no saved conversation to export.")
            )
            return None
        chosen = fmt or format_for_path(path)
        if chosen is None:
            self._problem(
                self.tr("Export failed"),
                self.tr("{name}: choose a file ending in .md, .txt, .json, .html or .pdf.").format(
                    name=path.name
                ),
            )
            return None
        written = self._write([current], chosen, path, all_versions=all_versions)
        if written:
            self._status(self.tr("Exported to {path}").format(path=written[0]))
            return written[0]
        return None

    @Slot()
    def _on_export_all_triggered(self) -> None:
        filters = _bundle_filters()
        name, chosen_filter = QFileDialog.getSaveFileName(
            self._window,
            self.tr("Export all conversations"),
            str(self.last_folder / "desktop-chat-export.zip"),
            ";;".join(filters),
        )
        if name:
            fmt, zipped = filters.get(chosen_filter, ("md", True))
            self.export_all_to(self._bundle_path(Path(name), zipped), fmt)

    def _bundle_path(self, path: Path, zipped: bool) -> Path:
        if zipped and path.suffix.lower() != ".zip":
            return path.with_name(path.name + ".zip")
        if not zipped and path.suffix.lower() == ".zip":
            return path.with_suffix("")
        return path

    def export_all_to(self, path: Path, fmt: str) -> list[Path]:
        """Write every conversation into ``path`` (a ``.zip`` file or a folder), one file each.

        Returns:
            The files written (one: the zip), or an empty list after showing why not.
        """
        try:
            conversations = self._storage.list_conversations()
            items = [(c, self._storage.conversation_messages(c.id)) for c in conversations]
        except DesktopChatError as error:
            self._problem(self.tr("Export failed"), error.message)
            return []
        if not items:
            self._problem(self.tr("Export failed"), self.tr("There are no conversations yet."))
            return []
        if path.suffix.lower() != ".zip":
            # An existing folder gets one file per conversation, even when there is only one.
            try:
                path.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                self._problem(
                    self.tr("Export failed"),
                    self.tr("Cannot create the folder {path}: {reason}.").format(
                        path=path, reason=error.strerror or error
                    ),
                )
                return []
        written = self._write(items, fmt, path)
        if written:
            self._status(
                self.tr("Exported {count} conversations to {path}").format(
                    count=len(items), path=path
                )
            )
        return written

    def _write(
        self,
        items: Sequence[tuple[Conversation, Sequence[Message]]],
        fmt: str,
        path: Path,
        *,
        all_versions: bool = False,
    ) -> list[Path]:
        from desktop_chat.core.transfer.export import write_export  # noqa: PLC0415 - loaded when first used
        from desktop_chat.ui.transfer.pdf_export import write_pdf  # noqa: PLC0415

        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            written = write_export(
                items,
                fmt,
                path,
                pdf_writer=write_pdf,
                files=self._storage,
                all_versions=all_versions,
            )
        except DesktopChatError as error:
            self._problem(self.tr("Export failed"), error.message)
            return []
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.last_folder = path.parent
        return written

    # Import ------------------------------------------------------------------------------------

    @Slot()
    def _on_import_triggered(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self._window,
            self.tr("Import conversations"),
            str(self.last_folder),
            self.tr(
                "Conversation exports (*.json *.zip);;"
                "Desktop Chat JSON (*.json);;ChatGPT export (conversations.json *.zip);;"
                "All files (*)"
            ),
        )
        if names:
            self.import_files([Path(name) for name in names])

    def import_files(self, paths: Sequence[Path]) -> bool:
        """Start importing ``paths`` in the background; False when an import is already running.

        When it ends, the result is shown and :attr:`conversations_imported` is emitted.
        """
        if not self._importer.start(paths):
            return False
        self.last_folder = paths[0].parent
        self.import_action.setEnabled(False)
        self._status(self.tr("Importing …"))
        return True

    @Slot(object)
    def _on_importer_import_finished(self, report: object) -> None:
        from desktop_chat.core.transfer.importers import ImportReport  # noqa: PLC0415 - loaded

        self.update_enabled()
        if not isinstance(report, ImportReport):
            return
        self._status(report.summary())
        self.last_result = show_import_result(self._window, report)
        self.conversations_imported.emit(report)

    @Slot(str)
    def _on_importer_failed(self, message: str) -> None:
        self.update_enabled()
        self._problem(self.tr("Import failed"), message)
