"""Importing conversation files from the window: the import runs off the GUI thread, and its
outcome is told in a sentence per file.

The importer opens its own connection to the database file (see
:mod:`desktop_chat.core.transfer.importers`), so it may run in a worker thread while the
window keeps using its own connection.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QWidget

from desktop_chat.core.history.storage import Storage
from desktop_chat.ui.workers.background import start_background

if TYPE_CHECKING:
    # The importers load with the first import, not before the window's first paint.
    from desktop_chat.core.transfer.importers import ImportReport

__all__ = ["ImportRunner", "import_result_text", "show_import_result"]


def _tr(text: str) -> str:
    return QCoreApplication.translate("ImportDialog", text)


def import_files(storage: Storage, paths: Sequence[Path]) -> ImportReport:
    """:func:`desktop_chat.core.transfer.importers.import_files`, loaded on the first import."""
    from desktop_chat.core.transfer import importers  # noqa: PLC0415

    return importers.import_files(storage, paths)


def import_result_text(report: ImportReport) -> tuple[str, str]:
    """Return the (headline, details) that tell the user what an import did.

    The headline is the report's one-line summary (``N imported, M already present, K skipped
    (why)``); the details name each refused file and why nothing was taken from it.
    """
    details = [
        _tr("{reason} Nothing was imported from it.").format(reason=result.error)
        for result in report.failed
    ]
    return report.summary() + ".", "\n".join(details)


def show_import_result(parent: QWidget, report: ImportReport) -> QMessageBox:
    """Show what an import did in a window-modal message box (returned, already open)."""
    headline, details = import_result_text(report)
    everything_failed = bool(report.files) and len(report.failed) == len(report.files)
    box = QMessageBox(parent)
    box.setObjectName("importResult")
    box.setTextFormat(Qt.TextFormat.PlainText)  # the details quote file names and their errors
    box.setWindowTitle(_tr("Import failed") if everything_failed else _tr("Import finished"))
    box.setIcon(QMessageBox.Icon.Warning if report.failed else QMessageBox.Icon.Information)
    box.setText(headline)
    if details:
        box.setInformativeText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.open()
    return box


class ImportRunner(QObject):
    """Imports files in a worker thread, one import at a time.

    The worker reports through this object's own signals, connected before the thread starts:
    a file that fails at once may end the import before the caller could connect to anything.

    Args:
        storage: the open database (only its path is used from the worker).
        parent: the Qt parent.

    Signals:
        started(): an import began.
        import_finished(object): the :class:`ImportReport` of the import that ended.
        failed(str): the import could not run at all (a sentence to show).
    """

    started = Signal()
    import_finished = Signal(object)
    failed = Signal(str)
    # Emitted from the worker thread; queued to this object's (the GUI) thread.
    _report_ready = Signal(object)
    _run_failed = Signal(str)

    def __init__(self, storage: Storage, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._storage = storage
        self._running = False
        self._report_ready.connect(self._on_self_report_ready)
        self._run_failed.connect(self._on_self_run_failed)

    @property
    def running(self) -> bool:
        """Whether an import is under way."""
        return self._running

    def start(self, paths: Sequence[Path]) -> bool:
        """Start importing ``paths``; False (and nothing done) when one is already running."""
        if self._running or not paths:
            return False
        self._running = True
        start_background(functools.partial(self._run, list(paths)))
        self.started.emit()
        return True

    def _run(self, paths: list[Path]) -> None:
        # Runs in the worker thread: no widget is touched, results travel as signals.
        try:
            report = import_files(self._storage, paths)
        except Exception as error:  # noqa: BLE001 - a worker thread must report, not die
            self._run_failed.emit(_tr("The import stopped: {error}").format(error=error))
            return
        self._report_ready.emit(report)

    @Slot(object)
    def _on_self_report_ready(self, report: object) -> None:
        from desktop_chat.core.transfer.importers import ImportReport  # noqa: PLC0415 - loaded

        self._running = False
        if isinstance(report, ImportReport):
            self.import_finished.emit(report)

    @Slot(str)
    def _on_self_run_failed(self, message: str) -> None:
        self._running = False
        self.failed.emit(message)
