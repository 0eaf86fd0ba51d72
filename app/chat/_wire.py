"""A conversation as a model is sent it."""

from __future__ import annotations

from collections.abc import Iterable

from app.chat._messages import ChatMessage
from app.types import Message, Part


def wire_messages(messages: Iterable[ChatMessage]) -> list[Message]:
    """The messages as sent: without failed requests and answers that said nothing; an answer that
    called tools goes with its parts, so that the model sees its calls and their results again."""
    sent = []
    for m in messages:
        parts = tool_parts(m)
        if not m.failed and (m.content or m.role == "user" or parts):
            sent.append(Message(m.role, m.content, parts))
    return sent


def tool_parts(message: ChatMessage) -> tuple[Part, ...]:
    """An answer's parts when it called tools; else none (its content says it all)."""
    record = message.record
    if record is None or not any(p.kind in ("tool_call", "tool_result") for p in record.parts):
        return ()
    return record.parts
