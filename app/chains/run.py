"""Running a chain: every step as soon as the steps it needs are done.

`run_chain` runs a `ChainPlan` (see check.py) as a graph: independent steps
run concurrently in one `asyncio.TaskGroup`, each taking its answer through
`runtime.answer()`. A step whose `when` does not hold is skipped and its
output is empty. A failing step cancels the running ones and the run raises
`StepFailedError` naming it, with the outputs so far kept; cancelling the run
(Ctrl-C) cancels every step. Progress is told to a listener as events;
nothing here prints.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.chains import templates
from app.chains._structured import structured
from app.chains.events import (
    ChainRun,
    Listener,
    StepCancelled,
    StepDone,
    StepFailed,
    StepResult,
    StepRetry,
    StepSkipped,
    StepStarted,
    StepText,
)
from app.chains.plan import ChainPlan, StepPlan
from app.attachments import check_sendable
from app.config import ModelConfig
from app.errors import ChainError, OrchError
from app.schema import check_answer
from app.types import AnswerRecord, Message, Part, Retry, TextDelta

if TYPE_CHECKING:
    from app.runtime import Runtime, Turn
    from app.tools import Selection, ToolSession


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


def step_context(step: StepPlan, input: str, variables: Mapping[str, str], outputs: Mapping[str, Any]) -> dict[str, Any]:
    """What a step's templates see: the variables, `input`, and the outputs of the steps before it
    (a JSON step's as a `StructuredOutput`, whose fields templates read)."""
    steps = {sid: outputs.get(sid, "") for sid in step.predecessors}
    return {**variables, templates.INPUT: input, templates.STEPS: steps}


# --- running ----------------------------------------------------------------------


class _Execution:
    """The state of one run: who is done, what each step said."""

    def __init__(self, runtime: Runtime, plan: ChainPlan, run: ChainRun, default_model: ModelConfig,
                 default_system: str | None, listener: Listener | None, base_dir: Path,
                 tools: ToolSession | None = None) -> None:  # fmt: skip
        self.runtime = runtime
        self.base_dir = base_dir
        self.plan = plan
        self.run = run
        self.default_model = default_model
        self.default_system = default_system
        self.emit = listener or (lambda event: None)
        self.tools = tools
        self.finished = {s.id: asyncio.Event() for s in plan.steps}
        self.structured: dict[str, Any] = {}

    def output(self, sid: str) -> str:
        result = self.run.results.get(sid)
        return result.output if result else ""

    def end(self, event: StepDone | StepSkipped | StepFailed | StepCancelled) -> None:
        self.run.results[event.result.step] = event.result
        self.emit(event)

    def step_tools(self, step: StepPlan) -> Selection | None:
        """The tools a step's `tools:` names (none unless it names some); its calls refuse what must be asked."""
        chain = self.runtime.config.chains.get(self.plan.name)
        names = next((s.tools for s in chain.steps if s.id == step.id), []) if chain is not None else []
        return self.tools.selection(names) if self.tools is not None and names else None

    async def question(self, step: StepPlan, prompt: str) -> Message:
        """The step's prompt, after what its `attach:` names (paths relative to the config file's folder)."""
        declared = self.runtime.config.chains.get(self.plan.name)
        specs = declared.steps[step.index].attach if declared is not None and step.index < len(declared.steps) else []
        if not specs:
            return Message("user", prompt)
        from app.attachments import collect

        attached = await collect(specs, base_dir=self.base_dir, fetch=self.runtime.client())
        return Message("user", prompt, (*attached, Part("text", prompt)))

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
            context = step_context(step, self.run.input, self.run.variables, self.run.outputs | self.structured)
            prompt = await templates.render_async(step.prompt, context)
            system = await templates.render_async(step.system, context) if step.system else self.default_system
            messages = [await self.question(step, prompt)]
            check_sendable(model, messages, system, self.runtime.config.models)
            self.emit(StepStarted(step.id, model.name))
            turn = self.runtime.answer(model, messages, system=system, options=step.options,
                                       tools=self.step_tools(step), schema=step.schema)  # fmt: skip
            async with turn:
                async for event in turn:
                    if isinstance(event, TextDelta) and event.text:
                        self.emit(StepText(step.id, event.text))
                    elif isinstance(event, Retry):
                        self.emit(StepRetry(step.id, event))
            if step.schema is not None:  # a JSON output: later templates read its fields
                self.structured[step.id] = structured(check_answer(turn.record.text, step.schema), turn.record.text)
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


async def run_chain(
    runtime: Runtime,
    plan: ChainPlan,
    input: str,
    variables: Mapping[str, str] | None = None,
    *,
    listener: Listener | None = None,
    default_model: ModelConfig | None = None,
    default_system: str | None = None,
    tools: ToolSession | None = None,
    base_dir: Path | None = None,
) -> ChainRun:
    """Run `plan` on `input`.

    Args:
        variables: run-time `KEY=VALUE` pairs (checked against the chain's declared variables).
        listener: told every `ChainEvent`, synchronously, in the order they happen.
        default_model: for steps that name no model (default: config's `default_model`).
        default_system: the system prompt of steps that give none.
        tools: the session's tools, of which a step's `tools:` chooses.
        base_dir: what a step's `attach:` paths are relative to: the config file's folder
            (default: the working folder).

    Raises:
        UsageError: bad variables (before any step runs).
        StepFailedError: a step failed; its `run` holds the outputs so far.
        asyncio.CancelledError: the run was cancelled; every step was cancelled with it.
    """
    bound = plan.bind(variables or {})
    model = default_model or runtime.model(runtime.config.default_model)
    run = ChainRun(plan.name, input, bound)
    execution = _Execution(runtime, plan, run, model, default_system, listener, base_dir or Path.cwd(), tools)
    started = time.monotonic()
    try:
        # Built now, each adapter's first-use imports and HTTP client do not hold up the steps that
        # start with it. A key that cannot be had is met again, and reported, by the step that needs it.
        runtime.prepare(plan.models(model))
    except OrchError:
        pass
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
    run.output = plan.chosen_output({sid: result.output for sid, result in run.results.items()})
    return run
