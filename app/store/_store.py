"""The `Store`: conversations, branches, search and usage over one SQLite file."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

from app.errors import UsageError
from app.store._schema import friendly_errors, open_database, snapshot, transaction
from app.types import Role
from app.store._types import (
    MATCH_END,
    MATCH_START,
    BranchInfo,
    Conversation,
    SearchHit,
    Status,
    StoredMessage,
    UsageTotals,
    clean_title,
    fts_query,
    shorten,
    stamp,
    to_branches,
    to_conversation,
    to_message,
)

RANK_WINDOW = 2000


class Store:
    """The history database at `path` (usually `ORCH_HOME / DB_NAME`).

    Opening creates the folder and file if needed and runs pending migrations.
    An instance may be used from several threads (calls are serialized).

    Args:
        path: the database file.
        busy_timeout_ms: how long a write waits for another process's write.
        clock: returns the current time (aware); tests pass a fake.

    Raises:
        OrchError: the file is not a usable database, or is from a newer orch.
    """

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

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection. Calling it twice is harmless."""
        with self._lock:
            self._conn.close()

    # --- conversations -------------------------------------------------------

    def new_conversation(self, model: str, title: str | None = None) -> Conversation:
        """Start an empty conversation; without a title, its first user message gives one."""
        now = self._now()
        with self._write() as db:
            cur = db.execute(
                "INSERT INTO conversations (id, title, model, created, updated) VALUES"
                " ((SELECT last_id + 1 FROM id_high_water WHERE tbl = 'conversations'), ?, ?, ?, ?)",
                (clean_title(title), model, now, now),
            )
            return self._conversation(db, _row_id(cur))

    def get_conversation(self, conversation_id: int) -> Conversation:
        """The conversation with this id.

        Raises:
            UsageError: there is none.
        """
        with self._read() as db:
            return self._conversation(db, conversation_id)

    def latest_conversation(self) -> Conversation | None:
        """The most recently used conversation that has messages (what `orch -c` resumes), or None."""
        with self._read() as db:
            row = db.execute(
                "SELECT * FROM conversations WHERE message_count > 0 ORDER BY updated DESC, id DESC LIMIT 1"
            ).fetchone()
        return to_conversation(row) if row else None

    def list_conversations(self, limit: int = 50) -> list[Conversation]:
        """Conversations, most recently used first."""
        with self._read() as db:
            rows = db.execute(
                "SELECT * FROM conversations ORDER BY updated DESC, id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [to_conversation(row) for row in rows]

    def find_conversation(self, id_or_title: str) -> Conversation:
        """The conversation a user named: by exact id, exact title, then unique title prefix.

        Titles compare case-insensitively (ASCII letters only, as SQLite does).

        Raises:
            UsageError: nothing matches, or several do.
        """
        key = " ".join(id_or_title.split())
        number = re.fullmatch(r"#?([0-9]{1,18})", key)
        with self._read() as db:
            if number:
                row = db.execute("SELECT * FROM conversations WHERE id = ?", (int(number[1]),)).fetchone()
                if row:
                    return to_conversation(row)
            order = " ORDER BY updated DESC LIMIT 6"
            rows = db.execute(
                "SELECT * FROM conversations WHERE title = ? COLLATE NOCASE" + order, (key,)
            ).fetchall()
            if not rows and key:
                pattern = re.sub(r"([\\%_])", r"\\\1", key) + "%"
                rows = db.execute(
                    "SELECT * FROM conversations WHERE title LIKE ? ESCAPE '\\'" + order, (pattern,)
                ).fetchall()
        if len(rows) == 1:
            return to_conversation(rows[0])
        if not rows:
            raise UsageError(f"no conversation matches '{key}'", "`/sessions` lists them.")
        names = ", ".join(f"#{row['id']} {row['title']}" for row in rows[:5])
        more = ", …" if len(rows) > 5 else ""
        raise UsageError(f"'{key}' matches several conversations: {names}{more}", "Name one by its id.")

    def rename(self, conversation_id: int, title: str) -> Conversation:
        """Give a conversation a new title (blank clears it)."""
        with self._write() as db:
            self._conversation(db, conversation_id)
            db.execute(
                "UPDATE conversations SET title = ? WHERE id = ?", (clean_title(title), conversation_id)
            )
            return self._conversation(db, conversation_id)

    def set_title_if_empty(self, conversation_id: int, text: str) -> bool:
        """Title an untitled conversation after `text` (shortened). Returns whether it did."""
        with self._write() as db:
            self._conversation(db, conversation_id)
            return self._title_if_empty(db, conversation_id, text)

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete a conversation and all its messages.

        Raises:
            UsageError: there is no such conversation.
        """
        with self._write() as db:
            self._conversation(db, conversation_id)
            db.execute("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    # --- messages and branches -----------------------------------------------

    def add_message(
        self,
        conversation_id: int,
        role: Role,
        content: str,
        parent_id: int | None,
        model: str | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        cost: float | None = None,
        status: Status = "complete",
        *,
        finish_reason: str | None = None,
        cached_tokens: int | None = None,
        seconds: float | None = None,
    ) -> StoredMessage:
        """Append a message under `parent_id` (None: a root) and make it the head.

        Also bumps the conversation's `updated` and `message_count`, and titles
        an untitled conversation after its first user message.

        Raises:
            UsageError: the conversation no longer exists.
            ValueError: a bad role or status, or `parent_id` is not a message of this conversation.
        """
        if role not in get_args(Role) or status not in get_args(Status):
            raise ValueError(f"bad role {role!r} or status {status!r}")
        now = self._now()
        with self._write() as db:
            self._conversation(db, conversation_id)
            if parent_id is not None:
                self._message_in(db, conversation_id, parent_id, ValueError)
            cur = db.execute(
                "INSERT INTO messages (conversation_id, parent_id, role, content, model, input_tokens,"
                " output_tokens, cost, status, created, finish_reason, cached_tokens, seconds)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, parent_id, role, content, model, input_tokens, output_tokens, cost, status, now,
                 finish_reason, cached_tokens, seconds),
            )  # fmt: skip
            db.execute(
                "UPDATE conversations SET head_id = ?, updated = ?, message_count = message_count + 1"
                " WHERE id = ?",
                (_row_id(cur), now, conversation_id),
            )
            if role == "user":
                self._title_if_empty(db, conversation_id, content)
            return to_message(db.execute("SELECT * FROM messages WHERE id = ?", (_row_id(cur),)).fetchone())

    def set_failed(self, conversation_id: int, message_id: int, failed: bool = True) -> None:
        """Mark (or unmark) a user message whose request got no answer: it stays in history but is not
        resent as context, and a title taken from it is dropped so that the next message gives one."""
        with self._write() as db:
            row = self._message_in(db, conversation_id, message_id, ValueError)
            db.execute("UPDATE messages SET status = ? WHERE id = ?", ("error" if failed else "complete", message_id))
            if failed:
                db.execute(
                    "UPDATE conversations SET title = NULL WHERE id = ? AND title = ?",
                    (conversation_id, clean_title(shorten(row["content"]))),
                )
            else:
                self._title_if_empty(db, conversation_id, row["content"])

    def save_settings(
        self, conversation_id: int, *, model: str, system: str | None, options: Mapping[str, Any],
        role: str | None = None,
    ) -> None:  # fmt: skip
        """Keep what the conversation goes on with: its model, system prompt, options and role."""
        with self._write() as db:
            self._conversation(db, conversation_id)
            db.execute(
                "UPDATE conversations SET model = ?, system = ?, options = ?, role = ? WHERE id = ?",
                (model, system, json.dumps(dict(options)) if options else None, role, conversation_id),
            )

    def edit_message(self, conversation_id: int, message_id: int, content: str) -> StoredMessage:
        """Fork: a sibling of `message_id` (same parent and role) with new content, made the head.

        The original message and everything after it stay as another branch.

        Raises:
            UsageError: the message is not in this conversation.
        """
        original = self.get_message(conversation_id, message_id)
        return self.add_message(
            conversation_id, original.role, content, original.parent_id, model=original.model
        )

    def get_message(self, conversation_id: int, message_id: int) -> StoredMessage:
        """One message of a conversation.

        Raises:
            UsageError: the message is not in this conversation.
        """
        with self._read() as db:
            return to_message(self._message_in(db, conversation_id, message_id, UsageError))

    def branch(self, conversation_id: int, leaf_id: int | None = None) -> list[StoredMessage]:
        """The messages from the root down to `leaf_id` (default: the head), oldest first.

        Raises:
            UsageError: the message is not in this conversation.
        """
        with self._read() as db:
            if leaf_id is None:
                leaf_id = self._conversation(db, conversation_id).head_id
                if leaf_id is None:
                    return []
            self._message_in(db, conversation_id, leaf_id, UsageError)
            rows = db.execute(
                "WITH RECURSIVE path(id, depth) AS (SELECT ?, 0 UNION ALL"
                " SELECT m.parent_id, path.depth + 1 FROM messages m JOIN path ON m.id = path.id"
                " WHERE m.parent_id IS NOT NULL)"
                " SELECT m.* FROM path JOIN messages m ON m.id = path.id ORDER BY path.depth DESC",
                (leaf_id,),
            ).fetchall()
        return [to_message(row) for row in rows]

    def set_head(self, conversation_id: int, message_id: int | None) -> None:
        """Make the branch through `message_id` active (None: before the first message).

        The next message is added under it; `/undo` points the head at an earlier message.

        Raises:
            UsageError: the message is not in this conversation.
        """
        with self._write() as db:
            self._conversation(db, conversation_id)
            if message_id is not None:
                self._message_in(db, conversation_id, message_id, UsageError)
            db.execute("UPDATE conversations SET head_id = ? WHERE id = ?", (message_id, conversation_id))

    def branches(self, conversation_id: int) -> list[BranchInfo]:
        """Every branch of a conversation, oldest leaf first (a stable order for `/branch N`)."""
        with self._read() as db:
            head = self._conversation(db, conversation_id).head_id
            rows = db.execute(
                "SELECT id, parent_id, role, substr(content, 1, 400) AS text, created FROM messages"
                " WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            ).fetchall()
        return to_branches(rows, head)

    # --- search and usage --------------------------------------------------

    def search(self, text: str, limit: int = 20) -> list[SearchHit]:
        """Messages holding every word of `text`, best first, on any branch of any conversation.

        Any text is accepted: words are matched literally (see `fts_query`).
        Relevance (bm25) ranks the newest `RANK_WINDOW` matching messages, so a
        word found in nearly every message still answers in milliseconds.
        """
        query = fts_query(text)
        if query is None:
            return []
        with self._read() as db:
            rows = db.execute(
                "SELECT m.id, m.conversation_id, m.role, m.created, c.title,"
                " snippet(messages_fts, 0, ?2, ?3, '…', 12) AS snippet"
                " FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
                " JOIN conversations c ON c.id = m.conversation_id"
                " WHERE messages_fts MATCH ?1 AND messages_fts.rowid >= (SELECT min(rowid) FROM"
                "  (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?4))"
                " ORDER BY rank LIMIT ?5",
                (query, MATCH_START, MATCH_END, RANK_WINDOW, limit),
            ).fetchall()
        return [
            SearchHit(
                conversation_id=row["conversation_id"],
                conversation_title=row["title"],
                message_id=row["id"],
                role=row["role"],
                snippet=row["snippet"],
                created=datetime.fromisoformat(row["created"]),
            )
            for row in rows
        ]

    def usage_totals(self, conversation_id: int | None = None) -> UsageTotals:
        """Tokens and cost of every answer in a conversation (all branches), or in all history."""
        where = "" if conversation_id is None else " AND conversation_id = ?"
        with self._read() as db:
            row = db.execute(
                "SELECT count(*), coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0),"
                " coalesce(sum(cost), 0.0), count(*) - count(cost) FROM messages"
                " WHERE role = 'assistant'" + where,
                () if conversation_id is None else (conversation_id,),
            ).fetchone()
        return UsageTotals(*row)

    # --- plumbing ------------------------------------------------------------

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
        title = clean_title(shorten(text))
        if title is None:
            return False
        cur = db.execute(
            "UPDATE conversations SET title = ? WHERE id = ? AND title IS NULL", (title, conversation_id)
        )
        return cur.rowcount == 1


def _row_id(cursor: sqlite3.Cursor) -> int:
    if cursor.lastrowid is None:  # pragma: no cover - only after a statement that inserted nothing
        raise RuntimeError("no row was inserted")
    return cursor.lastrowid
