"""Chains: checked plans of steps, run as a graph with typed progress events.

`plan_chain` turns a chain of config.yaml into a `ChainPlan` (see
chain_plan.py for the checks); `run_chain` runs it. Every step starts as soon
as the steps it needs are done, so independent steps run concurrently in one
`asyncio.TaskGroup`. A step whose `when` does not hold is skipped and its
output is empty. A failing step cancels the running ones and the run raises
`StepFailedError` naming it, with the outputs so far kept; cancelling the run
(Ctrl-C) cancels every step. Progress is told to a listener as events;
nothing here prints.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import chain_templates as templates
from app.chain_events import (
    ChainEvent,
    ChainRun,
    Listener,
    StepCancelled,
    StepDone,
    StepFailed,
    StepResult,
    StepSkipped,
    StepStarted,
    StepText,
)
from app.chain_plan import (
    ChainPlan,
    Condition,
    Problem,
    StepPlan,
    _config_lines,
    build_plan,
    check_chains,
    format_problems,
)
from app.config import Config, ModelConfig
from app.errors import ChainError, ConfigError, OrchError, UsageError
from app.types import AnswerRecord, Message, TextDelta

if TYPE_CHECKING:
    from app.runtime import Runtime, Turn

__all__ = [
    "ChainEvent",
    "ChainPlan",
    "ChainRun",
    "Condition",
    "DryStep",
    "Problem",
    "StepCancelled",
    "StepDone",
    "StepFailed",
    "StepFailedError",
    "StepPlan",
    "StepResult",
    "StepSkipped",
    "StepStarted",
    "StepText",
    "check_chains",
    "describe_dry_run",
    "dry_run",
    "plan_chain",
    "run_chain",
]


class StepFailedError(ChainError):
    """A step failed and the chain stopped. `run` keeps the outputs so far."""

    def __init__(self, step: str, run: ChainRun, cause: BaseException) -> None:
        reason = cause.message if isinstance(cause, OrchError) else f"{type(cause).__name__}: {cause}"
        hint = cause.hint if isinstance(cause, OrchError) else None
        super().__init__(f"chain '{run.chain}' stopped: step '{step}' failed: {reason}", hint)
        self.step = step
        self.run = run
        self.cause = cause


class _StepFailure(Exception):
    def __init__(self, step: str, cause: BaseException) -> None:
        super().__init__(step)
        self.step = step
        self.cause = cause


# --- planning -----------------------------------------------------------------------


def plan_chain(config: Config, name: str, sources: Any = None) -> ChainPlan:
    """The checked plan of the chain called `name`.

    Args:
        sources: where the config came from; with it problems carry `file:line`.

    Raises:
        UsageError: no chain of that name.
        ConfigError: the chain has problems (every one is listed).
    """
    if name not in config.chains:
        import difflib

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


def _context(step: StepPlan, input: str, variables: Mapping[str, str], outputs: Mapping[str, str]) -> dict[str, Any]:
    """What a step's templates see: the variables, `input`, and the outputs of the steps before it."""
    steps = {sid: outputs.get(sid, "") for sid in step.predecessors}
    return {**variables, templates.INPUT: input, templates.STEPS: steps}


@dataclass(frozen=True)
class DryStep:
    """What a step would do: its wave, model, condition and rendered prompts (earlier outputs as placeholders)."""

    id: str
    wave: int
    model: str
    needs: tuple[str, ...]
    when: str | None
    system: str | None
    prompt: str


def dry_run(
    plan: ChainPlan, input: str, variables: Mapping[str, str], default_model: str, default_system: str | None = None
) -> list[DryStep]:
    """Render every step's prompts, with `⟨id⟩` in place of earlier outputs, without calling a model.

    Raises:
        UsageError: variables the chain does not declare, or required ones missing.
    """
    bound = plan.bind(variables)
    placeholders = {s.id: f"⟨{s.id}⟩" for s in plan.steps}
    shown = []
    for wave, steps in enumerate(plan.waves(), start=1):
        for step in steps:
            context = _context(step, input or "⟨input⟩", bound, placeholders)
            try:
                prompt = templates.render(step.prompt, context)
                system = templates.render(step.system, context) if step.system else default_system
            except templates.TemplateProblem as exc:
                prompt, system = f"({exc})", None
            model = step.model.name if step.model else default_model
            when = step.when.describe() if step.when else None
            shown.append(DryStep(step.id, wave, model, step.needs, when, system, prompt))
    return shown


def describe_dry_run(plan: ChainPlan, steps: Sequence[DryStep]) -> str:
    """The order steps would run in, waves of concurrent steps, and each step's rendered prompts."""
    out = [f"chain {plan.name}" + (f" — {plan.description}" if plan.description else "")]
    waves = max(s.wave for s in steps)
    for wave in range(1, waves + 1):
        these = [s for s in steps if s.wave == wave]
        together = " (concurrently)" if len(these) > 1 else ""
        out.append(f"\n{wave}. {', '.join(s.id for s in these)}{together}")
        for step in these:
            facts = [step.model] + ([f"needs {', '.join(step.needs)}"] if step.needs else [])
            facts += [f"only if {step.when}"] if step.when else []
            out.append(f"   [{step.id}] " + " · ".join(facts))
            if step.system:
                out.append("     system: " + step.system.strip().replace("\n", "\n             "))
            out.append("     prompt: " + step.prompt.strip().replace("\n", "\n             "))
    out.append(f"\noutput: {' + '.join(plan.output)}")
    return "\n".join(out)


# --- running ----------------------------------------------------------------------


class _Execution:
    """The state of one run: who is done, what each step said."""

    def __init__(self, runtime: Runtime, plan: ChainPlan, run: ChainRun, default_model: ModelConfig,
                 default_system: str | None, listener: Listener | None) -> None:  # fmt: skip
        self.runtime = runtime
        self.plan = plan
        self.run = run
        self.default_model = default_model
        self.default_system = default_system
        self.emit = listener or (lambda event: None)
        self.finished = {s.id: asyncio.Event() for s in plan.steps}

    def output(self, sid: str) -> str:
        result = self.run.results.get(sid)
        return result.output if result else ""

    def end(self, event: StepDone | StepSkipped | StepFailed | StepCancelled) -> None:
        self.run.results[event.result.step] = event.result
        self.emit(event)

    async def step(self, step: StepPlan) -> None:
        model = step.model or self.default_model
        turn: Turn | None = None
        try:
            for need in step.needs:
                await self.finished[need].wait()
            if step.when is not None and not step.when.holds(self.output(step.when.step)):
                self.end(StepSkipped(StepResult(step.id, skipped_because=step.when.describe())))
                self.finished[step.id].set()
                return
            context = _context(step, self.run.input, self.run.variables, self.run.outputs)
            prompt = templates.render(step.prompt, context)
            system = templates.render(step.system, context) if step.system else self.default_system
            self.emit(StepStarted(step.id, model.name))
            turn = self.runtime.answer(model, [Message("user", prompt)], system=system, options=step.options)
            async with turn:
                async for event in turn:
                    if isinstance(event, TextDelta) and event.text:
                        self.emit(StepText(step.id, event.text))
        except asyncio.CancelledError:
            record = turn.record if turn else AnswerRecord(model.name, status="interrupted", seconds=0.0)
            self.end(StepCancelled(StepResult(step.id, record)))
            raise
        except Exception as exc:
            message = exc.message if isinstance(exc, OrchError) else str(exc)
            record = turn.record if turn else AnswerRecord(model.name, status="error", seconds=0.0, error=message)
            self.end(StepFailed(StepResult(step.id, record)))
            raise _StepFailure(step.id, exc) from exc
        else:
            self.end(StepDone(StepResult(step.id, turn.record)))
            # Only a step that ended well releases the steps that need it: after a
            # failure they must not start in the moment before they are cancelled.
            self.finished[step.id].set()


def _prepare_providers(runtime: Runtime, models: Sequence[ModelConfig]) -> None:
    """Build each model's adapter now: its first-use imports and HTTP client would otherwise hold up the
    steps that start with it. A failure here is met again, and reported, by the step that uses the model."""
    for model in {m.name: m for m in models}.values():
        try:
            runtime.prepare([model])
        except OrchError:
            pass


async def run_chain(
    runtime: Runtime,
    plan: ChainPlan,
    input: str,
    variables: Mapping[str, str] | None = None,
    *,
    listener: Listener | None = None,
    default_model: ModelConfig | None = None,
    default_system: str | None = None,
) -> ChainRun:
    """Run `plan` on `input`.

    Args:
        variables: run-time `KEY=VALUE` pairs (checked against the chain's declared variables).
        listener: told every `ChainEvent`, synchronously, in the order they happen.
        default_model: for steps that name no model (default: config's `default_model`).
        default_system: the system prompt of steps that give none.

    Raises:
        UsageError: bad variables (before any step runs).
        StepFailedError: a step failed; its `run` holds the outputs so far.
        asyncio.CancelledError: the run was cancelled; every step was cancelled with it.
    """
    bound = plan.bind(variables or {})
    model = default_model or runtime.model(runtime.config.default_model)
    run = ChainRun(plan.name, input, bound)
    execution = _Execution(runtime, plan, run, model, default_system, listener)
    started = time.monotonic()
    _prepare_providers(runtime, [s.model or model for s in plan.steps])
    try:
        async with asyncio.TaskGroup() as group:
            for step in plan.steps:
                group.create_task(execution.step(step), name=f"chain {plan.name} step {step.id}")
    except BaseExceptionGroup as failures:
        first = next((e for e in failures.exceptions if isinstance(e, _StepFailure)), None)
        if first is None:
            raise
        raise StepFailedError(first.step, run, first.cause) from first.cause
    finally:
        run.seconds = time.monotonic() - started
    outputs = [run.results[sid].output for sid in plan.output]
    # A list names alternatives (branches of which one runs, or a fallback): the first non-empty wins.
    run.output = next((o for o in outputs if o.strip()), outputs[0] if outputs else "")
    return run
