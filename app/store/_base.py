"""What every part of the `Store` stands on: the connection, its transactions, and shared lookups."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from app.errors import UsageError
from app.store._schema import friendly_errors, open_database, snapshot, transaction
from app.store._titles import title_from
from app.store._types import Conversation, stamp, to_conversation


class StoreBase:
    """The connection to one history file, serialized by a lock; see `Store` for the arguments."""

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout_ms: int = 5000,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.path = Path(path)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._conn = open_database(self.path, busy_timeout_ms)
        self.schema_version: int = self._conn.execute("PRAGMA user_version").fetchone()[0]

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection. Calling it twice is harmless."""
        with self._lock:
            self._conn.close()

    def _now(self) -> str:
        return stamp(self._clock())

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock, friendly_errors(self.path), transaction(self._conn):
            yield self._conn

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock, friendly_errors(self.path), snapshot(self._conn):
            yield self._conn

    def _conversation(self, db: sqlite3.Connection, conversation_id: int) -> Conversation:
        row = db.execute("SELECT * FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
        if row is None:
            raise UsageError(f"no conversation #{conversation_id}", "`/sessions` lists them.")
        return to_conversation(row)

    def _message_in(
        self, db: sqlite3.Connection, conversation_id: int, message_id: int, error: type[Exception]
    ) -> sqlite3.Row:
        row = db.execute("SELECT * FROM messages WHERE id = ?", (message_id,)).fetchone()
        if row is None or row["conversation_id"] != conversation_id:
            raise error(f"message #{message_id} is not in conversation #{conversation_id}")
        return row

    def _title_if_empty(self, db: sqlite3.Connection, conversation_id: int, text: str) -> bool:
        title = title_from(text)
        if title is None:
            return False
        cur = db.execute(
            "UPDATE conversations SET title = ? WHERE id = ? AND title IS NULL", (title, conversation_id)
        )
        return cur.rowcount == 1


def row_id(cursor: sqlite3.Cursor) -> int:
    if cursor.lastrowid is None:  # pragma: no cover - only after a statement that inserted nothing
        raise RuntimeError("no row was inserted")
    return cursor.lastrowid
