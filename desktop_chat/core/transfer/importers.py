"""Importing conversations: Desktop Chat JSON exports and ChatGPT data exports.

Each file is read and parsed completely first, then written in one transaction: a file that
fails adds nothing. Every stored conversation records a fingerprint of its source in the
``import_sources`` table, so importing the same file again adds nothing. The import uses its
own connection to the database file (as the reply recorder does), so it never interleaves
with the window's transactions.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_chat.core.errors import ImportExportError, StorageError
from desktop_chat.core.history import _schema
from desktop_chat.core.history.storage import Storage, insert_attachments, insert_message_row
from desktop_chat.core.transfer._import_files import read_import_file
from desktop_chat.core.transfer._import_types import ImportedConversation

__all__ = ["FileResult", "ImportReport", "import_file", "import_files"]

_CONVERSATION_DEFAULTS: dict[str, Any] = {
    "title": "",
    "pinned": False,
    "provider": "",
    "model": "",
    "system_prompt": "",
    "draft": "",
    "deleted_at": None,
}
_MESSAGE_DEFAULTS: dict[str, Any] = {
    "content": "",
    "reasoning": "",
    "model": "",
    "provider": "",
    "finish_reason": None,
    "usage": None,
    "ttft_ms": None,
    "duration_ms": None,
    "status": "complete",
    "error": None,
}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# What each reason for leaving something out means to someone who never saw the export's
# insides: (one, several).
_REASON_WORDS = {
    "hidden": (
        "message ChatGPT never shows (its own instructions)",
        "messages ChatGPT never shows (its own instructions)",
    ),
    "tool call": ("call to a ChatGPT tool", "calls to ChatGPT tools"),
    "tool output": ("ChatGPT tool result", "ChatGPT tool results"),
    "code or execution output": ("code run or its output", "code runs or their output"),
    "malformed node": ("damaged message", "damaged messages"),
    "unreachable node": ("message cut off from its chat", "messages cut off from their chat"),
    "unknown author": ("message with no author", "messages with no author"),
    "empty": ("empty message", "empty messages"),
    "image or file": ("image or file not in the export", "images or files not in the export"),
    "conversation with no text": ("conversation with no text", "conversations with no text"),
    "conversation with an impossible date": (
        "conversation with an impossible date",
        "conversations with an impossible date",
    ),
}


def _reason_words(reason: str, count: int) -> str:
    if reason in _REASON_WORDS:
        one, several = _REASON_WORDS[reason]
    else:  # "<content type> content", a kind of part this version does not read
        kind = f"of a kind Desktop Chat cannot show ({reason.removesuffix(' content')})"
        one, several = f"message {kind}", f"messages {kind}"
    return f"{count} {one if count == 1 else several}"


@dataclass(slots=True)
class FileResult:
    """What importing one file did.

    Attributes:
        path: the file.
        imported: ids of the conversations added.
        already_present: conversations skipped because an earlier import added them.
        empty: conversations skipped because they held no text to keep.
        refused: conversations left out for another reason (an impossible date), by reason.
        skipped: messages left out, counted by reason.
        error: why the file was refused (nothing was imported from it), or None.
    """

    path: Path
    imported: list[int] = field(default_factory=list)
    already_present: int = 0
    empty: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    error: str | None = None


@dataclass(slots=True)
class ImportReport:
    """What importing several files did, file by file."""

    files: list[FileResult] = field(default_factory=list)

    @property
    def imported(self) -> int:
        """How many conversations were added."""
        return sum(len(result.imported) for result in self.files)

    @property
    def already_present(self) -> int:
        """How many conversations were already in the database."""
        return sum(result.already_present for result in self.files)

    @property
    def failed(self) -> list[FileResult]:
        """The files refused as a whole."""
        return [result for result in self.files if result.error is not None]

    def summary(self) -> str:
        """One line: ``N imported, M already present, K skipped (why)``."""
        reasons: Counter[str] = Counter()
        for result in self.files:
            reasons.update(result.skipped)
            reasons.update(result.refused)
            if result.empty:
                reasons["conversation with no text"] += result.empty
        skipped = sum(reasons.values())
        line = (
            f"{self.imported} imported, {self.already_present} already present, {skipped} skipped"
        )
        if skipped:
            why = ", ".join(_reason_words(reason, n) for reason, n in sorted(reasons.items()))
            line += f" ({why})"
        if self.failed:
            line += f"; {_plural(len(self.failed), 'file')} refused"
        return line


def _connect(path: Path) -> sqlite3.Connection:
    connection = _schema.connect(path)
    _schema.configure(connection)
    return connection


def _already_present(db: sqlite3.Connection, fingerprint: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM import_sources s JOIN conversations c ON c.id = s.conversation_id"
        " WHERE s.fingerprint = ?",
        (fingerprint,),
    ).fetchone()
    return row is not None


def _store(db: sqlite3.Connection, conversation: ImportedConversation, source: str) -> int:
    values = {**_CONVERSATION_DEFAULTS, **conversation.fields}
    now = time.time()
    created = values.get("created_at", now)
    cursor = db.execute(
        "INSERT INTO conversations (title, created_at, updated_at, pinned, provider, model,"
        " system_prompt, draft, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            values["title"],
            created,
            values.get("updated_at", created),
            int(bool(values["pinned"])),
            values["provider"],
            values["model"],
            values["system_prompt"],
            values["draft"],
            values["deleted_at"],
        ),
    )
    conversation_id = int(cursor.lastrowid or 0)
    new_ids: dict[str, int] = {}
    for message in conversation.messages:
        fields = {"created_at": created, **_MESSAGE_DEFAULTS, **message.fields}
        parent = None if message.parent_key is None else new_ids[message.parent_key]
        new_ids[message.key] = insert_message_row(db, conversation_id, parent, fields)
        if message.attachments:
            insert_attachments(db, new_ids[message.key], message.attachments)
    leaf = conversation.current_leaf_key
    if leaf is not None:
        db.execute(
            "UPDATE conversations SET current_leaf_id = ? WHERE id = ?",
            (new_ids[leaf], conversation_id),
        )
    db.execute(
        "INSERT OR REPLACE INTO import_sources (fingerprint, conversation_id, source, imported_at)"
        " VALUES (?, ?, ?, ?)",
        (conversation.fingerprint, conversation_id, source, now),
    )
    return conversation_id


def _import_into(db: sqlite3.Connection, path: Path) -> FileResult:
    parsed = read_import_file(path)
    result = FileResult(path=path, empty=parsed.empty, refused=parsed.refused)
    with _schema.immediate(db):
        for conversation in parsed.conversations:
            if _already_present(db, conversation.fingerprint):
                result.already_present += 1
                continue
            result.imported.append(_store(db, conversation, path.name))
            result.skipped.update(conversation.skipped)
    return result


def import_file(storage: Storage, path: Path) -> FileResult:
    """Import every conversation of one file, in one transaction.

    Raises:
        ImportExportError: the file is unusable; nothing was imported from it.
        StorageError: the database refused the write; nothing was imported.
    """
    try:
        connection = _connect(storage.path)
    except sqlite3.Error as error:
        raise StorageError(f"The conversation database cannot be opened: {error}.") from error
    try:
        return _import_into(connection, path)
    except sqlite3.Error as error:
        raise StorageError(f"Importing {path.name} failed in the database: {error}.") from error
    except (OverflowError, UnicodeError) as error:
        # A number too large for SQLite or text that is not valid Unicode (a lone surrogate
        # escaped in the JSON): the file cannot be stored as it is, and the transaction is gone.
        raise ImportExportError(
            f"{path.name}: the file holds a value that cannot be stored ({error}); "
            "nothing was imported from it.",
            path=path,
        ) from error
    finally:
        connection.close()


def import_files(
    storage: Storage,
    paths: Iterable[Path],
    progress: Callable[[FileResult], None] | None = None,
) -> ImportReport:
    """Import several files, each in its own transaction; a refused file does not stop the rest.

    Args:
        storage: the open database to add conversations to.
        paths: JSON or zip files.
        progress: called with each file's result as soon as it is done.
    """
    report = ImportReport()
    for path in paths:
        try:
            result = import_file(storage, path)
        except (ImportExportError, StorageError) as error:
            result = FileResult(path=path, error=error.message)
        report.files.append(result)
        if progress is not None:
            progress(result)
    return report
