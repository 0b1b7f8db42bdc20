"""Bringing a database file up to the current schema, and what to do with files that cannot be.

Before a migration the file is copied with ``VACUUM INTO`` beside itself. A file that is not a
readable database of a version this code knows is never written to: it is moved aside, together with
its ``-wal`` and ``-shm`` companions, under a name that says why.
"""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

from desktop_chat.core._files import free_name, make_private, set_aside, timestamp
from desktop_chat.core.errors import StorageError
from desktop_chat.core.history import _schema
from desktop_chat.core.history._access import unwritable_error

_HEADER_MAGIC = b"SQLite format 3\x00"
_HEADER_SIZE = 100
# Primary result codes meaning "the bytes are not a sound database" rather than "cannot get at it".
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26
#: Files up to this size are verified in full when opened (about 5 ms per megabyte).
QUICK_CHECK_MAX_BYTES = 8 * 1024 * 1024


class UnreadableDatabaseError(StorageError):
    """The file is not an SQLite database, or is damaged."""


class NewerSchemaError(StorageError):
    """The file was written by a newer version of the application.

    Attributes:
        version: the schema version found in the file.
    """

    def __init__(self, message: str, *, version: int) -> None:
        super().__init__(message)
        self.version = version


def is_damage(error: sqlite3.DatabaseError) -> bool:
    """Tell damage to the file apart from a failure to reach it (locked, permissions, disk full)."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    # Python 3.10 has no error code; damage is reported as the base class itself.
    return type(error) is sqlite3.DatabaseError


def check_header(path: Path) -> None:
    """Reject, without opening it, a file that is not a database or is shorter than it says.

    SQLite itself reads a truncated file until it reaches a missing page, which may be much later.

    Raises:
        UnreadableDatabaseError: the file is not an SQLite database or was cut short.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    if size == 0:
        return
    try:
        with path.open("rb") as file:
            header = file.read(_HEADER_SIZE)
    except OSError as error:
        raise StorageError(
            f"The conversation database {path} cannot be read: {error.strerror}."
        ) from error
    if len(header) < _HEADER_SIZE or not header.startswith(_HEADER_MAGIC):
        raise UnreadableDatabaseError(f"{path.name} is not an SQLite database.")
    (page_size,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if page_size == 1 else page_size
    # Every valid file has a power-of-two page size and these three fixed payload fractions.
    if page_size < 512 or page_size & (page_size - 1) or header[21:24] != b"\x40\x20\x20":
        raise UnreadableDatabaseError(f"{path.name} has a damaged header.")
    change_counter, page_count = struct.unpack(">II", header[24:32])
    (valid_for,) = struct.unpack(">I", header[92:96])
    # The page count is only authoritative when written by the same change as the counter.
    if page_count and valid_for == change_counter and size < page_size * page_count:
        raise UnreadableDatabaseError(
            f"{path.name} is cut short: {size} bytes of {page_size * page_count}."
        )


def probe(path: Path) -> None:
    """Check, through a read-only connection, that an existing file is a database we can use.

    Read-only, so that a damaged file is not changed by the check itself: a read-write
    connection would replay a ``-wal`` file into it, or delete one it finds invalid, when it
    closes. The whole file is verified (``quick_check``) when it is small enough for that to be
    quick; a larger one is only verified where it is read.

    Raises:
        UnreadableDatabaseError: the file is damaged, not a database, or someone else's database.
        NewerSchemaError: the version is newer than this code knows.
        StorageError: the file cannot be read at all (permissions, locks).
    """
    if not path.exists() or path.stat().st_size == 0:
        return
    check_header(path)
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise unwritable_error(path, error) or StorageError(
            f"The conversation database cannot be opened: {error}."
        ) from error
    try:
        (version,) = connection.execute("PRAGMA user_version").fetchone()
        tables = connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        ).fetchone()[0]
        if path.stat().st_size <= QUICK_CHECK_MAX_BYTES:
            (verdict,) = connection.execute("PRAGMA quick_check(1)").fetchone()
            if verdict != "ok":
                raise UnreadableDatabaseError(f"{path.name} is damaged: {verdict}.")
    except sqlite3.DatabaseError as error:
        if is_damage(error):
            raise UnreadableDatabaseError(f"{path.name} cannot be read: {error}.") from error
        raise unwritable_error(path, error) or StorageError(
            f"The conversation database cannot be opened: {error}."
        ) from error
    finally:
        connection.close()
    if not isinstance(version, int) or version < 0:
        raise UnreadableDatabaseError(f"{path.name} has an invalid schema version.")
    if version > _schema.CURRENT_VERSION:
        raise NewerSchemaError(
            f"{path.name} was written by a newer version of Desktop Chat "
            f"(schema {version}; this version knows up to {_schema.CURRENT_VERSION}).",
            version=version,
        )
    if version == 0 and tables:
        raise UnreadableDatabaseError(
            f"{path.name} is an SQLite database but not a conversation database."
        )


def backup(connection: sqlite3.Connection, path: Path, version: int) -> Path:
    """Copy the database to ``<name>.backup-v<version>-<UTC time>`` beside it, and return that path.

    Raises:
        StorageError: the copy could not be written (the migration must then not run).
    """
    target = free_name(path, f"backup-v{version}-{timestamp()}")
    try:
        connection.execute("VACUUM INTO ?", (str(target),))
    except sqlite3.Error as error:
        target.unlink(missing_ok=True)
        raise StorageError(
            f"The conversation database could not be backed up before upgrading it: {error}."
        ) from error
    make_private(target)
    return target


def migrate(connection: sqlite3.Connection, path: Path, version: int) -> Path | None:
    """Bring the database from ``version`` to the current one; return the backup made, if any.

    A new, empty database (version 0) is built without a backup. Each step commits on its own, so
    an interrupted upgrade resumes from the last finished step next time.
    """
    if version == _schema.CURRENT_VERSION:
        return None
    backup_path = backup(connection, path, version) if version > 0 else None
    try:
        for step in range(version + 1, _schema.CURRENT_VERSION + 1):
            _schema.apply_step(connection, step)
    except sqlite3.Error as error:
        raise StorageError(
            f"The conversation database could not be upgraded: {error}. "
            f"It was left as it was; a copy is at {backup_path}."
        ) from error
    return backup_path


def keep_aside(path: Path, reason: str) -> Path:
    """Move the database and its ``-wal``/``-shm`` files to ``<name>.<reason>-<UTC time>``.

    The companions keep their suffix after the new name, so the moved files still open together.

    Raises:
        StorageError: the file could not be moved (it is then left untouched).
    """
    try:
        return set_aside(path, reason, companions=("-wal", "-shm", "-journal"))
    except OSError as error:
        raise StorageError(
            f"The conversation database could not be moved aside: {error.strerror}."
        ) from error
