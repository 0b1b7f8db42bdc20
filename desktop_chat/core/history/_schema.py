"""The conversation database's schema, as the list of steps that built every version of it.

Step *n* turns a version *n-1* database into a version *n* one; a new database runs them all.
Steps are history: once released, a step never changes, a new one is appended.
``PRAGMA user_version`` holds the version reached.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

#: How long a connection waits for another one's write lock before giving up, in milliseconds.
BUSY_TIMEOUT_MS = 5000

_V1 = """
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    pinned INTEGER NOT NULL DEFAULT 0,
    provider TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '',
    system_prompt TEXT NOT NULL DEFAULT '',
    deleted_at REAL
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '',
    provider TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    finish_reason TEXT,
    usage TEXT
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, created_at);
"""

_V2 = """
ALTER TABLE conversations ADD COLUMN draft TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN current_leaf_id INTEGER
    REFERENCES messages(id) ON DELETE SET NULL;
ALTER TABLE messages ADD COLUMN reasoning TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN ttft_ms REAL;
ALTER TABLE messages ADD COLUMN duration_ms REAL;
ALTER TABLE messages ADD COLUMN status TEXT NOT NULL DEFAULT 'complete'
    CHECK (status IN ('complete', 'streaming', 'interrupted', 'error'));
ALTER TABLE messages ADD COLUMN error TEXT;

CREATE INDEX messages_by_parent ON messages(conversation_id, parent_id, created_at);
CREATE INDEX messages_streaming ON messages(status) WHERE status = 'streaming';
CREATE INDEX conversations_by_recency
    ON conversations(pinned DESC, updated_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX conversations_deleted ON conversations(deleted_at) WHERE deleted_at IS NOT NULL;

-- The indexes read their text from the tables (external content), so the text is stored once.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    content, reasoning, content='messages', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, content, reasoning)
        VALUES (new.id, new.content, new.reasoning);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content, reasoning)
        VALUES ('delete', old.id, old.content, old.reasoning);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, reasoning ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content, reasoning)
        VALUES ('delete', old.id, old.content, old.reasoning);
    INSERT INTO messages_fts(rowid, content, reasoning)
        VALUES (new.id, new.content, new.reasoning);
END;
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE conversations_fts USING fts5(
    title, content='conversations', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversations_fts(rowid, title) VALUES (new.id, new.title);
END;
CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
    INSERT INTO conversations_fts(conversations_fts, rowid, title)
        VALUES ('delete', old.id, old.title);
END;
CREATE TRIGGER conversations_fts_update AFTER UPDATE OF title ON conversations BEGIN
    INSERT INTO conversations_fts(conversations_fts, rowid, title)
        VALUES ('delete', old.id, old.title);
    INSERT INTO conversations_fts(rowid, title) VALUES (new.id, new.title);
END;
INSERT INTO conversations_fts(conversations_fts) VALUES ('rebuild');
"""

# Where imported conversations came from, so importing the same file twice adds nothing.
_V3 = """
CREATE TABLE import_sources (
    fingerprint TEXT PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    source TEXT NOT NULL DEFAULT '',
    imported_at REAL NOT NULL
);
"""

# Each conversation keeps its own request settings; NULL leaves the server's default.
_V4 = """
ALTER TABLE conversations ADD COLUMN temperature REAL;
ALTER TABLE conversations ADD COLUMN max_tokens INTEGER;
"""

# Attached files, stored once under the SHA-256 of their bytes and referred to by messages. The
# bytes and the text sent stay out of the full-text index. The columns a chip shows come first,
# so reading them never reads the bytes. A reference without a hash is a file an import named
# but could not find (shown as a placeholder).
_V5 = """
CREATE TABLE attachment_blobs (
    sha256 TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('image', 'text', 'pdf')),
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    chars INTEGER NOT NULL DEFAULT 0,
    pages INTEGER,
    width INTEGER,
    height INTEGER,
    data BLOB NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    thumbnail BLOB
);
CREATE TABLE message_attachments (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    sha256 TEXT REFERENCES attachment_blobs(sha256),
    PRIMARY KEY (message_id, position)
) WITHOUT ROWID;
CREATE INDEX message_attachments_by_blob ON message_attachments(sha256);
"""

# The tools a reply called (JSON, see models.ToolCall), and the tool servers a chat uses (a JSON
# list of names). Their names and results are searched without the full-text index: a reply's
# calls are rewritten as they run, and most replies have none.
_V6 = """
ALTER TABLE messages ADD COLUMN tool_calls TEXT;
ALTER TABLE conversations ADD COLUMN tool_servers TEXT;
"""

#: STEPS[n - 1] builds version n from version n - 1.
STEPS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5, _V6)
CURRENT_VERSION = len(STEPS)

#: Tables and columns the current code reads; a database lacking one is not ours.
REQUIRED_TABLES = frozenset(
    {
        "conversations",
        "messages",
        "messages_fts",
        "conversations_fts",
        "import_sources",
        "attachment_blobs",
        "message_attachments",
    }
)


def connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """Open a connection in autocommit mode; callers open their transactions explicitly.

    Nothing is written: a connection to a file that is not a database fails on its first
    statement. With ``create`` false a missing file is an error instead of a new empty database.
    ``check_same_thread`` is off because a recorder may be created on one thread and used on
    another; each connection is still used by one thread at a time.
    """
    mode = "rwc" if create else "rw"
    connection = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode={mode}",
        uri=True,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
    )
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # SQLite's lower() folds ASCII only; file names are matched in any script.
    connection.create_function("casefold", 1, str.casefold, deterministic=True)
    return connection


def configure(connection: sqlite3.Connection) -> None:
    """Turn on WAL, foreign keys and the durability level every connection of ours uses.

    ``synchronous=NORMAL`` with WAL keeps every committed transaction across a crash of the
    process; only a power loss can drop the last few.
    """
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    connection.execute("PRAGMA foreign_keys = ON")


def statements(script: str) -> list[str]:
    """Split a script into its statements (a trigger's body stays whole)."""
    found: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            found.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise ValueError(f"Incomplete SQL statement: {buffer.strip()[:60]!r}")
    return found


@contextlib.contextmanager
def immediate(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run the block in one ``BEGIN IMMEDIATE`` transaction: all of it is committed, or none.

    IMMEDIATE takes the write lock at the start, so two processes never both read, then both
    try to write and one fails half-way. Whatever the block raises rolls the transaction back
    and is raised again unchanged; ``sqlite3.Error`` from BEGIN or COMMIT comes out as it is.
    """
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


def apply_step(connection: sqlite3.Connection, version: int) -> bool:
    """Run the step that builds ``version``, and record it, in one transaction.

    The version is read again under the write lock, so that when two processes open an old
    file at once the step runs once. Returns False when it had already been applied.
    """
    with immediate(connection):
        (current,) = connection.execute("PRAGMA user_version").fetchone()
        if current >= version:
            return False
        for statement in statements(STEPS[version - 1]):
            connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {version}")
    return True
