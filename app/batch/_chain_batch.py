"""A chain run through the providers' batch engines: its steps level by level, one batch per step.

The steps of a level go out together once the level before is whole. Each
step is one provider batch (OpenAI takes one model per batch) holding a
request for every row still going, its prompt rendered from the row's input,
variables and earlier outputs as a local run renders it. What is sent and
what comes back is recorded in history.db (`batch_steps`, `batch_step_rows`)
as it happens, so `advance` goes on from any later process. A row whose step
failed goes no further and ends as an error row; a step whose `when` does not
hold is skipped for that row (its output empty), as in a local run. Once the
last level is read, each row's chain output (the `output:` rule) goes to
`batch_rows`. Nothing here prints.

    chain = ChainBatch(runtime, plan, store, run, default_model=model, system=None)
    progress = await chain.advance()    # sends the next level, or reads the one that is out
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.chains import known_sum
from app.errors import OrchError, UsageError
from app.store import BatchRow, BatchStep

from app.batch._inputs import BatchInput, read_inputs
from app.batch._provider_batch import BatchState, ProviderBatch, custom_id, row_of

if TYPE_CHECKING:
    from app.chains import ChainPlan, StepPlan
    from app.config import ModelConfig
    from app.runtime import Runtime
    from app.store import BatchRun, BatchStore

Results = dict[str, dict[int, BatchRow]]
"""Each step's row results so far: step id -> row position -> result."""

SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class ChainProgress:
    """What one `advance` did.

    Attributes:
        sent: the step batches it handed to the providers (a step no row needed has no batch id).
        pending: the steps whose batches are still out.
        finished: every level is read and each row's result is in `batch_rows`.
    """

    sent: tuple[BatchStep, ...]
    pending: tuple[str, ...]
    finished: bool


class ChainBatch:
    """The chain `plan` over the rows of `run`, through provider batches.

    Args:
        default_model: for the steps that name none.
        system: the system prompt of the steps that give none.

    Raises:
        UsageError: a step uses tools or `attach:` (a batch request is one prompt, and runs no
            tools), or its model's provider has no batch API orch speaks; the step is named.
    """

    def __init__(self, runtime: Runtime, plan: ChainPlan, store: BatchStore, run: BatchRun, *,
                 default_model: ModelConfig, system: str | None) -> None:  # fmt: skip
        _refuse_what_a_batch_cannot_send(runtime, plan)
        self._plan, self._store, self._run, self._system = plan, store, run, system
        self._models = {step.id: step.model or default_model for step in plan.steps}
        self._engines = {step.id: _engine(runtime, plan, step, self._models[step.id]) for step in plan.steps}
        self._items: list[tuple[BatchInput, dict[str, str]]] | None = None

    def model(self, step: str) -> ModelConfig:
        return self._models[step]

    async def advance(self) -> ChainProgress:
        """Read every ended batch of the level that is out; once the level is whole, send the next one.

        Raises:
            ProviderError: a batch API refused a call (what was recorded before it stays).
        """
        steps = self._store.batch_steps(self._run.id)
        results: Results = self._store.batch_step_rows(self._run.id)
        sent: list[BatchStep] = []
        for wave in self._plan.waves():
            for step in wave:
                if step.id not in steps:
                    steps[step.id] = await self._send(step, results)
                    sent.append(steps[step.id])
            for step in wave:
                if steps[step.id].state == "submitted" and steps[step.id] not in sent:
                    steps[step.id] = await self._collect(step, steps[step.id], results)
            pending = tuple(s.id for s in wave if steps[s.id].state == "submitted")
            if pending:
                return ChainProgress(tuple(sent), pending, False)
        self._store.add_batch_rows(self._run.id, [self._chain_row(item, results) for item, _ in self._live()])
        return ChainProgress(tuple(sent), (), True)

    async def states(self) -> list[tuple[str, BatchStep | None, BatchState | None]]:
        """Each step, its recorded batch (None before its level goes out) and what its provider says of it."""
        steps = self._store.batch_steps(self._run.id)
        found = []
        for step in self._plan.steps:
            record = steps.get(step.id)
            state = None
            if record is not None and record.state == "submitted" and record.provider_batch_id:
                state = await self._engines[step.id].api.state(record.provider_batch_id)
            found.append((step.id, record, state))
        return found

    # -- one step ---------------------------------------------------------------------------

    async def _send(self, step: StepPlan, results: Results) -> BatchStep:
        """Render the step's prompt for every row still going and send them as one batch."""
        from app.chains import templates
        from app.chains.run import step_context

        engine = self._engines[step.id]
        requests, decided = [], []
        for item, variables in self._going(step, results):
            outputs = self._outputs(item.row, results)
            if step.when is not None and not step.when.holds(str(outputs.get(step.when.step, ""))):
                decided.append(BatchRow(item.row, item.id, SKIPPED, ""))
                continue
            try:
                context = step_context(step, item.text, variables, outputs)
                prompt = templates.render(step.prompt, context)
                system = templates.render(step.system, context) if step.system else self._system
                requests.append((custom_id(item.row), engine.prompt_body(prompt, system)))
            except OrchError as exc:
                decided.append(BatchRow(item.row, item.id, "error", "", error=exc.message))
        results.setdefault(step.id, {}).update((r.row, r) for r in decided)
        provider = self._models[step.id].provider
        if requests:
            record = BatchStep(step.id, provider, await engine.api.submit(requests), "submitted", len(requests))
        else:
            record = BatchStep(step.id, provider, None, "none", 0)
        self._store.add_batch_step(self._run.id, record, decided)
        return record

    async def _collect(self, step: StepPlan, record: BatchStep, results: Results) -> BatchStep:
        """The step's results, if its batch ended (a row sent that got none is an error)."""
        engine = self._engines[step.id]
        assert record.provider_batch_id is not None
        if not (await engine.api.state(record.provider_batch_id)).ended:
            return record
        mine = results.setdefault(step.id, {})
        sent = {item.row: item.id for item, _ in self._going(step, results) if item.row not in mine}
        read = []
        async for ident, response, error in engine.api.results(record.provider_batch_id):
            row = row_of(ident)
            if row in sent:
                read.append(_checked(engine.parse(row, sent.pop(row), response, error), step))
        missing = "the batch gave no result for it"
        read += [BatchRow(row, ident, "error", "", error=missing) for row, ident in sent.items()]
        mine.update((r.row, r) for r in read)
        done = replace(record, state="done")
        self._store.add_batch_step(self._run.id, done, read)
        return done

    # -- rows --------------------------------------------------------------------------------

    def _live(self) -> list[tuple[BatchInput, dict[str, str]]]:
        """The rows that run through the chain, with their variables; a line that is not an input, or
        whose variables the chain does not take, is an error row in `batch_rows` at once."""
        if self._items is None:
            items, failed = [], []
            done = self._store.done_batch_rows(self._run.id)
            for item in read_inputs(Path(self._run.input.path), skip=done):
                try:
                    if item.problem is not None:
                        raise UsageError(item.problem)
                    items.append((item, self._plan.bind(item.variables)))
                except OrchError as exc:
                    failed.append(BatchRow(item.row, item.id, "error", "", error=exc.message))
            self._store.add_batch_rows(self._run.id, failed)
            self._items = items
        return self._items

    def _going(self, step: StepPlan, results: Results) -> Iterator[tuple[BatchInput, dict[str, str]]]:
        """The rows no step of an earlier level failed for."""
        earlier = [results.get(s.id, {}) for s in self._plan.steps if s.level < step.level]
        for item, variables in self._live():
            if not any(item.row in rows and rows[item.row].status == "error" for rows in earlier):
                yield item, variables

    def _outputs(self, row: int, results: Results) -> dict[str, Any]:
        """What templates see of the row's earlier outputs (a JSON step's fields, read again from its text)."""
        from app.chains._structured import structured

        outputs: dict[str, Any] = {}
        for sid, rows in results.items():
            if row in rows:
                result, schema = rows[row], self._plan.step(sid).schema
                outputs[sid] = result.output
                if schema is not None and result.status != SKIPPED:
                    from app.schema import check_answer

                    outputs[sid] = structured(check_answer(result.output, schema), result.output)
        return outputs

    def _chain_row(self, item: BatchInput, results: Results) -> BatchRow:
        """The row's chain result: the `output:` rule over its steps, or the step that failed; costs summed."""
        mine = [(s.id, results.get(s.id, {}).get(item.row)) for s in self._plan.steps]
        ran = [r for _, r in mine if r is not None]
        totals = (known_sum(r.input_tokens for r in ran), known_sum(r.output_tokens for r in ran),
                  known_sum(r.cost for r in ran))  # fmt: skip
        failed = next(((sid, r) for sid, r in mine if r is not None and r.status == "error"), None)
        if failed is not None:
            error = f"chain '{self._plan.name}' stopped: step '{failed[0]}' failed: {failed[1].error}"
            return BatchRow(item.row, item.id, "error", "", *totals, error=error)
        output = self._plan.chosen_output({sid: r.output for sid, r in mine if r is not None})
        return BatchRow(item.row, item.id, "complete", output, *totals)


def _checked(result: BatchRow, step: StepPlan) -> BatchRow:
    """A JSON step's answer must follow its schema, as in a local run."""
    if step.schema is None or result.status == "error":
        return result
    from app.schema import check_answer

    try:
        check_answer(result.output, step.schema)
    except OrchError as exc:
        return replace(result, status="error", error=exc.message)
    return result


def _refuse_what_a_batch_cannot_send(runtime: Runtime, plan: ChainPlan) -> None:
    declared = runtime.config.chains.get(plan.name)
    for step in plan.steps:
        spec = declared.steps[step.index] if declared is not None and step.index < len(declared.steps) else None
        where = f"chain '{plan.name}', step '{step.id}'"
        if spec is not None and spec.tools:
            raise UsageError(f"{where} uses tools, and a provider batch cannot run tools")
        if spec is not None and spec.attach:
            raise UsageError(f"{where} attaches files, which a provider batch does not send")


def _engine(runtime: Runtime, plan: ChainPlan, step: StepPlan, model: ModelConfig) -> ProviderBatch:
    try:
        return ProviderBatch(runtime, model, options=step.options, schema=step.schema)
    except UsageError as exc:
        raise UsageError(f"chain '{plan.name}', step '{step.id}' ({model.name}): {exc.message}", exc.hint) from None
