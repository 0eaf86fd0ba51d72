"""Command line: argv -> what to run, and the one place errors become exit codes.

Start-up stays light: `orch --version` imports nothing but this module, and
the heavy parts (httpx, cryptography, rich.markdown, jinja2) are imported by
the code paths that need them.
"""

from __future__ import annotations

import os
import sys

from app import __version__
from app.errors import EXIT_INTERRUPTED, EXIT_USAGE, OrchError, UsageError

# typing, dataclasses and pathlib cost ~15 ms of start-up together: they stay
# out of `orch --version` (type checkers read this constant as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from pathlib import Path
    from typing import Any

    from app.config import Config, Sources
    from app.runtime import Runtime

COMMANDS = ("chain", "models", "vault", "config")


class Context:
    """What every command gets: the parsed global options, resolved lazily."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args

    @property
    def home(self) -> Path:
        from app.config import state_dir

        return state_dir(self.args.home)

    def load_config(self) -> tuple[Config, Sources]:
        from app import config

        return config.load(self.args.config)

    def vault(self, config: Config | None = None):
        from pathlib import Path

        from app.vault import Vault

        configured = config.vault.path if config else None
        return Vault(Path(configured).expanduser() if configured else self.home / "vault.enc")

    def runtime(self, config: Config, *, interactive: bool = False) -> Runtime:
        from app.keys import KeyRing
        from app.runtime import Runtime

        # The REPL asks the password itself, through prompt-toolkit, before a request needs it.
        keys = KeyRing(
            self.vault(config),
            password_source=None if interactive else (lambda: ask_hidden("Vault password: ")),
            idle_lock_s=config.vault.idle_lock_minutes * 60 if interactive else None,
        )
        return Runtime(config, keys)


def ask_hidden(prompt: str) -> str:
    """Read a line without echo from the controlling terminal.

    Raises:
        VaultLockedError: there is no terminal to ask on.
    """
    import getpass

    from app.errors import VaultLockedError

    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    except OSError:
        raise VaultLockedError(
            "the vault password is needed and there is no terminal to ask it on",
            "Set ORCH_VAULT_PASSWORD.",
        ) from None
    try:
        return getpass.getpass(prompt)
    except EOFError:  # Ctrl-D at the prompt
        print(file=sys.stderr)
        raise UsageError("nothing was entered; nothing was changed") from None


# --- parsing -------------------------------------------------------------------


def _common(defaults: bool = True) -> argparse.ArgumentParser:
    """The global options, accepted anywhere. `defaults=False` for an action's parser:
    argparse would otherwise let its unset defaults overwrite what came before the action."""
    import argparse

    common = argparse.ArgumentParser(add_help=False, argument_default=None if defaults else argparse.SUPPRESS)
    common.add_argument("--config", metavar="PATH", help="config.yaml to use (env ORCH_CONFIG)")
    common.add_argument("--home", metavar="DIR", help="where state lives (env ORCH_HOME)")
    common.add_argument("--no-color", action="store_true", help="no colors (also NO_COLOR)")
    return common


def _main_parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="orch",
        parents=[_common()],
        description="An LLM orchestrator for the terminal. With no prompt: the chat REPL.",
        epilog=(
            "commands: orch chain NAME [INPUT] · orch models · "
            "orch vault init|set|list|remove|passwd|status · orch config check"
        ),
    )
    parser.add_argument("--version", action="version", version=f"orch {__version__}")
    parser.add_argument("-m", "--model", help="model name or alias (default: config's default_model)")
    parser.add_argument("-s", "--system", help="system prompt")
    parser.add_argument(
        "-o", "--option", action="append", default=[], metavar="KEY=VALUE", help="model option, e.g. temperature=0.2"
    )
    parser.add_argument("-c", "--continue", dest="resume_latest", action="store_true", help="resume the latest conversation")
    parser.add_argument("--resume", metavar="ID", help="resume conversation ID")
    parser.add_argument("prompt", nargs="*", help="prompt for a one-shot answer; stdin is appended")
    return parser


def _command_parser(name: str) -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(prog=f"orch {name}", parents=[_common()])
    if name == "chain":
        parser.add_argument("name", help="chain name from config.yaml")
        parser.add_argument("input", nargs="?", help="chain input (default: stdin)")
        parser.add_argument("vars", nargs="*", metavar="KEY=VALUE", help="template variables")
        parser.add_argument("--dry-run", action="store_true", help="show rendered prompts and order; call no model")
    elif name == "vault":
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        action = _action_adder(sub)
        action("init", help="create the vault")
        action("set", help="store a secret (value from a hidden prompt or stdin)").add_argument("name")
        action("list", help="names and masked values")
        action("remove", help="delete a secret").add_argument("name")
        action("passwd", help="change the vault password")
        action("status", help="where the vault is and how it is protected")
    elif name == "config":
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        _action_adder(sub)("check", help="validate config.yaml, models.yaml and chains")
    return parser


def _action_adder(sub):
    """`sub.add_parser` for an action that also takes the global options (`orch vault list --home DIR`)."""
    return lambda name, **kwargs: sub.add_parser(name, parents=[_common(defaults=False)], **kwargs)


_VALUED_OPTIONS = {"--config", "--home", "-m", "--model", "-s", "--system", "-o", "--option", "--resume"}


def _split_command(argv: Sequence[str]) -> int | None:
    """Index of a command word in argv (the first word that is not an option), or None."""
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            return None
        if word.startswith("-"):
            i += 2 if word in _VALUED_OPTIONS else 1
            continue
        return i if word in COMMANDS else None
    return None


def _asks_version(argv: Sequence[str]) -> bool:
    """Is `--version` among the options before the first word? (Answered without argparse's help machinery.)"""
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--version":
            return True
        if word == "--" or not word.startswith("-") or word == "-":
            return False
        i += 2 if word in _VALUED_OPTIONS else 1
    return False


def parse(argv: Sequence[str]) -> argparse.Namespace:
    at = _split_command(argv)
    if at is None:
        args = _main_parser().parse_args(argv)
        args.command = None
        return args
    name = argv[at]
    args = _main_parser().parse_args(argv[:at])
    command_parser = _command_parser(name)
    rest = argv[at + 1 :]
    # `orch chain NAME --dry-run INPUT`: options may sit between the positionals.
    command_args = command_parser.parse_intermixed_args(rest) if name == "chain" else command_parser.parse_args(rest)
    for key, value in vars(command_args).items():
        if value not in (None, False) or not hasattr(args, key):
            setattr(args, key, value)
    args.command = name
    return args


# --- entry point ---------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if _asks_version(argv):
        print(f"orch {__version__}")
        return 0
    try:
        args = parse(argv)
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_USAGE
    if args.no_color:
        os.environ["NO_COLOR"] = "1"
    ctx = Context(args)
    try:
        if args.command is None:
            return _run_default(ctx)
        from app import subcommands

        return subcommands.run(ctx, args.command)
    except OrchError as exc:
        report(exc)
        return exc.exit_code
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`orch ... | head`): not our failure. What stdout still
        # buffers goes nowhere, so that flushing it at exit cannot fail (exit 120) either.
        _discard_stdout()
        sys.stderr.close()
        return 0
    except Exception as exc:
        if os.environ.get("ORCH_DEBUG"):
            raise
        print(f"orch: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("Set ORCH_DEBUG=1 to see the traceback, and please report it.", file=sys.stderr)
        return 1


def _discard_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real stdout (a test's capture)
        pass


def report(exc: OrchError) -> None:
    """Print an error as a user should read it: one or two plain lines on stderr."""
    if os.environ.get("ORCH_DEBUG"):
        import traceback

        traceback.print_exception(exc, file=sys.stderr)  # ORCH_DEBUG only
    lines = exc.lines()
    print(f"orch: {lines[0]}", file=sys.stderr)
    for line in lines[1:]:
        print(line if line.startswith("  ") else f"  {line}", file=sys.stderr)


def _run_default(ctx: Context) -> int:
    args = ctx.args
    prompt = " ".join(args.prompt)
    if not sys.stdin.isatty():
        piped = sys.stdin.read()
        if piped.strip():
            prompt = f"{prompt}\n\n{piped}" if prompt else piped
    if prompt.strip():
        if args.resume_latest or args.resume:
            raise UsageError("--continue and --resume open the REPL; give no prompt with them")
        from app.oneshot import run_one_shot

        config, _ = ctx.load_config()
        return run_one_shot(ctx.runtime(config), args.model, prompt, args.system, parse_options(args.option))
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("no prompt given", 'Try: orch "your question", or run orch in a terminal for the REPL.')
    from app.ui.repl import run_repl

    return run_repl(ctx)


def parse_options(pairs: Sequence[str]) -> dict[str, Any]:
    """`-o KEY=VALUE` pairs as typed values (`0.2` is a float, `[a, b]` a list)."""
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
