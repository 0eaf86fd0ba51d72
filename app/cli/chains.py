"""`orch chains`: the chains of config.yaml, each with its steps as a tree."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from app.cli._subcommand import Subcommand
from app.errors import EXIT_OK

if TYPE_CHECKING:
    import argparse

    from app.cli.wiring import Wiring


def run(args: argparse.Namespace, wiring: Wiring) -> int:
    from app.chains import build_plan
    from app.commands.chains import step_tree

    config, _ = wiring.config()
    if not config.chains:
        print("no chains yet: declare them under `chains:` in config.yaml")
        return EXIT_OK
    default_model = config.find_model(config.default_model).name
    for name, chain in config.chains.items():
        plan, problems = build_plan(config, name)
        print(name + (f" — {chain.description}" if chain.description else ""))
        steps = step_tree(plan, default_model) if plan else f"{len(problems)} problem(s): run `orch config check`"
        print(textwrap.indent(steps, "  "))
    return EXIT_OK


COMMAND = Subcommand("chains", "the chains with their steps", lambda parser: None, run)
