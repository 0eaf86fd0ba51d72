"""Completion for slash-commands and their arguments, generated from the registry."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

if TYPE_CHECKING:
    from app.commands.registry import CommandContext


class CommandCompleter(Completer):
    """Completes `/na` to command names, and `/name arg` through the command's own completer.

    Args:
        context_of: the registry and the conversation argument completers read (models, chains,
            sessions…), asked for at each completion: the REPL may still be wiring them.
    """

    def __init__(self, context_of: Callable[[], CommandContext]) -> None:
        self._context_of = context_of

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor
        if not text.startswith("/") or "\n" in text:
            return
        context = self._context_of()
        registry = context.registry
        label, space, argument = text[1:].partition(" ")
        if not space:
            for name in registry.labels():
                if name.startswith(label):
                    command = registry.get(name)
                    assert command is not None
                    meta = command.help if name == command.name else f"= /{command.name}"
                    yield Completion(name, start_position=-len(label), display=f"/{name}", display_meta=meta)
            return
        command = registry.get(label)
        if command is None or command.complete is None:
            return
        word = argument.rsplit(" ", 1)[-1]
        try:
            candidates = list(command.complete(context, argument))
        except Exception:
            return
        pairs = [candidate.partition("\t")[::2] for candidate in candidates]

        def completes(value: str, typed: str) -> bool:
            return value.lower().startswith(typed.lower()) and value != typed

        # A candidate may complete the whole argument (a title with spaces) or else its last word;
        # when some complete the whole argument, the last word alone is not offered (`/load apples a`
        # must not offer `apricots` for the `a`).
        typed = argument if any(completes(value, argument) for value, _ in pairs) else word
        for value, meta in pairs:
            if completes(value, typed):
                yield Completion(value, start_position=-len(typed), display_meta=meta or None)
