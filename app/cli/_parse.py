"""argv -> an `Invocation` and the subcommand to run, with parsers generated from the one list.

`orch [OPTIONS] [PROMPT…]` is the default command; the first word that is a
subcommand's name (`orch --home D vault list`) selects that subcommand, and
what follows it is parsed by the subcommand's own parser.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from app.cli import _commands
from app.cli._options import PROMPT_OPTIONS, add_options, first_word, global_parser
from app.cli._subcommand import Subcommand
from app.cli.wiring import Invocation
from app.errors import UsageError


def epilog(commands: Sequence[Subcommand] | None = None) -> str:
    commands = commands if commands is not None else _commands.SUBCOMMANDS
    width = max(len(c.name) for c in commands)
    return "commands:\n" + "\n".join(f"  orch {c.name:<{width}}  {c.help}" for c in commands)


def main_parser(*, helping: bool = True) -> argparse.ArgumentParser:
    """The parser of `orch [OPTIONS] [PROMPT]`; its help lists the subcommands (`helping`: they are
    imported for it, so a parse that cannot print the help leaves them out)."""
    parser = argparse.ArgumentParser(
        prog="orch",
        parents=[global_parser()],
        description="An LLM orchestrator for the terminal. With no prompt: the chat REPL.",
        epilog=epilog() if helping else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_options(parser, PROMPT_OPTIONS)
    parser.add_argument("prompt", nargs="*", help="prompt for a one-shot answer; stdin is appended")
    return parser


def command_parser(command: Subcommand) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"orch {command.name}", description=command.help, parents=[global_parser()])
    command.add_arguments(parser)
    return parser


def parse(argv: Sequence[str]) -> tuple[argparse.Namespace, Subcommand | None]:
    """The parsed arguments, and the subcommand they name (None: the default command).

    Raises:
        SystemExit: argparse's answer to `--help` or a usage error.
    """
    argv = list(argv)
    at, _ = first_word(argv)
    command = _commands.subcommand(argv[at]) if at is not None else None
    helping = any(word in ("-h", "--help") for word in argv)
    if command is None:
        return main_parser(helping=helping).parse_args(argv), None
    args = main_parser(helping=helping).parse_args(argv[:at])
    rest = argv[at + 1 :]
    parser = command_parser(command)
    try:
        # Options may sit between positionals (`orch chain NAME --dry-run INPUT`)...
        command_args = parser.parse_intermixed_args(rest)
    except TypeError:
        # ...except where an ACTION word chooses a sub-parser, which argparse cannot intermix.
        command_args = parser.parse_args(rest)
    for key, value in vars(command_args).items():
        if value not in (None, False) or not hasattr(args, key):
            setattr(args, key, value)
    return args, command


def invocation(args: argparse.Namespace, *, default_command: bool) -> Invocation:
    """The plain record wiring builds from. For the default command, piped stdin
    joins the prompt and the `-o` pairs are read (a subcommand reads stdin itself)."""
    prompt = " ".join(getattr(args, "prompt", None) or ())
    if default_command and not sys.stdin.isatty():
        piped = read_stdin()
        if piped.strip():
            prompt = f"{prompt}\n\n{piped}" if prompt else piped
    return Invocation(
        config_path=args.config,
        home=args.home,
        no_color=bool(args.no_color),
        model=args.model,
        system=args.system,
        options=parse_options(args.option) if default_command else {},
        resume_latest=bool(args.resume_latest),
        resume=args.resume,
        no_save=bool(args.no_save),
        sanitize=bool(args.sanitize),
        tools=tuple(getattr(args, "tools", None) or ()),
        approve_all=bool(getattr(args, "approve_all", False)),
        role=args.role,
        schema=args.schema,
        prompt=prompt,
        max_cost=args.max_cost,
        attach=tuple(getattr(args, "attach", None) or ()),
        max_files=getattr(args, "max_files", None),
        max_mb=getattr(args, "max_mb", None),
    )


def read_stdin() -> str:
    """All of stdin as text. Bytes that are not UTF-8 (a binary file piped in) become U+FFFD:
    the prompt is sent to a model, which could do nothing with them, and nothing fails on them."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:  # a text stream with no bytes under it (a test's StringIO)
        return sys.stdin.read()
    return buffer.read().decode("utf-8", errors="replace")


def parse_options(pairs: Sequence[str]) -> Mapping[str, Any]:
    """`-o KEY=VALUE` pairs as typed values (`0.2` is a float, `[a, b]` a list)."""
    if not pairs:
        return {}
    import yaml

    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"option '{pair}' is not KEY=VALUE", "Example: -o temperature=0.2")
        try:
            options[key.strip()] = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            options[key.strip()] = raw
    return options
