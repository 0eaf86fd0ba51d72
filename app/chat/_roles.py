"""A conversation's role: taken up, left, and resumed with the conversation.

While a role is on, its body is the system prompt (the conversation's own
`system` is kept, and is back when the role is left); its options lie under
the conversation's own, so `/set` and `-o` still win; its model is switched
to when the role is taken up, and the model before it is back when it is left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.errors import UsageError

if TYPE_CHECKING:
    from app.chat._chat import Chat
    from app.roles import RoleBook, SavedRole


def book(chat: Chat) -> RoleBook:
    if chat.roles is None:
        raise UsageError("no roles in this session")
    return chat.roles


def take_up(chat: Chat, name: str, *, switch_model: bool = True) -> SavedRole:
    """Put the role `name` on `chat` (instead of the one it had)."""
    role = book(chat).get(name)
    role.system_prompt("")  # a body that does not render is said now, not at the first question
    if chat.role is not None:
        leave(chat, save=False)
    if switch_model and role.model:
        before = chat.model.name
        chat.use_model(role.model)
        chat.model_before_role = before
    chat.role = role
    chat.save_settings()
    return role


def leave(chat: Chat, *, save: bool = True) -> SavedRole | None:
    """Take the role off `chat`: its own system prompt and the model it had before come back."""
    role, chat.role = chat.role, None
    before, chat.model_before_role = chat.model_before_role, None
    if before is not None:
        chat.use_model(before)
    if save:
        chat.save_settings()
    return role


def resume(chat: Chat, name: str | None) -> None:
    """Put back the role a stored conversation had; one no longer found is left off."""
    chat.role = None
    chat.model_before_role = None
    if name and chat.roles is not None and name in chat.roles.names():
        chat.role = chat.roles.get(name)
