"""The registry: each command declared once, at module level, and dispatched with a CommandContext."""

from __future__ import annotations

import pytest

from app.commands import build_registry
from app.commands.registry import Command, CommandContext, CommandFamily, Registry
from app.commands.results import Notice
from app.errors import UsageError


def test_every_handler_and_completer_is_a_module_level_function() -> None:
    registry = build_registry()
    assert len(registry) > 20
    for command in registry:
        assert "<locals>" not in command.handler.__qualname__, command.name
        if command.complete is not None:
            # A completer adapted from a chat-only function is made at module level too.
            assert command.complete.__module__.startswith("app.commands"), command.name


def test_a_family_declares_its_commands_in_order_with_its_group() -> None:
    family = CommandFamily("tests")

    @family.command("ping", help="answer pong", aliases=("p",))
    async def ping(ctx: CommandContext, argument: str) -> Notice:
        return Notice("pong " + argument)

    @family.command("pong", help="answer ping", usage="[WORD]")
    async def pong(ctx: CommandContext, argument: str) -> Notice:
        return Notice("ping")

    assert [(c.name, c.group) for c in family] == [("ping", "tests"), ("pong", "tests")]
    assert list(family)[0] == Command("ping", ping, "answer pong", "", ("p",), None, "tests")


async def test_dispatch_hands_the_handler_the_chat_and_the_registry() -> None:
    seen: list[CommandContext] = []

    async def who(ctx: CommandContext, argument: str) -> Notice:
        seen.append(ctx)
        return Notice(argument)

    registry = Registry()
    registry.add(Command("who", who, "who is asking", aliases=("w",)))
    chat = object()
    assert await registry.dispatch(chat, "/w   me  ") == Notice("me")
    assert seen == [CommandContext(chat, registry)]
    with pytest.raises(UsageError, match="unknown command /wh"):
        await registry.dispatch(chat, "/wh")


def test_a_name_or_alias_is_registered_once() -> None:
    async def nothing(ctx: CommandContext, argument: str) -> None:
        return None

    registry = Registry()
    registry.add(Command("one", nothing, "one", aliases=("uno",)))
    with pytest.raises(ValueError, match="/uno is registered twice"):
        registry.add(Command("two", nothing, "two", aliases=("uno",)))
