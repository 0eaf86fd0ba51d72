"""How a chat's messages are written to the store, and what it says when the store has to be given up.

When a write fails (a full or read-only disk), the chat gives the store up
for the rest of the session instead of writing to it now and then: the
conversation goes on in memory, history.db keeps what it had, and the two
never disagree about what was said. A message stored while another before it
was not would be resent as context from memory yet be missing from history;
a user would rather be told once and chat on than see an error per message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from app.types import AnswerRecord

if TYPE_CHECKING:
    from app.chat._messages import ChatMessage
    from app.config import ModelConfig
    from app.store import Store, StoreError


def write_message(store: Store, conversation_id: int, message: ChatMessage, parent: int | None, model: str) -> None:
    """Add `message` to the conversation under `parent`, and give it its id.

    Raises:
        StoreError: it could not be written.
    """
    record = message.record or AnswerRecord(model)
    stored = store.add_message(
        conversation_id,
        message.role,
        message.content,
        parent_id=parent,
        model=message.model,
        input_tokens=record.input_tokens,
        output_tokens=record.output_tokens,
        cost=record.cost,
        status=record.status if message.record else "complete",
        finish_reason=record.finish_reason,
        cached_tokens=record.cached_tokens,
        seconds=record.seconds,
        parts=message.parts,
    )
    message.id = stored.id


def not_saved_from_now_on(cause: StoreError) -> StoreError:
    """What the user is told, once, when the store was given up because of `cause`."""
    from app.store import StoreError

    return StoreError(
        f"{cause.message}. History is not being saved from now on",
        "This conversation goes on in memory only; nothing more is written to history.db.",
    )


class Keeping:
    """How a `Chat` keeps its messages in the store, and gives the store up when a write fails."""

    store: Store | None
    conversation_id: int | None
    title: str | None
    messages: list[ChatMessage]
    model: ModelConfig
    _lost: StoreError | None
    _lost_told: bool

    def _save_settings(self, store: Store) -> None:
        raise NotImplementedError

    def store_aside(self, message: ChatMessage, parent_id: int | None) -> None:
        """Store `message` under `parent_id` as a side branch, leaving the active branch as it is."""
        with self._saving() as store:
            if store is not None and self.conversation_id is not None:
                head = self.messages[-1].id if self.messages else None
                write_message(store, self.conversation_id, message, parent_id, self.model.name)
                store.set_head(self.conversation_id, head)

    def mark_failed(self, message: ChatMessage, failed: bool = True) -> None:
        """Mark (or unmark) a user message whose request got no answer: kept, not resent as context."""
        if message.failed == failed:
            return
        message.failed = failed
        with self._saving() as store:
            if store is not None and self.conversation_id is not None and message.id is not None:
                store.set_failed(self.conversation_id, message.id, failed)
                self.title = store.get_conversation(self.conversation_id).title

    # --- keeping it in the store ---------------------------------------------------------

    @property
    def history_lost(self) -> StoreError | None:
        """Why this session gave its store up (see `_saving.py`); None while it saves or never had one."""
        return self._lost

    @contextlib.contextmanager
    def _saving(self) -> Iterator[Store | None]:
        """The store to write to (None: not saving); a write that fails gives the store up."""
        from app.store import StoreError

        store = self.store
        try:
            yield store
        except StoreError as exc:
            assert store is not None
            self.store = None
            self._lost = exc
            with contextlib.suppress(Exception):
                store.close()

    def _tell_lost_history(self) -> None:
        if self._lost is not None and not self._lost_told:
            self._lost_told = True
            raise not_saved_from_now_on(self._lost) from self._lost

    def _persist(self, message: ChatMessage) -> None:
        with self._saving() as store:
            if store is None:
                return
            if self.conversation_id is None:
                self.conversation_id = store.new_conversation(self.model.name, self.title).id
            parent = next((m.id for m in reversed(self.messages[:-1]) if m.id is not None), None)
            write_message(store, self.conversation_id, message, parent, self.model.name)
            self._save_settings(store)
            if self.title is None and message.role == "user":
                self.title = store.get_conversation(self.conversation_id).title

