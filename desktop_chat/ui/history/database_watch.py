"""Notices when another process changed the conversation list, so the window shows it.

``desktop-chat import`` and ``desktop-chat send`` write to the database while the window runs;
without a look at the file, what they added appeared only after a restart. The watch asks SQLite,
every few seconds and whenever the window is activated, whether another connection committed
anything (a counter that costs next to nothing to read), and only then compares a brief mark of
the list.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from desktop_chat.core.errors import StorageError
from desktop_chat.core.history.storage import Storage

__all__ = ["DEFAULT_INTERVAL_MS", "DatabaseWatch"]

#: How often the database is looked at, in milliseconds.
DEFAULT_INTERVAL_MS = 2000


class DatabaseWatch(QObject):
    """Polls ``storage`` for changes made by other processes.

    Args:
        storage: the window's database.
        interval_ms: how often to look.
        parent: the Qt parent.

    Signals:
        list_changed(): another process changed the conversation list.
    """

    list_changed = Signal()

    def __init__(
        self,
        storage: Storage,
        interval_ms: int = DEFAULT_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._storage = storage
        self._counter: int | None = None
        self._mark: tuple[int, float, int] | None = None
        self._timer = QTimer(self)
        self._timer.setObjectName("databaseWatchTimer")
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self.settle()
        self._timer.start()

    def settle(self) -> None:
        """Take the list as it is now as seen (after the window itself changed it)."""
        try:
            self._counter = self._storage.change_counter()
            self._mark = self._storage.list_mark()
        except StorageError:
            self._counter = self._mark = None

    @Slot()
    def check(self) -> None:
        """Look now; emits ``list_changed`` when another process changed the list."""
        try:
            counter = self._storage.change_counter()
            if counter == self._counter:
                return
            self._counter = counter
            mark = self._storage.list_mark()
        except StorageError:
            return  # busy or closed: the next look will tell
        if mark != self._mark:
            self._mark = mark
            self.list_changed.emit()

    def stop(self) -> None:
        """Stop looking (the window closes)."""
        self._timer.stop()
