"""What a chain run tells and leaves: progress events and step results.

The executor (chains.py) emits one `StepStarted`, any number of `StepText`,
then exactly one of `StepDone`, `StepSkipped`, `StepFailed` or
`StepCancelled` per step that it reached; the last four carry the step's
`StepResult`. A `ChainRun` gathers the results and the final output.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.types import AnswerRecord, Retry


@dataclass(frozen=True, slots=True)
class StepResult:
    """How one step ended.

    Attributes:
        record: the step's answer — whole, or as far as it came when the step failed or was
            cancelled; None for a step that was skipped.
        skipped_because: for a skipped step, the condition that did not hold.
    """

    step: str
    record: AnswerRecord | None = None
    skipped_because: str | None = None

    @property
    def output(self) -> str:
        """The step's output: empty for a skipped step, partial for one cut short."""
        return self.record.text if self.record else ""


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
    def records(self) -> list[AnswerRecord]:
        """The answers of the steps that ran, in the order they ended."""
        return [r.record for r in self.results.values() if r.record is not None]

    @property
    def input_tokens(self) -> int | None:
        return known_sum([r.input_tokens for r in self.records])

    @property
    def output_tokens(self) -> int | None:
        return known_sum([r.output_tokens for r in self.records])

    @property
    def cost(self) -> float | None:
        """Total cost, or None when a step that used tokens had no price."""
        if any(r.cost is None and r.counted for r in self.records):
            return None
        return known_sum([r.cost for r in self.records])


def known_sum(values: Iterable[Any]) -> Any:
    """The sum of the known values; None when none is known."""
    known = [v for v in values if v is not None]
    return sum(known) if known else None


@dataclass(frozen=True, slots=True)
class StepStarted:
    step: str
    model: str


@dataclass(frozen=True, slots=True)
class StepText:
    step: str
    text: str


@dataclass(frozen=True, slots=True)
class StepRetry:
    """A step's request is tried again after a wait (a 429, a 5xx, a dropped connection)."""

    step: str
    retry: Retry


@dataclass(frozen=True, slots=True)
class StepEnded:
    """A step is over; which of the four kinds below says how, and `result` what it left."""

    result: StepResult

    @property
    def step(self) -> str:
        return self.result.step


class StepDone(StepEnded):
    """The step answered."""

    __slots__ = ()


class StepSkipped(StepEnded):
    """The step's `when` did not hold; `result.skipped_because` says which condition."""

    __slots__ = ()


class StepFailed(StepEnded):
    """`result.record` holds the error and the text that arrived before it."""

    __slots__ = ()


class StepCancelled(StepEnded):
    """Cancelled while waiting or running (another step failed, or the run was cancelled)."""

    __slots__ = ()


ChainEvent = StepStarted | StepText | StepRetry | StepDone | StepSkipped | StepFailed | StepCancelled
Listener = Callable[[ChainEvent], None]
