"""What a chain run tells and leaves: progress events and step results.

The executor (chains.py) emits one `StepStarted`, any number of `StepText`,
then exactly one of `StepDone`, `StepSkipped`, `StepFailed` or
`StepCancelled` per step that it reached; the last four carry the step's
`StepResult`. A `ChainRun` gathers the results and the final output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Status = Literal["done", "skipped", "failed", "cancelled"]


@dataclass
class StepResult:
    """How one step ended.

    `output` is empty for a skipped step and partial for a failed or cancelled
    one; `error` is why a step failed, or for a skipped one the condition that did not hold.
    """

    step: str
    model: str
    status: Status
    output: str = ""
    seconds: float = 0.0
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None
    error: str | None = None


@dataclass
class ChainRun:
    """A run of a chain: each step's result (in the order they ended) and the final output."""

    chain: str
    input: str
    variables: Mapping[str, str] = field(default_factory=dict)
    results: dict[str, StepResult] = field(default_factory=dict)
    output: str = ""
    seconds: float = 0.0

    @property
    def outputs(self) -> dict[str, str]:
        return {sid: r.output for sid, r in self.results.items()}

    @property
    def input_tokens(self) -> int:
        return sum(r.input_tokens or 0 for r in self.results.values())

    @property
    def output_tokens(self) -> int:
        return sum(r.output_tokens or 0 for r in self.results.values())

    @property
    def cost(self) -> float | None:
        """Total cost, or None when a step that used tokens had no price."""
        total = 0.0
        for r in self.results.values():
            if r.cost is None and (r.input_tokens or r.output_tokens):
                return None
            total += r.cost or 0.0
        return total


@dataclass(frozen=True, slots=True)
class StepStarted:
    step: str
    model: str


@dataclass(frozen=True, slots=True)
class StepText:
    step: str
    text: str


@dataclass(frozen=True, slots=True)
class StepDone:
    result: StepResult

    @property
    def step(self) -> str:
        return self.result.step


@dataclass(frozen=True, slots=True)
class StepSkipped:
    """The step's `when` did not hold; `result.error` says which condition."""

    result: StepResult

    @property
    def step(self) -> str:
        return self.result.step


@dataclass(frozen=True, slots=True)
class StepFailed:
    """`result.error` is the message; `result.output` the text that arrived before."""

    result: StepResult

    @property
    def step(self) -> str:
        return self.result.step


@dataclass(frozen=True, slots=True)
class StepCancelled:
    """Cancelled while waiting or running (another step failed, or the run was cancelled)."""

    result: StepResult

    @property
    def step(self) -> str:
        return self.result.step


ChainEvent = StepStarted | StepText | StepDone | StepSkipped | StepFailed | StepCancelled
Listener = Callable[[ChainEvent], None]
