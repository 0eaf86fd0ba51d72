"""A conversation's active branch as Markdown or as JSON-ready data.

export_markdown(store, conversation_id)   # -> str
export_json(store, conversation_id)       # -> dict; json.dumps(…, ensure_ascii=False, indent=2)

A message's parts are shown by kind: an attachment by its name and size, a tool call
by its name and arguments, a tool result by its size; never an image's bytes or a
file's whole text (the store keeps those; the JSON gives their sha256).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from app.attachments import part_size, parts_text
from app.store import Conversation, Store, StoredMessage
from app.types import Part

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
        body = parts_text(message.parts) if message.parts else message.content
        lines += ["", f"## {heading}", "", body.rstrip("\n")]
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
                "parts": [part_json(part) for part in m.parts],
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


def part_json(part: Part) -> dict[str, Any]:
    """One part as the JSON export gives it (the README's "Exports" documents the shape).

    `text` has its words; `file` and `image` their name, media type, size in bytes and sha256
    (the bytes stay in the store); `tool_call` its name, call id and arguments; `tool_result`
    its name, call id, whether it failed and its size in characters; `thinking` its size.
    """
    if part.kind == "text":
        return {"kind": "text", "text": part.text}
    if part.kind in ("file", "image"):
        data = part.data if part.data is not None else part.text.encode("utf-8")
        return {"kind": part.kind, "name": part.name, "media_type": part.media_type, "size": part_size(part),
                "sha256": hashlib.sha256(data).hexdigest()}  # fmt: skip
    if part.kind == "tool_call":
        return {"kind": "tool_call", "name": part.name, "call_id": part.call_id,
                "arguments": dict(part.arguments or {})}  # fmt: skip
    if part.kind == "tool_result":
        return {"kind": "tool_result", "name": part.name, "call_id": part.call_id, "is_error": part.is_error,
                "size": len(part.text)}  # fmt: skip
    return {"kind": part.kind, "size": len(part.text)}
