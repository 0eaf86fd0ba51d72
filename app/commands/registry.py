"""The slash-command registry: each command declared once.

A command is one async handler registered with its name, aliases, usage,
one-line help and argument completer. `/help` and completion are generated
from the registry. Handlers return data (see results.py) and never print.
"""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.commands.results import Result
from app.errors import UsageError

if TYPE_CHECKING:
    from app.chat import Chat

Handler = Callable[["Chat", str], Awaitable[Result]]
Completer = Callable[["Chat", str], Iterable[str]]


@dataclass(frozen=True)
class Command:
    """One slash-command.

    Args:
        name: typed after the slash, e.g. `model`.
        handler: `async (chat, argument_text) -> Result`.
        help: one line for `/help`.
        usage: the argument synopsis, e.g. `[NAME]`.
        aliases: other names that run it.
        complete: `(chat, argument_text) -> candidates` for the text after the name.
    """

    name: str
    handler: Handler
    help: str
    usage: str = ""
    aliases: tuple[str, ...] = ()
    complete: Completer | None = None
    group: str = "general"


@dataclass
class Registry:
    """The commands one REPL knows. An instance, so tests can build their own."""

    _commands: dict[str, Command] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict)

    def command(
        self,
        name: str,
        *,
        help: str,
        usage: str = "",
        aliases: Iterable[str] = (),
        complete: Completer | None = None,
        group: str = "general",
    ) -> Callable[[Handler], Handler]:
        """Decorator that registers a handler under `name` and `aliases`."""

        def register(handler: Handler) -> Handler:
            cmd = Command(name, handler, help, usage, tuple(aliases), complete, group)
            for label in (name, *cmd.aliases):
                if label in self._names:
                    raise ValueError(f"/{label} is registered twice")
                self._names[label] = name
            self._commands[name] = cmd
            return handler

        return register

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
        return await command.handler(chat, argument.strip())

    def help_rows(self) -> list[tuple[str, str, str]]:
        """(`/name usage`, aliases, help) for each command, grouped then sorted."""
        rows = []
        for cmd in sorted(self._commands.values(), key=lambda c: (c.group, c.name)):
            synopsis = f"/{cmd.name}" + (f" {cmd.usage}" if cmd.usage else "")
            rows.append((synopsis, ", ".join("/" + a for a in cmd.aliases), cmd.help))
        return rows


def argument_words(text: str) -> list[str]:
    """The words of an argument string, honouring quotes where they balance."""
    import shlex

    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def require(value: Any, message: str, hint: str | None = None) -> Any:
    """Return `value`, or raise a UsageError when it is empty."""
    if not value:
        raise UsageError(message, hint)
    return value
