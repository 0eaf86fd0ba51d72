"""Styles named by meaning, and the consoles that use them.

Everything that prints asks for a style by what it means (`chat.error`,
`chain.step.done`), never by colour, so the look lives in one table here.
This module stays light: rich is imported only when a theme or a console is
first built.
"""

from __future__ import annotations

import errno
import functools
import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.theme import Theme

STYLES: Mapping[str, str] = MappingProxyType(
    {
        "chat.user": "bold",
        "chat.answer": "none",
        "chat.thinking": "dim italic",
        "chat.footer": "dim",
        "chat.status": "dim",
        "chat.notice": "cyan",
        "chat.interrupted": "dim",
        "chat.error": "bold red",
        "chain.step.waiting": "dim",
        "chain.step.running": "cyan",
        "chain.step.done": "green",
        "chain.step.skipped": "dim italic",
        "chain.step.failed": "bold red",
        "prompt.model": "bold cyan",
    }
)


def theme() -> Theme:
    """A fresh rich `Theme` holding `STYLES`."""
    from rich.theme import Theme

    return Theme(dict(STYLES))


def color_disabled(no_color: bool = False, env: Mapping[str, str] = os.environ) -> bool:
    """Whether colour is off: `--no-color`, or `NO_COLOR` set to anything but ""."""
    return no_color or env.get("NO_COLOR", "") != ""


def make_console(
    *,
    no_color: bool = False,
    stderr: bool = False,
    file: IO[str] | None = None,
    force_terminal: bool | None = None,
    width: int | None = None,
    env: Mapping[str, str] = os.environ,
) -> Console:
    """A console with orch's theme.

    Rich already writes plain text, without ANSI codes, when the output is not
    a terminal. With colour disabled (`--no-color` or `NO_COLOR`) the colour
    system is switched off altogether, so bold and dim go too, not only the
    colours.

    Args:
        no_color: `--no-color` was given.
        stderr: write to stderr instead of stdout.
        file: write there instead (tests pass a `StringIO`).
        force_terminal: treat the output as a terminal or not; None detects.
        width: columns; None detects.
        env: the environment to read `NO_COLOR` from.
    """
    disabled = color_disabled(no_color, env)
    return _console_class()(
        theme=theme(),
        stderr=stderr,
        file=file,
        force_terminal=force_terminal,
        width=width,
        color_system=None if disabled else "auto",
        no_color=disabled,
        highlight=False,
        emoji=False,
    )


@functools.cache
def _console_class() -> type[Console]:
    """rich's Console, but a reader that goes away (`orch models | head -1`) raises BrokenPipeError.

    rich's own answer is `SystemExit(1)`; a BrokenPipeError reaches the command line's `main`,
    which treats it as every command does: not our failure, exit 0.
    """
    from rich.console import Console

    class OrchConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True  # nothing more is written
            raise BrokenPipeError(errno.EPIPE, "the reader of the output went away")

    return OrchConsole


def prompt_style():
    """prompt-toolkit's look: the model name in the prompt, a quiet toolbar."""
    from prompt_toolkit.styles import Style

    return Style.from_dict({
        "prompt.model": "bold ansicyan",
        "prompt.arrow": "",
        "notice": "ansicyan",
        "bottom-toolbar": "noreverse bg:ansibrightblack ansiwhite",
    })
