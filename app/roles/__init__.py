"""Roles: saved system prompts, each with the model, options and tools it goes with.

    book = RoleBook(config, home)       # the roles of a configuration and ORCH_HOME
    role = book.get("explain")          # a SavedRole; an unknown name is a UsageError with the nearest
    system = role.system_prompt(text)   # its body, `{{ input }}` filled with the user's text

A role's body is the system prompt. When it uses `{{ input }}`, the user's
message is put there (rendered in the same sandboxed Jinja2 as chain
templates) and the message sent is still the text as typed, so history keeps
what the user wrote. See `_book.py` for where roles are found and which wins.
"""

from app.roles._book import RoleBook, shipped_roles_dir
from app.roles._files import read_role, split_front_matter
from app.roles._role import SavedRole

__all__ = ["RoleBook", "SavedRole", "read_role", "shipped_roles_dir", "split_front_matter"]
