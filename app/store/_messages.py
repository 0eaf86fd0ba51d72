"""Messages and the branches they form: adding, editing (a fork), walking a branch, moving the head."""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

from app.errors import UsageError
from app.store._base import StoreBase, row_id
from app.store._parts import read_parts, worth_storing, write_parts
from app.store._titles import title_from
from app.store._types import BranchInfo, Status, StoredMessage, to_branches, to_message
from app.types import Part, Role
from app.types import Status as AnswerStatus


class Messages(StoreBase):
    """The `Store`'s methods on messages and branches."""

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
        status: AnswerStatus = "complete",
        *,
        finish_reason: str | None = None,
        cached_tokens: int | None = None,
        seconds: float | None = None,
        parts: Sequence[Part] = (),
    ) -> StoredMessage:
        """Append a message under `parent_id` (None: a root) and make it the head.

        `parts`, when they say more than `content` (attachments, tool calls, thinking), are
        kept with it in order; an attachment's bytes are stored once however often sent.

        Also bumps the conversation's `updated` and `message_count`, and titles
        an untitled conversation after its first user message. A `truncated` or
        `refused` answer is kept as `complete` with its `finish_reason`, which says
        how it was cut (`StoredMessage.to_record` reads it back).

        Raises:
            UsageError: the conversation no longer exists.
            ValueError: a bad role or status, or `parent_id` is not a message of this conversation.
        """
        if status in ("truncated", "refused"):
            status = "complete"
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
                (row_id(cur), now, conversation_id),
            )
            stored_parts = tuple(parts) if worth_storing(parts, content) else ()
            write_parts(db, row_id(cur), stored_parts)
            if role == "user":
                self._title_if_empty(db, conversation_id, content)
            row = db.execute("SELECT * FROM messages WHERE id = ?", (row_id(cur),)).fetchone()
            return to_message(row, stored_parts)

    def set_failed(self, conversation_id: int, message_id: int, failed: bool = True) -> None:
        """Mark (or unmark) a user message whose request got no answer: it stays in history but is not
        resent as context, and a title taken from it is dropped so that the next message gives one."""
        with self._write() as db:
            row = self._message_in(db, conversation_id, message_id, ValueError)
            db.execute("UPDATE messages SET status = ? WHERE id = ?", ("error" if failed else "complete", message_id))
            if failed:
                db.execute(
                    "UPDATE conversations SET title = NULL WHERE id = ? AND title = ?",
                    (conversation_id, title_from(row["content"])),
                )
            else:
                self._title_if_empty(db, conversation_id, row["content"])

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
            row = self._message_in(db, conversation_id, message_id, UsageError)
            return to_message(row, read_parts(db, [message_id]).get(message_id, ()))

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
            parts = read_parts(db, [row["id"] for row in rows])
        return [to_message(row, parts.get(row["id"], ())) for row in rows]

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
