"""Prepares attached files off the GUI thread, one at a time, and reports each with a signal.

Decoding a 12-megapixel photo or reading the text of a 300-page PDF takes a moment; done on the
GUI thread it would freeze the window. One worker thread takes the files in the order they came,
so two big files never fight over the two cores with the window, and ends when none is left (it
starts again with the next file). A file can be cancelled while it waits or, for a PDF, while it
is read; the worker never touches a widget.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QObject, Signal
from PySide6.QtGui import QImage

from desktop_chat.core.attachments.prepare import prepare_data, prepare_file
from desktop_chat.core.errors import AttachmentError

__all__ = ["PAGE_PAUSE", "Attacher", "Source"]

#: Seconds the worker pauses after each page of a PDF, for the GUI thread.
PAGE_PAUSE = 0.002

#: A file to prepare: a path, the bytes of a pasted file, or a pasted picture.
Source = Path | bytes | QImage


@dataclass(eq=False)
class _Job:
    job_id: int
    source: Source
    name: str
    max_side: int
    cancelled: threading.Event = field(default_factory=threading.Event)


def _png(image: QImage) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, b"PNG")
    return bytes(buffer.data().data())


def _let_the_gui_run() -> None:
    # PDF text is read in pure Python, which holds the interpreter; a short sleep after each page
    # hands it to the GUI thread, whose events would otherwise wait for the switch interval.
    time.sleep(PAGE_PAUSE)


def _prepare(job: _Job) -> object:
    if isinstance(job.source, Path):
        return prepare_file(
            job.source,
            max_side=job.max_side,
            cancelled=job.cancelled,
            between_pages=_let_the_gui_run,
        )
    data = job.source if isinstance(job.source, bytes) else _png(job.source)
    return prepare_data(
        data,
        job.name,
        max_side=job.max_side,
        cancelled=job.cancelled,
        between_pages=_let_the_gui_run,
    )


class Attacher(QObject):
    """Prepares files in a worker thread; create it on the GUI thread.

    Args:
        parent: the Qt parent.

    Signals:
        prepared(int, object): job ``id`` is ready; carries its ``PreparedAttachment``.
        refused(int, str): job ``id`` cannot be attached; carries the sentence saying why.
    """

    prepared = Signal(int, object)
    refused = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._jobs: deque[_Job] = deque()
        self._current: _Job | None = None
        self._thread: threading.Thread | None = None
        self._next_id = 0
        self._closed = False

    def submit(self, source: Source, name: str, max_side: int) -> int:
        """Queue a file and return its job id (its signals carry it)."""
        with self._lock:
            self._next_id += 1
            job = _Job(self._next_id, source, name, max_side)
            self._jobs.append(job)
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="attacher", daemon=True)
                self._thread.start()
        return job.job_id

    def cancel(self, job_id: int) -> None:
        """Forget job ``job_id``: it reports nothing (a PDF being read stops between pages)."""
        with self._lock:
            for job in [*self._jobs, self._current]:
                if job is not None and job.job_id == job_id:
                    job.cancelled.set()

    def is_busy(self) -> bool:
        """Whether a file is being prepared or waits to be."""
        with self._lock:
            return self._thread is not None

    def close(self) -> None:
        """Cancel every job, without waiting: the worker ends after the step it is in (a daemon
        thread, so it never holds the application open)."""
        with self._lock:
            self._closed = True
            for job in [*self._jobs, self._current]:
                if job is not None:
                    job.cancelled.set()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._jobs:
                    self._thread = None
                    self._current = None
                    return
                job = self._current = self._jobs.popleft()
            if job.cancelled.is_set():
                continue
            try:
                result = _prepare(job)
            except InterruptedError:
                continue
            except AttachmentError as error:
                if not job.cancelled.is_set():
                    self.refused.emit(job.job_id, error.message)
                continue
            except Exception as error:  # noqa: BLE001 - a bad file must never end the worker
                if not job.cancelled.is_set():
                    self.refused.emit(
                        job.job_id,
                        f"{job.name} cannot be attached: {type(error).__name__}: {error}",
                    )
                continue
            if not job.cancelled.is_set():
                self.prepared.emit(job.job_id, result)
