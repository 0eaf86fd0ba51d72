"""Conversations: creating, finding, titling, deleting them, and the settings they go on with."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from app.errors import UsageError
from app.store._base import StoreBase, row_id
from app.store._parts import drop_unused_blobs
from app.store._types import Conversation, clean_title, to_conversation


class Conversations(StoreBase):
    """The `Store`'s methods on whole conversations."""

    def new_conversation(self, model: str, title: str | None = None) -> Conversation:
        """Start an empty conversation; without a title, its first user message gives one."""
        now = self._now()
        with self._write() as db:
            cur = db.execute(
                "INSERT INTO conversations (id, title, model, created, updated) VALUES"
                " ((SELECT last_id + 1 FROM id_high_water WHERE tbl = 'conversations'), ?, ?, ?, ?)",
                (clean_title(title), model, now, now),
            )
            return self._conversation(db, row_id(cur))

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
            drop_unused_blobs(db)

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
