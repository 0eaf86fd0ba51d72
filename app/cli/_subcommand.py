"""What a subcommand declares, and the table its actions (`orch vault list`) are run from."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, NamedTuple

from app.cli._options import global_parser
from app.errors import UsageError

if TYPE_CHECKING:
    import argparse

    from app.cli.wiring import Wiring

Run = Callable[["argparse.Namespace", "Wiring"], int]


class Subcommand(NamedTuple):
    """`orch NAME …`: its parser and the help are generated from these.

    Attributes:
        name: the word that selects it.
        help: one line for `orch --help`.
        add_arguments: adds its own arguments to its parser (the global options are there already).
        run: does it, given the parsed arguments and the wiring; returns the exit code.
    """

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Run


class Action(NamedTuple):
    """One action of a subcommand that has several (`orch vault set NAME`)."""

    help: str
    run: Run
    arguments: tuple[str, ...] = ()  # its positional arguments, each one word


def add_actions(parser: argparse.ArgumentParser, actions: Mapping[str, Action]) -> None:
    """An ACTION argument choosing among `actions`; each action takes the global options too.
    With none given, the subcommand lists them (see `with_actions`) rather than argparse erring."""
    sub = parser.add_subparsers(dest="action", required=False, metavar="ACTION")
    for name, action in actions.items():
        action_parser = sub.add_parser(name, help=action.help, parents=[global_parser(defaults=False)])
        for argument in action.arguments:
            action_parser.add_argument(argument)


def with_actions(name: str, about: str, actions: Mapping[str, Action]) -> Subcommand:
    """A subcommand whose first word is one of `actions`; its help lists them after `about`."""
    usages = {word: " ".join((word, *(a.upper() for a in action.arguments))) for word, action in actions.items()}

    def run(args: argparse.Namespace, wiring: Wiring) -> int:
        action = getattr(args, "action", None)
        if action is None:
            width = max(map(len, usages.values()))
            listed = "\n".join(f"  orch {name} {usages[w]:<{width}}  {a.help}" for w, a in actions.items())
            raise UsageError(f"orch {name} needs an action:", listed)
        return actions[action].run(args, wiring)

    return Subcommand(name, f"{about}: {' | '.join(usages.values())}", lambda parser: add_actions(parser, actions), run)
