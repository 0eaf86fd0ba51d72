"""The roles family: /role NAME takes a role up, /role alone leaves it, /roles lists them."""

from __future__ import annotations

from collections.abc import Iterable

from app.commands.registry import CommandContext, CommandFamily, Registry
from app.commands.results import Notice, Result, Table
from app.errors import ConfigError, UsageError

COMMANDS = CommandFamily("conversation")


def role_names(ctx: CommandContext, _: str = "") -> Iterable[str]:
    roles = ctx.chat.roles
    return roles.names() if roles is not None else []


@COMMANDS.command("role", help="take up a saved role; without a name, leave the role", usage="[NAME]",
                  complete=role_names, arguments=[("NAME", "a role's name (/roles lists them)")],
                  example="/role code-review")  # fmt: skip
async def role(ctx: CommandContext, argument: str) -> Result:
    chat = ctx.chat
    if not argument:
        left = chat.leave_role()
        return Notice(f"left the role {left.name}" if left else "no role is on")
    taken = chat.use_role(argument)
    return Notice(f"role {taken.name} is on · talking to {chat.model.name}")


@COMMANDS.command("roles", help="list the saved roles, their descriptions and where each comes from")
async def roles(ctx: CommandContext, argument: str) -> Result:
    chat = ctx.chat
    if chat.roles is None:
        raise UsageError("no roles in this session")
    rows = []
    for found in chat.roles:
        if isinstance(found, ConfigError):
            rows.append(["  ?", found.message, ""])
            continue
        mark = "▸ " if chat.role is not None and chat.role.name == found.name else "  "
        rows.append([mark + found.name, found.description or "", found.source])
    return Table(["role", "description", "from"], rows, note="▸ the role that is on · /role NAME takes one up")


def register(registry: Registry) -> None:
    """Add /role and /roles to `registry`."""
    registry.include(COMMANDS)
