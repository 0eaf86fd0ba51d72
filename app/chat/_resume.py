"""Going on with a stored conversation exactly where it was left."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.chat._messages import ChatMessage
from app.errors import UsageError

if TYPE_CHECKING:
    from app.chat._chat import Chat


def load(chat: Chat, conversation_id: int, leaf_id: int | None = None) -> None:
    """Make `chat` the stored conversation `conversation_id`, on its active branch or the one ending at `leaf_id`:
    its messages with their parts, its system prompt, options and model."""
    if chat.store is None:
        raise UsageError("conversations are not being saved in this session")
    conversation = chat.store.get_conversation(conversation_id)
    if leaf_id is not None:
        chat.store.set_head(conversation_id, leaf_id)
    branch = chat.store.branch(conversation_id)
    chat.conversation_id = conversation.id
    chat.title = conversation.title
    chat.messages = [
        ChatMessage(m.role, m.content, m.to_record() if m.role == "assistant" else None, id=m.id,
                    failed=m.role == "user" and m.status == "error", parts=m.parts)  # fmt: skip
        for m in branch
        if m.role in ("user", "assistant")
    ]
    chat.system, chat.options = conversation.system, dict(conversation.options)
    chat._saved_settings = (conversation.model, chat.system, dict(chat.options))
    if any(conversation.model in (m.name, *m.aliases) for m in chat.runtime.config.models):
        chat.use_model(conversation.model)
