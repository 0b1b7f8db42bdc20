"""The conversation database: one SQLite file of conversations, message trees and a search index.

Messages form a tree: each names its parent, so editing a question or regenerating a reply adds a
sibling and nothing is ever overwritten. A conversation remembers the leaf of the branch on screen
in ``current_leaf_id``. Deleting a conversation only marks it (``deleted_at``) so it can be
restored; ``purge_deleted`` removes marked ones for good.

The file runs in WAL mode, so the window's connection reads while a ``ReplyRecorder`` writes from
the streaming thread. Every write is one transaction. ``open_storage`` is the application's way
in: it never overwrites a file it cannot read, and says in one sentence what it did instead.

Attached files are stored once, under the SHA-256 of their bytes, in ``attachment_blobs``; messages
refer to them in order through ``message_attachments``. Nothing of a file but its name is ever in
a message's text or the search index. A file no message refers to any more goes when the last
conversation or message that used it is deleted for good.

Search hits mark matched words with :data:`~desktop_chat.core.history.models.HIGHLIGHT_START` and
:data:`~desktop_chat.core.history.models.HIGHLIGHT_END`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from desktop_chat.core._files import PRIVATE_FILE, make_private
from desktop_chat.core.attachments.prepare import PreparedAttachment
from desktop_chat.core.errors import StorageError
from desktop_chat.core.history import _claims, _liveness, _migrations, _schema
from desktop_chat.core.history._access import unwritable_error
from desktop_chat.core.history.models import (
    ELLIPSIS,
    FILE_HIT_PREFIX,
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    ROLES,
    STATUSES,
    TOOL_HIT_PREFIX,
    Attachment,
    Conversation,
    Message,
    Role,
    SearchHit,
    Status,
    ToolCall,
    UsageInput,
    tool_calls_from_json,
    tool_calls_json,
    usage_dict,
)
from desktop_chat.core.history.timestamps import stored_seconds

__all__ = [
    "NewAttachment",
    "OpenResult",
    "Storage",
    "drop_unused_files",
    "fts_query",
    "insert_attachments",
    "insert_message_row",
    "open_storage",
]

#: What a new message may carry: a file just prepared, or one stored already (an edited
#: message's, or a placeholder), which is only referred to again.
NewAttachment = PreparedAttachment | Attachment
# How many message ids one query asks the attachments of.
_ID_BATCH = 500

_MESSAGE_COLUMNS = (
    "m.id, m.conversation_id, m.parent_id, m.role, m.content, m.reasoning, m.model, m.provider,"
    " m.created_at, m.finish_reason, m.usage, m.ttft_ms, m.duration_ms, m.status, m.error,"
    " m.tool_calls"
)
_CONVERSATION_COLUMNS = (
    "c.id, c.title, c.created_at, c.updated_at, c.pinned, c.provider, c.model, c.system_prompt,"
    " c.draft, c.current_leaf_id, c.deleted_at, c.temperature, c.max_tokens, c.tool_servers"
)
_CONVERSATION_ORDER = "c.pinned DESC, c.updated_at DESC, c.id DESC"
_CONVERSATION_FIELDS = frozenset(
    {
        "title",
        "pinned",
        "provider",
        "model",
        "system_prompt",
        "draft",
        "current_leaf_id",
        "updated_at",
        "temperature",
        "max_tokens",
        "tool_servers",
    }
)
# The columns of a message row that its writer chooses, in the order they are stored.
_WRITTEN_COLUMNS = (
    "role",
    "content",
    "reasoning",
    "model",
    "provider",
    "created_at",
    "finish_reason",
    "usage",
    "ttft_ms",
    "duration_ms",
    "status",
    "error",
    "tool_calls",
)
# What update_message may change: everything the writer chose but the role and the time.
_MESSAGE_FIELDS = frozenset(_WRITTEN_COLUMNS) - {"role", "created_at"}
# A tree deeper than this can only come from a damaged file with a parent loop.
_MAX_DEPTH = 10_000_000
# The ids from message ``?`` up to its root, each with its distance from ``?`` (``up``).
_UP_FROM_LEAF = f"""
    WITH RECURSIVE up(id, depth) AS (
        SELECT ?, 0
        UNION ALL
        SELECT m.parent_id, up.depth + 1 FROM messages m JOIN up ON m.id = up.id
        WHERE m.parent_id IS NOT NULL AND up.depth < {_MAX_DEPTH}
    )"""
_SNIPPET_TOKENS = 16
# How often, and how far apart, a file another process has open is checked again.
_LIVE_CHECKS = 20
_LIVE_PAUSE = 0.1
_pause_for_writer: Callable[[float], None] = time.sleep  # a test stands in for the other writer
#: The last word of a search matches as a prefix from this length on (any length if not ASCII).
PREFIX_MIN_CHARS = 4


def fts_query(text: str) -> str | None:
    """Turn free text typed by a user into an FTS5 query that cannot be a syntax error.

    Every word becomes a quoted phrase (quotes doubled), so ``AND``, ``(``, ``-``, ``*`` and ``"``
    lose their meaning; all words must match. The last word also matches as a prefix, so results
    follow typing, unless the text ends with a space or the word is shorter than
    :data:`PREFIX_MIN_CHARS` ASCII characters: a prefix of one to three letters matches nearly
    every message, which is both useless and slow. Returns None when no word has a letter or digit.
    """
    # SQLite reads the query as a C string: a NUL would cut it inside a quoted phrase.
    text = text.replace("\x00", " ")
    words = text.split()
    phrases = [
        '"' + word.replace('"', '""') + '"' for word in words if any(ch.isalnum() for ch in word)
    ]
    if not phrases:
        return None
    last = words[-1]
    if (
        not text[-1].isspace()
        and any(ch.isalnum() for ch in last)
        and (len(last) >= PREFIX_MIN_CHARS or not last.isascii())
    ):
        phrases[-1] += "*"
    return " ".join(phrases)


def _message_hit(row: Sequence[Any], snippet: str) -> SearchHit:
    """A hit on a message from a search row: conversation id, message id, title, (the matched
    text), role, time, then the version's position and count."""
    return SearchHit(
        conversation_id=row[0],
        message_id=row[1],
        title=row[2],
        snippet=snippet,
        role=row[4],
        created_at=stored_seconds(row[5]),
        version=(row[6], row[7]) if row[7] > 1 else None,
    )


def _like_escaped(word: str) -> str:
    """``word`` with LIKE's wildcards taken literally (the escape character is a backslash)."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _holding_all(column: str, words: Sequence[str]) -> tuple[str, list[str]]:
    """A condition that ``column`` holds every one of ``words`` in any case, and its values."""
    conditions = " AND ".join(f"casefold({column}) LIKE ? ESCAPE '\\'" for _ in words)
    return conditions, [f"%{_like_escaped(word)}%" for word in words]


def _highlighted(text: str, words: Sequence[str]) -> str:
    """``text`` with each case-insensitive occurrence of ``words`` between the highlight marks."""
    folded = text.casefold()
    marked = [False] * len(text)
    if len(folded) == len(text):  # casefolding can lengthen a name (ß): then nothing is marked
        for word in words:
            start = folded.find(word)
            while start != -1:
                marked[start : start + len(word)] = [True] * len(word)
                start = folded.find(word, start + 1)
    pieces: list[str] = []
    for index, char in enumerate(text):
        if marked[index] and (index == 0 or not marked[index - 1]):
            pieces.append(HIGHLIGHT_START)
        pieces.append(char)
        if marked[index] and (index == len(text) - 1 or not marked[index + 1]):
            pieces.append(HIGHLIGHT_END)
    return "".join(pieces)


def _query_words(query: str) -> list[str]:
    """The casefolded words of a search that are looked for inside names and tool calls."""
    return [
        word.casefold()
        for word in query.replace("\x00", " ").split()
        if any(ch.isalnum() for ch in word)
    ]


#: How much of a tool call's text a search hit shows around the first matched word.
_TOOL_SNIPPET_CHARS = 120


def _tool_snippet(calls: Sequence[ToolCall], words: Sequence[str]) -> str | None:
    """ "Tool NAME: text" for the first call whose name, result or arguments hold every word."""
    for call in calls:
        for text in (call.name, call.result, call.arguments):
            flat = " ".join(text.split())
            folded = flat.casefold()
            if not all(word in folded for word in words):
                continue
            label = TOOL_HIT_PREFIX + _highlighted(call.name, words)
            if text is call.name:
                # The name matched: the start of its result says which call it was.
                result = _cut(" ".join(call.result.split()), 0)
                return f"{label}: {result}" if result else label
            start = max(0, folded.find(words[0]) - _TOOL_SNIPPET_CHARS // 3)
            return f"{label}: {_highlighted(_cut(flat, start), words)}"
    return None


def _cut(text: str, start: int) -> str:
    """``_TOOL_SNIPPET_CHARS`` of ``text`` from ``start``, with an ellipsis where it is cut."""
    before = ELLIPSIS if start > 0 else ""
    after = ELLIPSIS if start + _TOOL_SNIPPET_CHARS < len(text) else ""
    return before + text[start : start + _TOOL_SNIPPET_CHARS] + after


def _usage_from_json(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _message(row: tuple[Any, ...]) -> Message:
    # Positional: this runs ten thousand times when a long conversation opens. A time no date
    # can be made of (a damaged file, an old import) reads as unknown instead of breaking readers.
    return Message(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], stored_seconds(row[8]),
        row[9], _usage_from_json(row[10]), row[11], row[12], row[13], row[14], (),
        tool_calls_from_json(row[15]),
    )  # fmt: skip


def _conversation(row: tuple[Any, ...]) -> Conversation:
    deleted_at = None if row[10] is None else stored_seconds(row[10])
    return Conversation(
        row[0], row[1], stored_seconds(row[2]), stored_seconds(row[3]), bool(row[4]), row[5],
        row[6], row[7], row[8], row[9], deleted_at, row[11], row[12], _names(row[13]),
    )  # fmt: skip


def _names(text: str | None) -> tuple[str, ...]:
    """A stored JSON list of names; anything else reads as none."""
    try:
        value = json.loads(text) if text else []
    except ValueError:
        return ()
    if not isinstance(value, list):
        return ()
    return tuple(name for name in value if isinstance(name, str))


def _check_role(role: str) -> Role:
    if role not in ROLES:
        raise ValueError(f"Unknown message role {role!r}; expected one of {sorted(ROLES)}.")
    return cast("Role", role)


def _check_status(status: str) -> Status:
    if status not in STATUSES:
        raise ValueError(f"Unknown message status {status!r}; expected one of {sorted(STATUSES)}.")
    return cast("Status", status)


def _storage_error(error: sqlite3.Error) -> StorageError:
    if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
        return StorageError(
            "The conversation database is busy in another program or window; try again."
        )
    if isinstance(error, sqlite3.DatabaseError) and _migrations.is_damage(error):
        return StorageError(
            f"The conversation database is damaged ({error}); recent changes were not saved."
        )
    return StorageError(f"The conversation database failed: {error}.")


# The position of message m among its versions (siblings, oldest first) and how many there are.
_VERSIONS_OF_M = (
    "(SELECT count(*) FROM messages s WHERE s.conversation_id = m.conversation_id"
    " AND s.parent_id IS m.parent_id AND (s.created_at < m.created_at"
    " OR (s.created_at = m.created_at AND s.id <= m.id))),"
    " (SELECT count(*) FROM messages s WHERE s.conversation_id = m.conversation_id"
    " AND s.parent_id IS m.parent_id)"
)

_INSERT_MESSAGE = (
    f"INSERT INTO messages (conversation_id, parent_id, {', '.join(_WRITTEN_COLUMNS)})"
    f" VALUES (?, ?, {', '.join('?' for _ in _WRITTEN_COLUMNS)})"
)


def insert_message_row(
    db: sqlite3.Connection,
    conversation_id: int,
    parent_id: int | None,
    values: Mapping[str, Any],
) -> int:
    """Insert one message row inside the caller's transaction and return its id.

    ``values`` holds every column the writer chooses (role to error), already checked, with
    ``usage`` as a dictionary or None. :meth:`Storage.add_message` and the importer both write
    through here, so a message has one shape however it arrives.
    """
    row = {
        **values,
        "usage": None if values["usage"] is None else json.dumps(values["usage"]),
        "tool_calls": tool_calls_json(values.get("tool_calls", ())),
    }
    columns = [row[name] for name in _WRITTEN_COLUMNS]
    cursor = db.execute(_INSERT_MESSAGE, (conversation_id, parent_id, *columns))
    return cast("int", cursor.lastrowid)


def insert_attachments(
    db: sqlite3.Connection, message_id: int, attachments: Sequence[NewAttachment]
) -> tuple[Attachment, ...]:
    """Attach files to a new message inside the caller's transaction; return them as stored.

    A prepared file's bytes are stored unless a file with the same hash is stored already. A
    stored one must still be there (it is only referred to).

    Raises:
        ValueError: a stored file named by its hash is not in the database.
    """
    stored: list[Attachment] = []
    for position, item in enumerate(attachments):
        if isinstance(item, PreparedAttachment):
            db.execute(
                "INSERT OR IGNORE INTO attachment_blobs (sha256, kind, mime, size, chars, pages,"
                " width, height, data, text, thumbnail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    item.sha256,
                    item.kind,
                    item.mime,
                    item.size,
                    len(item.text),
                    item.pages,
                    item.width,
                    item.height,
                    item.data,
                    item.text,
                    item.thumbnail,
                ),
            )
            record = Attachment(
                item.name,
                item.sha256,
                item.kind,
                item.mime,
                item.size,
                len(item.text),
                item.pages,
                item.width,
                item.height,
            )
        else:
            record = item
            if (
                item.sha256 is not None
                and not db.execute(
                    "SELECT 1 FROM attachment_blobs WHERE sha256 = ?", (item.sha256,)
                ).fetchone()
            ):
                raise ValueError(f"No stored file has the hash {item.sha256}.")
        db.execute(
            "INSERT INTO message_attachments (message_id, position, name, sha256)"
            " VALUES (?, ?, ?, ?)",
            (message_id, position, record.name, record.sha256),
        )
        stored.append(record)
    return tuple(stored)


def drop_unused_files(db: sqlite3.Connection) -> int:
    """Delete, inside the caller's transaction, the stored files no message refers to."""
    cursor = db.execute(
        "DELETE FROM attachment_blobs WHERE NOT EXISTS (SELECT 1 FROM message_attachments m"
        " WHERE m.sha256 = attachment_blobs.sha256)"
    )
    return cursor.rowcount


def _with_attachments(db: sqlite3.Connection, messages: list[Message]) -> list[Message]:
    """``messages`` with their attachments filled in (one query per batch of ids)."""
    if not messages or db.execute("SELECT 1 FROM message_attachments LIMIT 1").fetchone() is None:
        return messages
    found: dict[int, list[Attachment]] = {}
    ids = [message.id for message in messages]
    for start in range(0, len(ids), _ID_BATCH):
        batch = ids[start : start + _ID_BATCH]
        rows = db.execute(
            "SELECT a.message_id, a.name, a.sha256, b.kind, b.mime, b.size, b.chars, b.pages,"
            " b.width, b.height FROM message_attachments a"
            " LEFT JOIN attachment_blobs b ON b.sha256 = a.sha256"
            f" WHERE a.message_id IN ({','.join('?' * len(batch))})"
            " ORDER BY a.message_id, a.position",
            batch,
        ).fetchall()
        for row in rows:
            kind = row[3] if row[2] is not None and row[3] is not None else "missing"
            sha256 = row[2] if kind != "missing" else None
            record = Attachment(row[1], sha256, kind, row[4] or "", row[5] or 0, row[6] or 0)
            found.setdefault(row[0], []).append(
                dataclasses.replace(record, pages=row[7], width=row[8], height=row[9])
            )
    if not found:
        return messages
    return [
        dataclasses.replace(message, attachments=tuple(found[message.id]))
        if message.id in found
        else message
        for message in messages
    ]


class Storage:
    """One open conversation database; use it from one thread at a time.

    Create with :meth:`open` (or :func:`open_storage` in the application). Reads return frozen
    snapshots (:class:`Conversation`, :class:`Message`); ids that do not exist make the ``get_``
    methods return None and the methods that change something raise ``KeyError``. Values that can
    never be right (an unknown role or field name) raise ``ValueError``. Database failures raise
    :class:`~desktop_chat.core.errors.StorageError`.

    Attributes:
        path: the database file.
        backup_path: the copy made before this open upgraded the file, or None.
    """

    def __init__(
        self, connection: sqlite3.Connection, path: Path, backup_path: Path | None = None
    ) -> None:
        """Wrap an open, configured, current connection; use :meth:`open` instead."""
        self._connection: sqlite3.Connection | None = connection
        self.path = path
        self.backup_path = backup_path

    # -- opening and closing -------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str) -> Storage:
        """Open or create the database at ``path``, upgrading an older schema after a backup.

        Raises:
            StorageError: the file cannot be opened. Its subclasses ``UnreadableDatabaseError`` and
                ``NewerSchemaError`` (in ``core._migrations``) mean the file itself is unusable;
                ``open_storage`` handles those by keeping the file aside.
        """
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(
                f"The folder for the conversation database cannot be created: {error.strerror}."
            ) from error
        _keep_private(path)
        _migrations.probe(path)
        try:
            connection = _schema.connect(path)
        except sqlite3.Error as error:
            raise unwritable_error(path, error) or StorageError(
                f"The conversation database cannot be opened: {error}."
            ) from error
        try:
            _schema.configure(connection)
            (version,) = connection.execute("PRAGMA user_version").fetchone()
            backup_path = _migrations.migrate(connection, path, version)
            tables = {
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type='table'"
                )
            }
            if not tables >= _schema.REQUIRED_TABLES:
                raise _migrations.UnreadableDatabaseError(
                    f"{path.name} lacks the tables of a conversation database."
                )
        except sqlite3.DatabaseError as error:
            connection.close()
            if _migrations.is_damage(error):
                raise _migrations.UnreadableDatabaseError(
                    f"{path.name} cannot be read: {error}."
                ) from error
            raise unwritable_error(path, error) or _storage_error(error) from error
        except BaseException:
            connection.close()
            raise
        return cls(connection, path, backup_path)

    def set_busy_timeout(self, milliseconds: int) -> None:
        """Wait at most ``milliseconds`` for another connection's write lock, then fail with a
        StorageError saying the database is busy (the window's connection must not freeze)."""
        with self._read() as db:
            db.execute(f"PRAGMA busy_timeout = {max(0, int(milliseconds))}")

    def close(self) -> None:
        """Close the connection; further calls raise StorageError. Closing twice is harmless."""
        if self._connection is None:
            return
        connection, self._connection = self._connection, None
        # Only a planner hint; never worth failing a close for.
        with contextlib.suppress(sqlite3.Error):
            # Bounded, so that refreshing statistics never makes closing slow on a big file.
            connection.execute("PRAGMA analysis_limit = 400")
            connection.execute("PRAGMA optimize")
        connection.close()

    def __enter__(self) -> Storage:
        """Return self; the block closes it."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the database."""
        self.close()

    @property
    def _db(self) -> sqlite3.Connection:
        if self._connection is None:
            raise StorageError("The conversation database is closed.")
        return self._connection

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one IMMEDIATE transaction: all of it is committed or none."""
        try:
            with _schema.immediate(self._db) as connection:
                yield connection
        except sqlite3.Error as error:
            raise _storage_error(error) from error

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        try:
            yield self._db
        except sqlite3.Error as error:
            raise _storage_error(error) from error

    # -- conversations -------------------------------------------------------------------------

    def create_conversation(
        self,
        title: str = "",
        provider: str = "",
        model: str = "",
        system_prompt: str = "",
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        tool_servers: Sequence[str] = (),
    ) -> Conversation:
        """Create an empty conversation and return it."""
        now = time.time()
        servers = tuple(tool_servers)
        with self._write() as db:
            cursor = db.execute(
                "INSERT INTO conversations (title, created_at, updated_at, provider, model,"
                " system_prompt, temperature, max_tokens, tool_servers)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    title,
                    now,
                    now,
                    provider,
                    model,
                    system_prompt,
                    temperature,
                    max_tokens,
                    json.dumps(servers, ensure_ascii=False) if servers else None,
                ),
            )
            conversation_id = cast("int", cursor.lastrowid)
        return Conversation(
            id=conversation_id,
            title=title,
            created_at=now,
            updated_at=now,
            provider=provider,
            model=model,
            system_prompt=system_prompt,
            temperature=temperature,
            max_tokens=max_tokens,
            tool_servers=servers,
        )

    def get_conversation(self, conversation_id: int) -> Conversation | None:
        """Return the conversation (deleted or not), or None when there is none with that id."""
        with self._read() as db:
            row = db.execute(
                f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = ?",
                (conversation_id,),
            ).fetchone()
        return None if row is None else _conversation(row)

    def list_conversations(
        self, include_deleted: bool = False, *, limit: int | None = None, offset: int = 0
    ) -> list[Conversation]:
        """Return conversations, pinned first, then most recently updated first.

        Args:
            include_deleted: also return conversations in the trash.
            limit: at most this many (None for all), e.g. one screenful for a fast first paint.
            offset: skip this many first.
        """
        where = "" if include_deleted else "WHERE c.deleted_at IS NULL"
        with self._read() as db:
            rows = db.execute(
                f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c {where}"
                f" ORDER BY {_CONVERSATION_ORDER} LIMIT ? OFFSET ?",
                (-1 if limit is None else limit, offset),
            ).fetchall()
        return [_conversation(row) for row in rows]

    def change_counter(self) -> int:
        """A number that changes whenever another connection commits a change to the file.

        Reading it costs next to nothing, so a window can poll it to learn that another process
        (``desktop-chat import``, ``desktop-chat send``) wrote to the database.
        """
        with self._read() as db:
            (version,) = db.execute("PRAGMA data_version").fetchone()
        return cast("int", version)

    def list_mark(self) -> tuple[int, float, int]:
        """What the conversation list looks like, in brief: it changes when a conversation is
        added, deleted or restored, or gets a new message."""
        with self._read() as db:
            row = db.execute(
                "SELECT count(*), coalesce(max(updated_at), 0), coalesce(max(id), 0)"
                " FROM conversations WHERE deleted_at IS NULL"
            ).fetchone()
        return cast("int", row[0]), cast("float", row[1]), cast("int", row[2])

    def list_deleted(self) -> list[Conversation]:
        """Return the conversations in the trash, most recently deleted first."""
        with self._read() as db:
            rows = db.execute(
                f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c"
                " WHERE c.deleted_at IS NOT NULL ORDER BY c.deleted_at DESC, c.id DESC"
            ).fetchall()
        return [_conversation(row) for row in rows]

    def update_conversation(self, conversation_id: int, **fields: Any) -> Conversation:
        """Change the given fields and return the new state.

        Fields: title, pinned, provider, model, system_prompt, temperature, max_tokens, draft,
        current_leaf_id (a message of this conversation, or None), updated_at, tool_servers (a
        sequence of names). ``updated_at`` is
        not changed unless given, so renaming, pinning or saving a draft does not reorder the list.

        Raises:
            ValueError: an unknown field, or a leaf from another conversation.
            KeyError: no conversation has that id.
        """
        unknown = set(fields) - _CONVERSATION_FIELDS
        if unknown:
            raise ValueError(f"Unknown conversation fields: {', '.join(sorted(unknown))}.")
        values: dict[str, Any] = {
            name: int(bool(v)) if name == "pinned" else v for name, v in fields.items()
        }
        if "tool_servers" in values:
            names = list(values["tool_servers"] or ())
            values["tool_servers"] = json.dumps(names, ensure_ascii=False) if names else None
        with self._write() as db:
            leaf = values.get("current_leaf_id")
            if leaf is not None:
                self._require_message_in(db, leaf, conversation_id)
            if values:
                assignments = ", ".join(f"{name} = :{name}" for name in values)
                db.execute(
                    f"UPDATE conversations SET {assignments} WHERE id = :id",
                    {**values, "id": conversation_id},
                )
            row = db.execute(
                f"SELECT {_CONVERSATION_COLUMNS} FROM conversations c WHERE c.id = ?",
                (conversation_id,),
            ).fetchone()
            if row is None:
                raise KeyError(f"No conversation has id {conversation_id}.")
        return _conversation(row)

    def delete_conversation(self, conversation_id: int) -> None:
        """Move the conversation to the trash; :meth:`restore_conversation` undoes it.

        Raises:
            KeyError: no conversation has that id.
        """
        with self._write() as db:
            cursor = db.execute(
                "UPDATE conversations SET deleted_at = coalesce(deleted_at, ?) WHERE id = ?",
                (time.time(), conversation_id),
            )
            if cursor.rowcount == 0:
                raise KeyError(f"No conversation has id {conversation_id}.")

    def restore_conversation(self, conversation_id: int) -> None:
        """Take the conversation out of the trash.

        Raises:
            KeyError: no conversation has that id (it may have been purged).
        """
        with self._write() as db:
            cursor = db.execute(
                "UPDATE conversations SET deleted_at = NULL WHERE id = ?", (conversation_id,)
            )
            if cursor.rowcount == 0:
                raise KeyError(f"No conversation has id {conversation_id}.")

    def purge_deleted(self, deleted_before: float | None = None) -> int:
        """Remove for good the conversations in the trash, with their messages.

        Args:
            deleted_before: only those deleted before this epoch time (None: all of them).

        Returns:
            How many conversations were removed.
        """
        limit = float("inf") if deleted_before is None else deleted_before
        with self._write() as db:
            cursor = db.execute(
                "DELETE FROM conversations WHERE deleted_at IS NOT NULL AND deleted_at < ?",
                (limit,),
            )
            if cursor.rowcount:
                drop_unused_files(db)
            return cursor.rowcount

    # -- messages ------------------------------------------------------------------------------

    def add_message(
        self,
        conversation_id: int,
        parent_id: int | None,
        role: str,
        content: str = "",
        *,
        reasoning: str = "",
        model: str = "",
        provider: str = "",
        status: str = "complete",
        finish_reason: str | None = None,
        usage: UsageInput = None,
        ttft_ms: float | None = None,
        duration_ms: float | None = None,
        error: str | None = None,
        make_current: bool = True,
        attachments: Sequence[NewAttachment] = (),
    ) -> Message:
        """Add a message under ``parent_id`` (None for the first one) and return it.

        With ``make_current`` (the default) the new message becomes the conversation's
        ``current_leaf_id`` and its ``updated_at`` moves to now, in the same transaction. A reply
        about to stream is added with ``status="streaming"`` and filled by a ``ReplyRecorder``.
        ``attachments`` are stored with it, in the same transaction (see
        :func:`insert_attachments`).

        Raises:
            ValueError: unknown role or status, a parent from another conversation, or a
                stored attachment that is gone.
            KeyError: no conversation has that id.
        """
        checked_role = _check_role(role)
        checked_status = _check_status(status)
        usage_value = usage_dict(usage)
        now = time.time()
        with self._write() as db:
            exists = db.execute(
                "SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)
            ).fetchone()
            if exists is None:
                raise KeyError(f"No conversation has id {conversation_id}.")
            if parent_id is not None:
                self._require_message_in(db, parent_id, conversation_id)
            message_id = insert_message_row(
                db,
                conversation_id,
                parent_id,
                {
                    "role": checked_role,
                    "content": content,
                    "reasoning": reasoning,
                    "model": model,
                    "provider": provider,
                    "created_at": now,
                    "finish_reason": finish_reason,
                    "usage": usage_value,
                    "ttft_ms": ttft_ms,
                    "duration_ms": duration_ms,
                    "status": checked_status,
                    "error": error,
                },
            )
            stored = insert_attachments(db, message_id, attachments)
            if make_current:
                db.execute(
                    "UPDATE conversations SET current_leaf_id = ?, updated_at = ? WHERE id = ?",
                    (message_id, now, conversation_id),
                )
            if checked_status == "streaming":
                # Claimed before the row is committed: no other start can see it unclaimed.
                _claims.claim(self.path, message_id)
        return Message(
            id=message_id,
            conversation_id=conversation_id,
            parent_id=parent_id,
            role=checked_role,
            content=content,
            reasoning=reasoning,
            model=model,
            provider=provider,
            created_at=now,
            finish_reason=finish_reason,
            usage=usage_value,
            ttft_ms=ttft_ms,
            duration_ms=duration_ms,
            status=checked_status,
            error=error,
            attachments=stored,
        )

    def add_sibling(self, message_id: int, content: str = "", **fields: Any) -> Message:
        """Add a message beside ``message_id`` (same parent): an edit or a regenerated reply.

        The role is the original's unless given in ``fields``; other ``fields`` are those of
        :meth:`add_message`. The new message becomes the current leaf.

        Raises:
            KeyError: no message has that id.
        """
        original = self.get_message(message_id)
        if original is None:
            raise KeyError(f"No message has id {message_id}.")
        role = fields.pop("role", original.role)
        return self.add_message(
            original.conversation_id, original.parent_id, role, content, **fields
        )

    def get_message(self, message_id: int) -> Message | None:
        """Return the message, or None when there is none with that id."""
        with self._read() as db:
            row = db.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages m WHERE m.id = ?", (message_id,)
            ).fetchone()
            return None if row is None else _with_attachments(db, [_message(row)])[0]

    def update_message(self, message_id: int, **fields: Any) -> Message:
        """Change the given fields and return the new state.

        Fields: content, reasoning, model, provider, finish_reason, usage (a mapping or a
        ``Usage``), ttft_ms, duration_ms, status, error, tool_calls (a sequence of
        :class:`ToolCall`).

        Raises:
            ValueError: an unknown field or status.
            KeyError: no message has that id.
        """
        unknown = set(fields) - _MESSAGE_FIELDS
        if unknown:
            raise ValueError(f"Unknown message fields: {', '.join(sorted(unknown))}.")
        values = dict(fields)
        if "status" in values:
            values["status"] = _check_status(values["status"])
        if "usage" in values:
            usage_value = usage_dict(values["usage"])
            values["usage"] = None if usage_value is None else json.dumps(usage_value)
        if "tool_calls" in values:
            values["tool_calls"] = tool_calls_json(values["tool_calls"])
        with self._write() as db:
            if values:
                assignments = ", ".join(f"{name} = :{name}" for name in values)
                db.execute(
                    f"UPDATE messages SET {assignments} WHERE id = :id",
                    {**values, "id": message_id},
                )
            row = db.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages m WHERE m.id = ?", (message_id,)
            ).fetchone()
            if row is None:
                raise KeyError(f"No message has id {message_id}.")
            message = _with_attachments(db, [_message(row)])[0]
        if message.status != "streaming":
            _claims.release(self.path, message_id)
        return message

    def conversation_messages(self, conversation_id: int) -> list[Message]:
        """Return every message of the conversation, all branches, oldest first (for export)."""
        with self._read() as db:
            rows = db.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = ?"
                " ORDER BY m.created_at, m.id",
                (conversation_id,),
            ).fetchall()
            return _with_attachments(db, [_message(row) for row in rows])

    # -- attached files --------------------------------------------------------------------------

    def _blob_column(self, sha256: str, column: str) -> Any:
        with self._read() as db:
            row = db.execute(
                f"SELECT {column} FROM attachment_blobs WHERE sha256 = ?", (sha256,)
            ).fetchone()
        if row is None:
            raise KeyError(f"No stored file has the hash {sha256}.")
        return row[0]

    def attachment_data(self, sha256: str) -> bytes:
        """The stored bytes of a file (an image as sent, a text file or PDF as attached).

        Raises:
            KeyError: no file with that hash is stored.
        """
        return bytes(self._blob_column(sha256, "data"))

    def attachment_text(self, sha256: str) -> str:
        """The text sent for a text file or a PDF ("" for an image).

        Raises:
            KeyError: no file with that hash is stored.
        """
        return str(self._blob_column(sha256, "text"))

    def attachment_thumbnail(self, sha256: str) -> bytes | None:
        """A small PNG or JPEG of a stored image, or None when there is none.

        Raises:
            KeyError: no file with that hash is stored.
        """
        value = self._blob_column(sha256, "thumbnail")
        return None if value is None else bytes(value)

    # -- branches ------------------------------------------------------------------------------

    def path_to(self, leaf_id: int) -> list[Message]:
        """Return the messages from the root down to ``leaf_id`` ([] when it does not exist)."""
        with self._read() as db:
            rows = db.execute(
                f"""{_UP_FROM_LEAF}
                SELECT {_MESSAGE_COLUMNS}, up.depth FROM up JOIN messages m ON m.id = up.id
                """,
                (leaf_id,),
            ).fetchall()
            # Sorting the small depth in Python spares SQLite a sort of every row's whole text.
            rows.sort(key=lambda row: -cast("int", row[-1]))
            return _with_attachments(db, [_message(row) for row in rows])

    def current_path(self, conversation_id: int) -> list[Message]:
        """Return the branch on screen: root to the conversation's current leaf ([] if none).

        In a damaged file the saved leaf, or a parent on its way up, may belong to another
        conversation. The path shown then never leaves this one: it is the branch of the
        conversation's newest message, from the highest ancestor still inside it.
        """
        conversation = self.get_conversation(conversation_id)
        if conversation is None or conversation.current_leaf_id is None:
            return []
        path = self.path_to(conversation.current_leaf_id)
        if all(message.conversation_id == conversation_id for message in path):
            return path
        newest = self._newest_message_id(conversation_id)
        if newest is None:
            return []
        path = self.path_to(newest)
        outside = [
            i for i, message in enumerate(path) if message.conversation_id != conversation_id
        ]
        return path[outside[-1] + 1 :] if outside else path

    def current_leaf_id(self, conversation_id: int) -> int | None:
        """Return the id of the last message of :meth:`current_path` (None when it is empty),
        reading ids only: a new message goes there, and a long conversation's texts need not be
        loaded to find it."""
        conversation = self.get_conversation(conversation_id)
        if conversation is None or conversation.current_leaf_id is None:
            return None
        with self._read() as db:
            found, foreign = db.execute(
                f"""{_UP_FROM_LEAF}
                SELECT COUNT(*), COALESCE(SUM(m.conversation_id != ?), 0)
                FROM up JOIN messages m ON m.id = up.id
                """,
                (conversation.current_leaf_id, conversation_id),
            ).fetchone()
        if not found:
            return None
        if not foreign:
            return conversation.current_leaf_id
        # A damaged file: current_path shows the branch of this conversation's newest message,
        # which ends at that message.
        return self._newest_message_id(conversation_id)

    def _newest_message_id(self, conversation_id: int) -> int | None:
        with self._read() as db:
            row = db.execute(
                "SELECT id FROM messages WHERE conversation_id = ?"
                " ORDER BY created_at DESC, id DESC LIMIT 1",
                (conversation_id,),
            ).fetchone()
        return None if row is None else cast("int", row[0])

    def siblings(self, message_id: int) -> list[Message]:
        """Return the messages sharing ``message_id``'s parent (itself included), oldest first.

        The UI shows the position of a message among them ("2 / 3") to switch branches.
        """
        with self._read() as db:
            rows = db.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages s JOIN messages m"
                " ON m.conversation_id = s.conversation_id AND m.parent_id IS s.parent_id"
                " WHERE s.id = ? ORDER BY m.created_at, m.id",
                (message_id,),
            ).fetchall()
        return [_message(row) for row in rows]

    def children(self, message_id: int) -> list[Message]:
        """Return the direct replies to ``message_id``, oldest first."""
        with self._read() as db:
            rows = db.execute(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages p JOIN messages m"
                " ON m.conversation_id = p.conversation_id AND m.parent_id = p.id"
                " WHERE p.id = ? ORDER BY m.created_at, m.id",
                (message_id,),
            ).fetchall()
        return [_message(row) for row in rows]

    def latest_leaf(self, message_id: int) -> int:
        """Follow the newest reply from ``message_id`` down to a leaf and return the leaf's id.

        Raises:
            KeyError: no message has that id.
        """
        with self._read() as db:
            row = db.execute(
                f"""
                WITH RECURSIVE down(id, conversation_id, depth) AS (
                    SELECT id, conversation_id, 0 FROM messages WHERE id = ?
                    UNION ALL
                    SELECT (SELECT c.id FROM messages c
                            WHERE c.conversation_id = down.conversation_id
                              AND c.parent_id = down.id
                            ORDER BY c.created_at DESC, c.id DESC LIMIT 1),
                           down.conversation_id, down.depth + 1
                    FROM down WHERE down.id IS NOT NULL AND down.depth < {_MAX_DEPTH}
                )
                SELECT id FROM down WHERE id IS NOT NULL ORDER BY depth DESC LIMIT 1
                """,
                (message_id,),
            ).fetchone()
        if row is None:
            raise KeyError(f"No message has id {message_id}.")
        return cast("int", row[0])

    def select_branch(self, message_id: int) -> int:
        """Show the branch through ``message_id``: its latest leaf becomes the current leaf.

        Returns:
            The new current leaf's id.
        """
        leaf = self.latest_leaf(message_id)
        message = self.get_message(leaf)
        assert message is not None  # the leaf was read a moment ago on this connection
        self.update_conversation(message.conversation_id, current_leaf_id=leaf)
        return leaf

    def branch_without(self, message_id: int) -> int | None:
        """The leaf to show once ``message_id`` is gone: its newest other version's branch, else
        its parent (None when it was the first message and had no other version).

        Raises:
            KeyError: no message has that id.
        """
        message = self.get_message(message_id)
        if message is None:
            raise KeyError(f"No message has id {message_id}.")
        others = [m for m in self.siblings(message_id) if m.id != message_id]
        if others:
            return self.latest_leaf(others[-1].id)
        return message.parent_id

    def delete_message(self, message_id: int) -> None:
        """Delete ``message_id`` and everything that follows it (every reply and its versions).

        The conversation then shows :meth:`branch_without` the message, when it showed it.

        Raises:
            KeyError: no message has that id.
        """
        leaf = self.branch_without(message_id)
        with self._write() as db:
            (conversation_id,) = db.execute(
                "SELECT conversation_id FROM messages WHERE id = ?", (message_id,)
            ).fetchone()
            db.execute("DELETE FROM messages WHERE id = ?", (message_id,))
            drop_unused_files(db)
            # A current leaf inside the deleted part was set to NULL by its foreign key.
            db.execute(
                "UPDATE conversations SET current_leaf_id = ? WHERE id = ?"
                " AND current_leaf_id IS NULL",
                (leaf, conversation_id),
            )
        _claims.release(self.path, message_id)

    def mark_interrupted_streams(self) -> int:
        """Mark every reply left ``streaming`` by a crash or a kill as ``interrupted``.

        A reply another live process is still writing (``desktop-chat send`` beside the window)
        is left alone. Run at startup. Returns how many were marked.
        """
        with self._write() as db:
            streaming = [
                message_id
                for (message_id,) in db.execute(
                    "SELECT id FROM messages WHERE status = 'streaming'"
                )
            ]
            orphans = [i for i in streaming if not _claims.claimed(self.path, i)]
            db.executemany(
                "UPDATE messages SET status = 'interrupted' WHERE id = ?",
                [(message_id,) for message_id in orphans],
            )
            return len(orphans)

    # -- search --------------------------------------------------------------------------------

    def search(
        self, query: str, conversation_id: int | None = None, limit: int = 50, offset: int = 0
    ) -> list[SearchHit]:
        """Find conversations whose title, and messages whose text or reasoning, match ``query``.

        ``query`` is free text (see :func:`fts_query`): it never raises a syntax error. Title hits
        come first (most recently updated first), then message hits, most recently stored first
        (imported messages count as stored when imported). Conversations in the trash are left
        out. With ``conversation_id`` only that conversation's messages are
        searched. ``limit`` and ``offset`` page through the whole list.
        """
        match = fts_query(query)
        if match is None or limit <= 0:
            return []
        hits: list[SearchHit] = []
        message_offset = offset
        with self._read() as db:
            if conversation_id is None:
                titles = self._title_hits(db, match)
                hits = titles[offset : offset + limit]
                message_offset = max(0, offset - len(titles))
            if len(hits) < limit:
                found = self._message_hits(
                    db, match, conversation_id, limit - len(hits), message_offset
                )
                hits += found
                if len(hits) < limit:
                    # Files named like the query, then tool calls, come after every message hit.
                    extra_offset = 0
                    if not found:
                        passed = self._count_message_hits(db, match, conversation_id)
                        extra_offset = max(0, message_offset - passed)
                    wanted = extra_offset + limit - len(hits)
                    extra = self._file_hits(db, query, conversation_id, wanted, 0)
                    extra += self._tool_hits(db, query, conversation_id, wanted - len(extra))
                    hits += extra[extra_offset:]
        return hits

    @staticmethod
    def _title_hits(db: sqlite3.Connection, match: str) -> list[SearchHit]:
        rows = db.execute(
            "SELECT c.id, c.title, highlight(conversations_fts, 0, ?, ?), c.updated_at"
            " FROM conversations_fts JOIN conversations c ON c.id = conversations_fts.rowid"
            " WHERE conversations_fts MATCH ? AND c.deleted_at IS NULL"
            " ORDER BY c.updated_at DESC, c.id DESC",
            (HIGHLIGHT_START, HIGHLIGHT_END, match),
        ).fetchall()
        return [
            SearchHit(
                conversation_id=row[0],
                message_id=None,
                title=row[1],
                snippet=row[2],
                created_at=stored_seconds(row[3]),
            )
            for row in rows
        ]

    @staticmethod
    def _message_hits(
        db: sqlite3.Connection, match: str, conversation_id: int | None, limit: int, offset: int
    ) -> list[SearchHit]:
        # Ids grow as messages are stored, so walking the index by descending rowid yields the
        # most recently stored first and stops after one page, however common the word.
        scope = ""
        bounds: tuple[int | None, int | None] = (None, None)
        if conversation_id is not None:
            bounds = db.execute(
                "SELECT min(id), max(id) FROM messages WHERE conversation_id = ?",
                (conversation_id,),
            ).fetchone()
            if bounds[0] is None:
                return []
            # The id range lets the index skip straight to this conversation's rows.
            scope = (
                " AND messages_fts.rowid BETWEEN :low AND :high"
                " AND m.conversation_id = :conversation"
            )
        rows = db.execute(
            "SELECT m.conversation_id, m.id, c.title,"
            " snippet(messages_fts, -1, :start, :end, :ellipsis, :tokens), m.role, m.created_at,"
            f" {_VERSIONS_OF_M}"
            " FROM messages_fts"
            " JOIN messages m ON m.id = messages_fts.rowid"
            " JOIN conversations c ON c.id = m.conversation_id"
            f" WHERE messages_fts MATCH :match AND c.deleted_at IS NULL{scope}"
            " ORDER BY messages_fts.rowid DESC LIMIT :limit OFFSET :offset",
            {
                "start": HIGHLIGHT_START,
                "end": HIGHLIGHT_END,
                "ellipsis": ELLIPSIS,
                "tokens": _SNIPPET_TOKENS,
                "match": match,
                "conversation": conversation_id,
                "low": bounds[0],
                "high": bounds[1],
                "limit": limit,
                "offset": offset,
            },
        ).fetchall()
        return [_message_hit(row, row[3]) for row in rows]

    @staticmethod
    def _count_message_hits(db: sqlite3.Connection, match: str, conversation_id: int | None) -> int:
        (count,) = db.execute(
            "SELECT count(*) FROM messages_fts"
            " JOIN messages m ON m.id = messages_fts.rowid"
            " JOIN conversations c ON c.id = m.conversation_id"
            " WHERE messages_fts MATCH ? AND c.deleted_at IS NULL"
            " AND (? IS NULL OR m.conversation_id = ?)",
            (match, conversation_id, conversation_id),
        ).fetchone()
        return int(count)

    @staticmethod
    def _file_hits(
        db: sqlite3.Connection, query: str, conversation_id: int | None, limit: int, offset: int
    ) -> list[SearchHit]:
        # Attachment names are few and short, so every word of the query is looked for inside
        # them (the bytes and the text sent stay out of any index). The caller has checked that
        # the query has a word (fts_query).
        words = _query_words(query)
        conditions, patterns = _holding_all("a.name", words)
        rows = db.execute(
            "SELECT m.conversation_id, m.id, c.title, a.name, m.role, m.created_at,"
            f" {_VERSIONS_OF_M}"
            " FROM message_attachments a"
            " JOIN messages m ON m.id = a.message_id"
            " JOIN conversations c ON c.id = m.conversation_id"
            f" WHERE c.deleted_at IS NULL AND (? IS NULL OR m.conversation_id = ?) AND {conditions}"
            " ORDER BY m.id DESC, a.position LIMIT ? OFFSET ?",
            (conversation_id, conversation_id, *patterns, limit, offset),
        ).fetchall()
        return [_message_hit(row, FILE_HIT_PREFIX + _highlighted(row[3], words)) for row in rows]

    @staticmethod
    def _tool_hits(
        db: sqlite3.Connection, query: str, conversation_id: int | None, limit: int
    ) -> list[SearchHit]:
        # Few replies call tools, and their calls are rewritten while they run, so they are
        # searched in their stored JSON rather than kept in the full-text index.
        words = _query_words(query)
        if limit <= 0 or not words:
            return []
        conditions, patterns = _holding_all("m.tool_calls", words)
        rows = db.execute(
            "SELECT m.conversation_id, m.id, c.title, m.tool_calls, m.role, m.created_at,"
            f" {_VERSIONS_OF_M}"
            " FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            " WHERE m.tool_calls IS NOT NULL AND c.deleted_at IS NULL"
            f" AND (? IS NULL OR m.conversation_id = ?) AND {conditions}"
            " ORDER BY m.id DESC LIMIT ?",
            (conversation_id, conversation_id, *patterns, limit),
        ).fetchall()
        hits = []
        for row in rows:
            snippet = _tool_snippet(tool_calls_from_json(row[3]), words)
            if snippet is not None:
                hits.append(_message_hit(row, snippet))
        return hits

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _require_message_in(db: sqlite3.Connection, message_id: int, conversation_id: int) -> None:
        row = db.execute(
            "SELECT conversation_id FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        if row is None:
            raise ValueError(f"No message has id {message_id}.")
        if row[0] != conversation_id:
            raise ValueError(
                f"Message {message_id} belongs to conversation {row[0]}, not {conversation_id}."
            )


def _keep_private(path: Path) -> None:
    """Make the database, and the files SQLite keeps beside it, readable by the user alone.

    A new file is created so before SQLite opens it (SQLite gives its ``-wal`` and ``-shm``
    files the database's permissions); one made by an older version is tightened.
    """
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        os.close(descriptor)
    for suffix in ("", "-wal", "-shm"):
        make_private(path.with_name(path.name + suffix))


@dataclass(frozen=True, slots=True)
class OpenResult:
    """What :func:`open_storage` did.

    Attributes:
        storage: the open database, ready to use.
        notice: a sentence for the user when the old file had to be set aside, else None.
        kept_aside: where the unusable file went, or None.
        backup_path: the copy made before upgrading the schema, or None.
        interrupted: how many replies left streaming by the last run were marked interrupted.
    """

    storage: Storage
    notice: str | None = None
    kept_aside: Path | None = None
    backup_path: Path | None = None
    interrupted: int = 0


def _open_live(path: Path, verdict: StorageError) -> Storage | None:
    """Check again a file found unreadable; None when the verdict stands and it may be set aside.

    While another process has the file open its checks can race that process's writes, so they
    are repeated until they pass or the other process lets go; only a check made while nobody
    else writes may condemn the file.

    Raises:
        StorageError: the other process kept the file open and every check failed.
    """
    for _ in range(_LIVE_CHECKS):
        if not _liveness.open_elsewhere(path):
            break  # nobody else writes: the next check is final
        _pause_for_writer(_LIVE_PAUSE)
        try:
            return Storage.open(path)
        except _migrations.UnreadableDatabaseError as again:
            verdict = again
    else:
        raise StorageError(
            f"The conversation database {path} is open in another program and could not be "
            f"checked ({verdict}). Close other Desktop Chat windows and start again; the file "
            "was left as it is."
        )
    try:
        return Storage.open(path)
    except _migrations.UnreadableDatabaseError:
        return None


def open_storage(path: Path | str, *, recover_streams: bool = True) -> OpenResult:
    """Open the application's database, never overwriting a file it cannot use.

    A file that is damaged, not a database, or from a newer version is moved aside with its
    ``-wal``/``-shm`` files (``<name>.unreadable-<time>`` or ``<name>.newer-schema-v<N>-<time>``)
    and a new database is started; ``notice`` then says so. With ``recover_streams`` replies left
    ``streaming`` by a crash are marked ``interrupted``.

    Raises:
        StorageError: the database cannot be opened or created at all (locked, no permission,
            disk full); the file is then left untouched.
    """
    path = Path(path)
    notice: str | None = None
    kept_aside: Path | None = None
    try:
        storage = Storage.open(path)
    except _migrations.NewerSchemaError as error:
        kept_aside = _migrations.keep_aside(path, f"newer-schema-v{error.version}")
        notice = (
            "Your conversations were saved by a newer version of Desktop Chat, which this version "
            f"cannot read. They were kept unchanged in {kept_aside} and a new, empty history was "
            "started; the newer version can still open them."
        )
        storage = Storage.open(path)
    except _migrations.UnreadableDatabaseError as error:
        live = _open_live(path, error)
        if live is None:
            kept_aside = _migrations.keep_aside(path, "unreadable")
            notice = (
                f"Your conversation history could not be read ({error}). The file was kept "
                f"unchanged in {kept_aside} and a new, empty history was started."
            )
            storage = Storage.open(path)
        else:
            storage = live
    interrupted = storage.mark_interrupted_streams() if recover_streams else 0
    return OpenResult(
        storage=storage,
        notice=notice,
        kept_aside=kept_aside,
        backup_path=storage.backup_path,
        interrupted=interrupted,
    )
