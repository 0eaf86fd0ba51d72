"""A chain, checked and planned: its steps, what each needs, and when each runs.

A `ChainPlan` is what `check.build_plan` makes of a chain in config.yaml when
nothing is wrong with it; a `Problem` is one thing that is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from app.config import ModelConfig
from app.errors import UsageError

if TYPE_CHECKING:
    from jinja2 import Template

TESTS = ("contains", "not_contains", "equals", "matches")
Test = Literal["contains", "not_contains", "equals", "matches"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a chain, where it is in config.yaml and what it is."""

    loc: tuple
    chain: str
    step: str | None
    message: str

    def format(self, path: Path | None = None, lines: dict[tuple, int] | None = None) -> str:
        from app.config import line_for

        where = f"{path}:{line_for(self.loc, lines or {})}: " if path is not None else ""
        step = f", step '{self.step}'" if self.step else ""
        return f"{where}chain '{self.chain}'{step}: {self.message}"


@dataclass(frozen=True)
class Condition:
    """A step's `when`: one test on an earlier step's output."""

    step: str
    test: Test
    value: str
    pattern: re.Pattern[str] | None = None

    def holds(self, output: str) -> bool:
        if self.test == "contains":
            return self.value in output
        if self.test == "not_contains":
            return self.value not in output
        if self.test == "equals":
            return output.strip() == self.value
        assert self.pattern is not None
        return self.pattern.search(output) is not None

    def describe(self) -> str:
        verb = {"contains": "contains", "not_contains": "does not contain", "equals": "is", "matches": "matches"}
        return f"{self.step} {verb[self.test]} '{self.value}'"


@dataclass(frozen=True)
class StepPlan:
    """A checked step, its templates compiled.

    Args:
        model: None means the run's default model.
        needs: the steps it waits for (the step before, unless `needs` said otherwise).
        predecessors: every step that finishes before it starts (needs, transitively).
        level: 1 for steps that need nothing; otherwise one more than their deepest need.
        schema: the JSON Schema its output follows (`schema:`), or None for text.
    """

    id: str
    index: int
    prompt: Template
    prompt_source: str
    model: ModelConfig | None
    system: Template | None
    options: Mapping[str, Any]
    needs: tuple[str, ...]
    predecessors: frozenset[str]
    when: Condition | None
    level: int
    schema: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ChainPlan:
    name: str
    description: str | None
    steps: tuple[StepPlan, ...]
    output: tuple[str, ...]
    variables: Mapping[str, str | None] = field(default_factory=dict)
    uses_input: bool = True

    def step(self, step_id: str) -> StepPlan:
        return next(s for s in self.steps if s.id == step_id)

    def models(self, default: ModelConfig) -> list[ModelConfig]:
        """Every model the chain talks to, once each; `default` for the steps that name none."""
        return list({m.name: m for m in (s.model or default for s in self.steps)}.values())

    def chosen_output(self, outputs: Mapping[str, str]) -> str:
        """The chain's output from its steps' `outputs` (a step missing from them said nothing).

        A list under `output:` names alternatives (branches of which one runs, or a fallback):
        the first non-empty one wins.
        """
        said = [outputs.get(sid, "") for sid in self.output]
        return next((o for o in said if o.strip()), said[0] if said else "")

    def waves(self) -> list[list[StepPlan]]:
        """The steps by level: each wave can start once the waves before it are done."""
        depth = max(s.level for s in self.steps)
        return [[s for s in self.steps if s.level == n] for n in range(1, depth + 1)]

    def bind(self, given: Mapping[str, str]) -> dict[str, str]:
        """The run-time variables: `given` over the declared defaults.

        Raises:
            UsageError: a variable the chain does not declare, or a required one missing.
        """
        unknown = [k for k in given if k not in self.variables]
        if unknown:
            known = ", ".join(self.variables) or "none"
            raise UsageError(f"chain '{self.name}' has no variable '{unknown[0]}'", f"Its variables: {known}.")
        bound = {k: v for k, v in self.variables.items() if v is not None} | dict(given)
        missing = [k for k in self.variables if k not in bound]
        if missing:
            example = " ".join(f"{k}=…" for k in missing)
            raise UsageError(f"chain '{self.name}' needs {', '.join(missing)}", f"Give it as {example}.")
        return bound
