"""`orch config check`: every problem in config.yaml, models.yaml and the chains, with file:line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.cli._subcommand import Action, with_actions
from app.errors import EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    import argparse

    from app.cli.wiring import Wiring


def check(args: argparse.Namespace, wiring: Wiring) -> int:
    from app import config as config_module

    path = config_module.discover(wiring.invocation.config_path)
    result = config_module.check(path)
    problems = list(result.problems)
    if result.config is not None:
        from app.chains import check_chains

        problems += check_chains(result.config, result.sources)
    print(f"config: {result.sources.config}")
    print(f"models: {result.sources.models}")
    if problems:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found")
        return EXIT_USAGE
    cfg = result.config
    assert cfg is not None
    print(f"ok: {len(cfg.providers)} providers, {len(cfg.models)} models, {len(cfg.chains)} chains")
    return EXIT_OK


ACTIONS = {
    "check": Action("validate config.yaml, models.yaml and chains", check),
}

COMMAND = with_actions("config", "the configuration", ACTIONS)
