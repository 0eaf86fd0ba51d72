"""Continuing a stored conversation: its active branch, settings and role."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.chat._messages import ChatMessage
from app.chat._roles import resume
from app.errors import UsageError

if TYPE_CHECKING:
    from app.chat._chat import Chat


def load(chat: Chat, conversation_id: int, leaf_id: int | None = None) -> None:
    """Make `chat` the stored conversation `conversation_id`, on the branch ending at `leaf_id`
    (default: its active one), its messages with their parts, and the system prompt, options,
    role and model it was left with.

    Raises:
        UsageError: the session saves no conversations.
        StoreError: no such conversation, or it cannot be read.
    """
    store = chat.store
    if store is None:
        raise UsageError("conversations are not being saved in this session")
    conversation = store.get_conversation(conversation_id)
    if leaf_id is not None:
        store.set_head(conversation_id, leaf_id)
    branch = store.branch(conversation_id)
    chat.conversation_id = conversation.id
    chat.title = conversation.title
    chat.messages = [
        ChatMessage(m.role, m.content, m.to_record() if m.role == "assistant" else None, id=m.id,
                    failed=m.role == "user" and m.status == "error", parts=m.parts)  # fmt: skip
        for m in branch
        if m.role in ("user", "assistant")
    ]
    chat.system, chat.options = conversation.system, dict(conversation.options)
    resume(chat, conversation.role)
    chat._saved_settings = (conversation.model, chat.system, dict(chat.options), conversation.role)
    if any(conversation.model in (m.name, *m.aliases) for m in chat.runtime.config.models):
        chat.use_model(conversation.model)
