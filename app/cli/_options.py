"""The options of `orch` itself, declared once: argparse is told about them, and the
word scanner that finds a subcommand (and `--version`) knows which of them take a value.

Nothing heavy is imported here: `orch --version` reads this module.
"""

from __future__ import annotations

from app import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable


class Option:
    """One option: its flags and the keyword arguments argparse's `add_argument` gets."""

    __slots__ = ("flags", "settings")

    def __init__(self, *flags: str, **settings: object) -> None:
        self.flags = flags
        self.settings = settings

    @property
    def takes_value(self) -> bool:
        return self.settings.get("action") not in ("store_true", "version")


# Accepted before and after a subcommand (`orch vault list --home DIR`).
GLOBAL_OPTIONS = (
    Option("--config", metavar="PATH", help="config.yaml to use (env ORCH_CONFIG)"),
    Option("--home", metavar="DIR", help="where state lives (env ORCH_HOME)"),
    Option("--no-color", action="store_true", help="no colors (also NO_COLOR)"),
)

# The default command's: a one-shot answer, or the REPL.
PROMPT_OPTIONS = (
    Option("--version", action="version", version=f"orch {__version__}", help="show the version and exit"),
    Option("-m", "--model", help="model name or alias (default: config's default_model)"),
    Option("-s", "--system", help="system prompt"),
    Option("-r", "--role", help="take up a saved role (its system prompt, model and options); /roles lists them"),
    Option("--schema", metavar="FILE|SHORTHAND",
           help="answer with JSON valid against a JSON Schema file or a shorthand like 'name, age int, tags list'"),
    Option("-o", "--option", action="append", default=[], metavar="KEY=VALUE",
           help="model option, e.g. temperature=0.2"),
    Option("-c", "--continue", dest="resume_latest", action="store_true",
           help="continue the latest conversation (the REPL, or one more turn with a PROMPT)"),
    Option("--resume", metavar="ID", help="continue conversation ID (the REPL, or one more turn with a PROMPT)"),
    Option("--no-save", action="store_true", help="keep this conversation out of the history"),
    Option("-T", "--tool", dest="tools", action="append", default=[], metavar="SERVER[.TOOL]",
           help="let the model call this MCP server's tools (or this one tool); repeatable"),
    Option("-y", "--yes", dest="approve_all", action="store_true",
           help="run every tool call without asking (with no terminal, calls are refused without it)"),
    Option("--max-cost", type=float, metavar="USD",
           help="refuse an answer whose estimate costs more, stop one that passes it"),
    Option("-a", "--attach", action="append", default=[], metavar="PATH|GLOB|DIR|URL",
           help="attach a file, the files a glob matches, a folder's text files, or a web page (repeatable)"),
    Option("--max-files", type=int, metavar="N", help="attach at most N files (default 200)"),
    Option("--max-mb", type=float, metavar="N", help="attach at most N MB (default 4)"),
    Option("--sanitize", action="store_true",
           help="to a pipe too, show control characters in the answer instead of passing them on"),
)

VALUED_FLAGS = frozenset(flag for option in (*GLOBAL_OPTIONS, *PROMPT_OPTIONS) if option.takes_value
                         for flag in option.flags)  # fmt: skip


def first_word(argv: list[str]) -> tuple[int | None, bool]:
    """Where the first word that is not an option (nor an option's value) stands, and
    whether `--version` came before it. `--` ends the options: no word after it counts."""
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--version":
            return None, True
        if word == "--":
            return None, False
        if word.startswith("-") and word != "-":
            i += 2 if word in VALUED_FLAGS else 1
            continue
        return i, False
    return None, False


def add_options(parser: argparse.ArgumentParser, options: Iterable[Option], **overrides: object) -> None:
    for option in options:
        parser.add_argument(*option.flags, **{**option.settings, **overrides})


def global_parser(*, defaults: bool = True) -> argparse.ArgumentParser:
    """A parent parser with the global options. `defaults=False` for a subcommand's action:
    argparse would otherwise let its unset defaults overwrite what came before the action."""
    import argparse

    parser = argparse.ArgumentParser(add_help=False, argument_default=None if defaults else argparse.SUPPRESS)
    add_options(parser, GLOBAL_OPTIONS)
    return parser
