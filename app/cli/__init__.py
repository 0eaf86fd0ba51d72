"""Command line: argv -> what to run, and the one place errors become exit codes.

Start-up stays light: `orch --version` is answered before argparse and the
subcommand list are imported, and the heavy parts (httpx, cryptography,
rich.markdown, jinja2) are imported by the code paths that need them.
"""

from __future__ import annotations

import os
import sys

from app import __version__
from app.cli._options import first_word
from app.errors import EXIT_INTERRUPTED, EXIT_USAGE, OrchError

# typing and collections.abc cost start-up time: they stay out of `orch --version`
# (type checkers read this constant as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main", "report"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run `orch` with `argv` (default: the process's); returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if first_word(argv)[1]:
        print(f"orch {__version__}")
        return 0
    from app.cli import _startup

    _startup.starting()
    try:
        return _run(argv)
    finally:
        _startup.ready()  # also when start-up itself failed


def _run(argv: list[str]) -> int:
    from app.cli import _parse, _startup

    try:
        args, command = _parse.parse(argv)
    except SystemExit as exc:  # argparse: --help, usage errors
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_USAGE
    if args.no_color:
        os.environ["NO_COLOR"] = "1"
    try:
        from app.cli.wiring import Wiring

        wiring = Wiring(_parse.invocation(args, default_command=command is None))
        try:
            if command is None:
                from app.cli.oneshot import run_default

                return run_default(wiring)
            _startup.ready()
            return command.run(args, wiring)
        finally:
            wiring.close()
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
