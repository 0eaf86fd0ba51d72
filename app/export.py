"""A conversation's active branch as Markdown or as JSON-ready data.

export_markdown(store, conversation_id)   # -> str
export_json(store, conversation_id)       # -> dict; json.dumps(…, ensure_ascii=False, indent=2)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.store import Conversation, Store, StoredMessage

JSON_FORMAT = "orch-conversation"
JSON_VERSION = 1

_ROLE_HEADINGS = {"user": "User", "assistant": "Assistant", "system": "System"}


def export_markdown(store: Store, conversation_id: int) -> str:
    """The conversation's active branch as a Markdown document.

    Raises:
        UsageError: there is no such conversation.
    """
    return to_markdown(store.get_conversation(conversation_id), store.branch(conversation_id))


def export_json(store: Store, conversation_id: int) -> dict[str, Any]:
    """The conversation's active branch as a JSON-ready dict (see `to_json`).

    Raises:
        UsageError: there is no such conversation.
    """
    return to_json(store.get_conversation(conversation_id), store.branch(conversation_id))


def to_markdown(conversation: Conversation, messages: Sequence[StoredMessage]) -> str:
    """A title, the settings (role, options) and system prompt, one section per message
    (role, model, partial-answer notes), then the usage."""
    started = f"{conversation.created:%Y-%m-%d %H:%M} UTC"
    lines = [
        f"# {conversation.title or f'Conversation {conversation.id}'}",
        "",
        f"*{conversation.model} · started {started} · {len(messages)} messages*",
    ]
    settings = ([f"role {conversation.role}"] if conversation.role else []) + [
        f"{key}={value}" for key, value in conversation.options.items()
    ]
    if settings:
        lines += ["", f"*{' · '.join(settings)}*"]
    if conversation.system:
        lines += ["", "## System prompt", "", conversation.system.rstrip("\n")]
    for message in messages:
        heading = _ROLE_HEADINGS[message.role]
        if message.role == "assistant" and message.model:
            heading += f" ({message.model})"
        lines += ["", f"## {heading}", "", message.content.rstrip("\n")]
        if message.status != "complete":
            lines += ["", f"*[{message.status}: the answer is partial]*"]
    answers = [m for m in messages if m.role == "assistant"]
    tokens_in = sum(m.input_tokens or 0 for m in answers)
    tokens_out = sum(m.output_tokens or 0 for m in answers)
    if tokens_in or tokens_out:
        usage = f"{tokens_in} input + {tokens_out} output tokens"
        priced = [m.cost for m in answers if m.cost is not None]
        if priced:
            usage += f" · ${sum(priced):.4f}"
        lines += ["", "---", "", f"*{usage}*"]
    return "\n".join(lines) + "\n"


def to_json(conversation: Conversation, messages: Sequence[StoredMessage]) -> dict[str, Any]:
    """`{"format", "version", "conversation": {…}, "messages": [{…}, …]}`; times as UTC ISO 8601 text."""
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "conversation": {
            "id": conversation.id,
            "title": conversation.title,
            "model": conversation.model,
            "created": conversation.created.isoformat(),
            "updated": conversation.updated.isoformat(),
            "system": conversation.system,
            "options": dict(conversation.options),
            "role": conversation.role,
        },
        "messages": [
            {
                "id": m.id,
                "parent_id": m.parent_id,
                "role": m.role,
                "content": m.content,
                "model": m.model,
                "status": m.status,
                "input_tokens": m.input_tokens,
                "output_tokens": m.output_tokens,
                "cost": m.cost,
                "created": m.created.isoformat(),
            }
            for m in messages
        ],
    }
