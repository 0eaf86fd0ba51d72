"""How a chat's messages are written to the store, and what it says when the store has to be given up.

When a write fails (a full or read-only disk), the chat gives the store up
for the rest of the session instead of writing to it now and then: the
conversation goes on in memory, history.db keeps what it had, and the two
never disagree about what was said. A message stored while another before it
was not would be resent as context from memory yet be missing from history;
a user would rather be told once and chat on than see an error per message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.types import AnswerRecord

if TYPE_CHECKING:
    from app.chat._messages import ChatMessage
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
