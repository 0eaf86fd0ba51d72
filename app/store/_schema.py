"""The schema's history, and opening a connection the way every process must."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from app.errors import OrchError
from app.store._errors import store_error

# Append-only: never edit a released step, add a new one. Each step is a
# tuple of SQL statements run in one transaction; its 1-based position is the
# `PRAGMA user_version` the database has once it ran.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE conversations (
            id INTEGER PRIMARY KEY,
            title TEXT,
            model TEXT NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            head_id INTEGER,
            message_count INTEGER NOT NULL DEFAULT 0)""",
        "CREATE INDEX conversations_by_updated ON conversations(updated)",
        """CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            parent_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
            content TEXT NOT NULL,
            model TEXT,
            input_tokens INTEGER,
            output_tokens INTEGER,
            cost REAL,
            status TEXT NOT NULL DEFAULT 'complete'
                CHECK (status IN ('complete', 'interrupted', 'error')),
            created TEXT NOT NULL)""",
        "CREATE INDEX messages_by_conversation ON messages(conversation_id, id)",
        "CREATE INDEX messages_by_parent ON messages(parent_id)",
    ),
    (
        # External-content index: the text lives once, in `messages`; triggers keep
        # the index in step, and 'rebuild' indexes what a version-1 database holds.
        """CREATE VIRTUAL TABLE messages_fts USING fts5(
            content, content='messages', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2')""",
        """CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
        END""",
        """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
        END""",
        """CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
            INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
        END""",
        "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
    ),
    (
        # Conversation ids are never used twice, even after the newest one is
        # deleted: `#12` in an export or a note keeps naming one conversation.
        "CREATE TABLE id_high_water (tbl TEXT PRIMARY KEY, last_id INTEGER NOT NULL)",
        "INSERT INTO id_high_water SELECT 'conversations', COALESCE(MAX(id), 0) FROM conversations",
        """CREATE TRIGGER conversations_high_water AFTER INSERT ON conversations BEGIN
            UPDATE id_high_water SET last_id = max(last_id, new.id) WHERE tbl = 'conversations';
        END""",
    ),
    (
        # What resuming needs to go on exactly where the user left: the conversation's
        # settings, and how each answer ended (a `complete` answer with finish_reason
        # `length` was cut by the provider).
        "ALTER TABLE conversations ADD COLUMN system TEXT",
        "ALTER TABLE conversations ADD COLUMN options TEXT",
        "ALTER TABLE conversations ADD COLUMN role TEXT",
        "ALTER TABLE messages ADD COLUMN finish_reason TEXT",
        "ALTER TABLE messages ADD COLUMN cached_tokens INTEGER",
        "ALTER TABLE messages ADD COLUMN seconds REAL",
    ),
    (
        # A message as its parts in order (attachments, tool calls and results, thinking). Bytes
        # and attached text live once in `blobs` by their sha256, however often they are sent;
        # `messages.content` stays the message's text, so search and older readers go on working.
        """CREATE TABLE blobs (
            hash TEXT PRIMARY KEY,
            data BLOB NOT NULL,
            size INTEGER NOT NULL)""",
        """CREATE TABLE parts (
            message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            kind TEXT NOT NULL,
            text TEXT,
            name TEXT,
            media_type TEXT,
            blob TEXT REFERENCES blobs(hash),
            call_id TEXT,
            arguments TEXT,
            is_error INTEGER NOT NULL DEFAULT 0,
            signature TEXT,
            PRIMARY KEY (message_id, position))""",
        "CREATE INDEX parts_by_blob ON parts(blob)",
    ),
    # Batch runs.
    (
        # `orch batch`: a run (what it ran over, so the same command resumes it) and each
        # finished row's result, written as it finishes. `row` is the input's 0-based
        # position among its non-blank lines; a provider batch also keeps the provider's id.
        """CREATE TABLE batch_runs (
            id INTEGER PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            target TEXT NOT NULL,
            input_path TEXT NOT NULL,
            input_size INTEGER NOT NULL,
            input_mtime REAL NOT NULL,
            input_hash TEXT NOT NULL,
            options TEXT NOT NULL,
            output_path TEXT,
            mode TEXT NOT NULL CHECK (mode IN ('local', 'provider')),
            provider TEXT,
            provider_batch_id TEXT,
            state TEXT NOT NULL,
            total INTEGER,
            created TEXT NOT NULL,
            updated TEXT NOT NULL)""",
        "CREATE INDEX batch_runs_by_fingerprint ON batch_runs(fingerprint)",
        "CREATE INDEX batch_runs_by_provider_id ON batch_runs(provider_batch_id)",
        """CREATE TABLE batch_rows (
            run_id INTEGER NOT NULL REFERENCES batch_runs(id) ON DELETE CASCADE,
            row INTEGER NOT NULL,
            id TEXT NOT NULL,
            status TEXT NOT NULL,
            output TEXT NOT NULL,
            input_tokens INTEGER,
            output_tokens INTEGER,
            cost REAL,
            error TEXT,
            PRIMARY KEY (run_id, row)) WITHOUT ROWID""",
    ),
    (
        # A chain run through provider batches: one provider batch per step (`state` submitted,
        # then done once its results are read; `none` when no row needed it), and each row's
        # result at each step, which the next level's prompts are rendered from.
        """CREATE TABLE batch_steps (
            run_id INTEGER NOT NULL REFERENCES batch_runs(id) ON DELETE CASCADE,
            step TEXT NOT NULL,
            provider TEXT,
            provider_batch_id TEXT,
            state TEXT NOT NULL,
            rows INTEGER NOT NULL,
            updated TEXT NOT NULL,
            PRIMARY KEY (run_id, step)) WITHOUT ROWID""",
        "CREATE INDEX batch_steps_by_provider_id ON batch_steps(provider_batch_id)",
        """CREATE TABLE batch_step_rows (
            run_id INTEGER NOT NULL REFERENCES batch_runs(id) ON DELETE CASCADE,
            step TEXT NOT NULL,
            row INTEGER NOT NULL,
            id TEXT NOT NULL,
            status TEXT NOT NULL,
            output TEXT NOT NULL,
            input_tokens INTEGER,
            output_tokens INTEGER,
            cost REAL,
            error TEXT,
            PRIMARY KEY (run_id, step, row)) WITHOUT ROWID""",
    ),
)


def open_database(path: Path, busy_timeout_ms: int = 5000) -> sqlite3.Connection:
    """`connect` then `migrate`, with any failure told as an `OrchError`."""
    try:
        connection = connect(path, busy_timeout_ms)
    except (OSError, sqlite3.DatabaseError) as exc:
        raise store_error(path, exc, opening=True) from exc
    try:
        migrate(connection)
    except BaseException as exc:
        connection.close()
        if isinstance(exc, sqlite3.DatabaseError):
            raise store_error(path, exc, opening=True) from exc
        raise
    return connection


def connect(path: Path, busy_timeout_ms: int = 5000) -> sqlite3.Connection:
    """Open `path` in WAL mode, in autocommit (transactions are explicit), with rows by name.

    The connection may be used from any thread; its owner must serialize calls.
    Creates the file (mode 0600: chats are private) and its folder if needed.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        with contextlib.suppress(OSError):
            path.touch(mode=0o600)  # SQLite gives the -wal and -shm files the same mode
    connection = sqlite3.connect(
        path, timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
    )
    try:
        connection.row_factory = sqlite3.Row
        connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        _enable_wal(connection, busy_timeout_ms / 1000)
        # In WAL mode NORMAL survives a killed process; only a power cut may drop
        # the last commits, and it never corrupts the file.
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        connection.close()
        raise
    return connection


def _enable_wal(connection: sqlite3.Connection, timeout_s: float) -> None:
    # WAL is a property of the file, so this is a no-op after the first open.
    # Switching a new file to WAL needs an exclusive lock, and SQLite reports
    # "locked" at once when two processes try together (the busy handler is not
    # consulted there), so the wait is ours.
    deadline = time.monotonic() + timeout_s
    while connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        try:
            if connection.execute("PRAGMA journal_mode = WAL").fetchone()[0] != "wal":
                return  # a file system without WAL support: the rollback journal still works
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def migrate(connection: sqlite3.Connection, migrations: Sequence[tuple[str, ...]] = MIGRATIONS) -> int:
    """Bring the database up to version `len(migrations)`, one transaction per step.

    Safe when several processes open a new database at once: each step
    re-reads the version inside its write transaction.

    Returns:
        The schema version now.

    Raises:
        OrchError: the database was written by a newer orch.
    """
    while True:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > len(migrations):
            raise OrchError(
                f"history.db has schema version {version}, newer than this orch knows ({len(migrations)})",
                "Upgrade orch, or point ORCH_HOME at another folder.",
            )
        if version == len(migrations):
            return version
        with transaction(connection):
            if connection.execute("PRAGMA user_version").fetchone()[0] != version:
                continue  # another process migrated meanwhile; look again
            for statement in migrations[version]:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {version + 1}")


@contextlib.contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: committed on success, rolled back on any exception."""
    # IMMEDIATE takes the write lock up front (waiting up to busy_timeout), so a
    # write never fails halfway on a read-to-write lock upgrade.
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.rollback()
        raise
    connection.commit()


@contextlib.contextmanager
def snapshot(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One read transaction: a consistent view even while another process writes."""
    connection.execute("BEGIN")
    try:
        yield connection
    finally:
        connection.rollback()


@contextlib.contextmanager
def friendly_errors(path: Path) -> Iterator[None]:
    """Turn SQLite's failures (locked past the timeout, disk full, read-only, damaged) into a `StoreError`."""
    try:
        yield
    except (sqlite3.IntegrityError, sqlite3.ProgrammingError):
        raise  # a statement of ours that is wrong: a bug, not the user's disk
    except sqlite3.DatabaseError as exc:
        raise store_error(path, exc, opening=False) from exc
