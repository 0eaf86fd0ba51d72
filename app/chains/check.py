"""From a chain in config.yaml to a checked plan, or to the list of what is wrong.

`build_plan` checks everything that can be known before a chain runs: unique
step ids, known models, `needs` that exist, no cycles, valid options, `when`
conditions on steps that run before (with exactly one test, a regex that
compiles) and templates that name only known variables and earlier steps.
Every problem is a `Problem` located by its YAML path, so that `orch config
check` can print it as `file:line: chain 'c', step 's': what is wrong`.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.chains._planner import Planner
from app.chains.plan import ChainPlan, Problem
from app.config import Config
from app.errors import ConfigError, UsageError

def build_plan(config: Config, name: str) -> tuple[ChainPlan | None, list[Problem]]:
    """Check the chain `name` and, when nothing is wrong, plan it."""
    return Planner(config, name, config.chains[name]).build()


def check_chains(config: Config, sources: Any) -> list[str]:
    """Every problem in every chain, as `file:line: chain 'c', step 's': message`."""
    if not config.chains:
        return []
    path = Path(sources.config)
    lines = _config_lines(path)
    problems: list[str] = []
    for name in config.chains:
        problems += format_problems(build_plan(config, name)[1], path, lines)
    return problems


def format_problems(
    problems: Sequence[Problem], path: Path | None = None, lines: dict[tuple, int] | None = None
) -> list[str]:
    """`problems` as lines for the user, in the order of the file."""
    from app.config import line_for

    ordered = sorted(problems, key=lambda p: line_for(p.loc, lines or {}))
    return [p.format(path, lines) for p in ordered]


def _config_lines(path: Path) -> dict[tuple, int]:
    from app.config import load_with_lines

    try:
        return load_with_lines(path.read_text(encoding="utf-8"))[1]
    except Exception:  # the file changed under us; problems then point at line 1
        return {}


def plan_chain(config: Config, name: str, sources: Any = None) -> ChainPlan:
    """The checked plan of the chain called `name`.

    Args:
        sources: where the config came from; with it problems carry `file:line`.

    Raises:
        UsageError: no chain of that name.
        ConfigError: the chain has problems (every one is listed).
    """
    if name not in config.chains:
        near = difflib.get_close_matches(name, list(config.chains), n=3)
        hint = f"Did you mean {', '.join(near)}?" if near else f"Known chains: {', '.join(config.chains) or 'none'}."
        raise UsageError(f"unknown chain '{name}'", hint)
    plan, problems = build_plan(config, name)
    if plan is None:
        if sources is not None:
            path = Path(sources.config)
            raise ConfigError(format_problems(problems, path, _config_lines(path)))
        raise ConfigError(format_problems(problems))
    return plan
