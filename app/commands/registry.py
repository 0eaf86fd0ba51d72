"""The slash-command registry: each command declared once.

A family module declares its commands on a `CommandFamily` with a decorator
(name, aliases, usage, one-line help, argument completer, group); the
`Registry` collects the families and dispatches a typed line to the handler.
`/help` and completion are generated from the registry. Handlers get a
`CommandContext`, return data (see results.py) and never print.
"""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.commands.results import Result
from app.errors import UsageError

if TYPE_CHECKING:
    from app.chat import Chat, CompareRecord


@dataclass(frozen=True)
class CommandContext:
    """What a handler or an argument completer is handed.

    Args:
        chat: the conversation the command acts on.
        registry: every command, for those that describe the others (`/help`).
    """

    chat: Chat
    registry: Registry


Handler = Callable[[CommandContext, str], Awaitable[Result]]
Completer = Callable[[CommandContext, str], Iterable[str]]


@dataclass(frozen=True)
class Command:
    """One slash-command.

    Args:
        name: typed after the slash, e.g. `model`.
        handler: `async (ctx, argument_text) -> Result`.
        help: one line for `/help`.
        usage: the argument synopsis, e.g. `[NAME]`.
        aliases: other names that run it.
        complete: `(ctx, argument_text) -> candidates` for the text after the name;
            a candidate may carry a note for the menu after a tab.
        group: where `/help` lists it.
        arguments: (argument, what it is) pairs for `/help NAME`.
        example: a line that uses it, for `/help NAME`.
    """

    name: str
    handler: Handler
    help: str
    usage: str = ""
    aliases: tuple[str, ...] = ()
    complete: Completer | None = None
    group: str = "general"
    arguments: tuple[tuple[str, str], ...] = ()
    example: str = ""

    def describe(self) -> str:
        """What `/help NAME` shows: usage, aliases, help, the arguments, an example."""
        aliases = f" (also {', '.join('/' + a for a in self.aliases)})" if self.aliases else ""
        lines = [f"/{self.name} {self.usage}".rstrip() + aliases, f"  {self.help}"]
        width = max((len(name) for name, _ in self.arguments), default=0)
        lines += [f"  {name.ljust(width)}  {what}" for name, what in self.arguments]
        if self.example:
            lines.append(f"  example: {self.example}")
        return "\n".join(lines)


class CommandFamily:
    """The commands one module declares, in the order declared.

    Args:
        group: the `/help` group every command of the family is listed under.
    """

    def __init__(self, group: str) -> None:
        self.group = group
        self._commands: list[Command] = []

    def command(
        self,
        name: str,
        *,
        help: str,
        usage: str = "",
        aliases: Iterable[str] = (),
        complete: Completer | None = None,
        arguments: Iterable[tuple[str, str]] = (),
        example: str = "",
    ) -> Callable[[Handler], Handler]:
        """Decorator that declares a module-level handler as `/name`."""

        def declare(handler: Handler) -> Handler:
            self._commands.append(Command(name, handler, help, usage, tuple(aliases), complete, self.group,
                                          tuple(arguments), example))  # fmt: skip
            return handler

        return declare

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands)


@dataclass
class Registry:
    """The commands one REPL knows. An instance, so tests can build their own.

    Attributes:
        picked: the last comparison `/pick` continued with (so a second `/pick` can say so).
    """

    _commands: dict[str, Command] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict)
    picked: CompareRecord | None = None

    def add(self, command: Command) -> None:
        """Know `command` by its name and aliases.

        Raises:
            ValueError: a name or alias is taken already.
        """
        for label in (command.name, *command.aliases):
            if label in self._names:
                raise ValueError(f"/{label} is registered twice")
            self._names[label] = command.name
        self._commands[command.name] = command

    def include(self, family: Iterable[Command]) -> None:
        """Add every command of a family."""
        for command in family:
            self.add(command)

    def __iter__(self) -> Iterator[Command]:
        return iter(sorted(self._commands.values(), key=lambda c: c.name))

    def __len__(self) -> int:
        return len(self._commands)

    def get(self, label: str) -> Command | None:
        name = self._names.get(label)
        return self._commands[name] if name else None

    def labels(self) -> list[str]:
        """Every name and alias, sorted."""
        return sorted(self._names)

    def suggest(self, label: str) -> list[str]:
        """The nearest known names to a mistyped one."""
        near = difflib.get_close_matches(label, self.labels(), n=3, cutoff=0.5)
        if not near:
            near = [n for n in self.labels() if n.startswith(label[:2])][:3] if label else []
        return near

    def context(self, chat: Chat) -> CommandContext:
        """What this registry's handlers and completers are handed for `chat`."""
        return CommandContext(chat, self)

    async def dispatch(self, chat: Chat, line: str) -> Result:
        """Run the command written on `line` (which starts with `/`).

        Raises:
            UsageError: unknown command, with the nearest names as a hint.
        """
        label, _, argument = line[1:].strip().partition(" ")
        command = self.get(label)
        if command is None:
            near = self.suggest(label)
            hint = f"Did you mean {', '.join('/' + n for n in near)}?" if near else "Type /help for the list."
            raise UsageError(f"unknown command /{label}", hint)
        return await command.handler(self.context(chat), argument.strip())

    def help_rows(self) -> list[tuple[str, str, str]]:
        """(`/name usage`, aliases, help) for each command, grouped then sorted."""
        rows = []
        for cmd in sorted(self._commands.values(), key=lambda c: (c.group, c.name)):
            synopsis = f"/{cmd.name}" + (f" {cmd.usage}" if cmd.usage else "")
            rows.append((synopsis, ", ".join("/" + a for a in cmd.aliases), cmd.help))
        return rows

