"""`orch batch … --provider-batch`, and `orch batch status|fetch|resume ID` of such a run.

Submitting records the provider's batch id in history.db before saying it,
so `status` and `fetch` work from any later process, by orch's run id or the
provider's batch id. `fetch` writes OUT once the provider says the batch ended.
A chain goes level by level (app/batch/_chain_batch.py): submitting sends its
first level, each `fetch` reads the level that is out and sends the next, and
the last one writes OUT.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import EXIT_OK, UsageError

if TYPE_CHECKING:
    from app.batch._chain_batch import ChainBatch, ChainProgress
    from app.batch._provider_batch import ProviderBatch
    from app.cli.wiring import Wiring
    from app.runtime import Runtime
    from app.store import BatchRun, BatchStore


def _engine(wiring: Wiring, batch_run: BatchRun) -> tuple[Runtime, ProviderBatch]:
    from app.batch._provider_batch import ProviderBatch

    runtime = wiring.runtime()
    config, _ = wiring.config()
    return runtime, ProviderBatch(runtime, runtime.model(batch_run.target), config.system_prompt)


def _run(runtime: Runtime, work: Callable[[], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        try:
            return await work()
        finally:
            await runtime.aclose()

    return asyncio.run(go())


def submit(wiring: Wiring, store: BatchStore, batch_run: BatchRun, resumed: bool) -> int:
    """Send every row not done yet as one provider batch (once: the same command again says its status)."""
    if _is_chain(batch_run):
        return _submit_chain(wiring, store, batch_run, resumed)
    if resumed and batch_run.provider_batch_id:
        return status(wiring, store, batch_run)
    from app.batch import failed_row, read_inputs
    from app.batch._provider_batch import custom_id

    runtime, engine = _engine(wiring, batch_run)
    requests = []
    for item in read_inputs(Path(batch_run.input.path), skip=store.done_batch_rows(batch_run.id)):
        if item.problem is not None:
            store.add_batch_row(batch_run.id, failed_row(item, item.problem))
        else:
            requests.append((custom_id(item.row), engine.body(item)))
    batch_id = _run(runtime, lambda: engine.api.submit(requests))
    model = runtime.model(batch_run.target)
    batch_run = store.update_batch_run(batch_run.id, provider=model.provider, provider_batch_id=batch_id,
                                       state="submitted")  # fmt: skip
    print(f"batch #{batch_run.id}: {len(requests)} rows submitted to {model.provider} as {batch_id}", file=sys.stderr)
    return _submitted_said(batch_run)


def _submitted_said(batch_run: BatchRun) -> int:
    print(f"  `orch batch status {batch_run.id}` to see how it goes; `orch batch fetch {batch_run.id} -o OUT.jsonl` "
          "once it ended", file=sys.stderr)  # fmt: skip
    sys.stdout.write(f"{batch_run.id}\n")
    return EXIT_OK


def status(wiring: Wiring, store: BatchStore, batch_run: BatchRun) -> int:
    from app.cli.batch import status_line

    if _is_chain(batch_run):
        return _chain_status(wiring, store, batch_run)
    runtime, engine = _engine(wiring, _submitted(batch_run))
    state = _run(runtime, lambda: engine.api.state(batch_run.provider_batch_id))
    counts = ", ".join(f"{k} {v}" for k, v in state.counts.items())
    sys.stdout.write(status_line(store, batch_run, state=f"{batch_run.provider} {state.status}")
                     + (f" · {counts}" if counts else "") + "\n")  # fmt: skip
    return EXIT_OK


def fetch(wiring: Wiring, store: BatchStore, batch_run: BatchRun) -> int:
    """Read the results into history.db and write OUT, once the batch ended."""
    from app.batch import read_inputs
    from app.batch._provider_batch import row_of

    if _is_chain(batch_run):
        return _fetch_chain(wiring, store, batch_run)
    runtime, engine = _engine(wiring, _submitted(batch_run))
    batch_id = batch_run.provider_batch_id
    assert batch_id is not None
    ids = {item.row: item.id for item in read_inputs(Path(batch_run.input.path))} if Path(batch_run.input.path).is_file() else {}

    async def collect() -> bool:
        state = await engine.api.state(batch_id)
        if not state.ended:
            return False
        async for ident, response, error in engine.api.results(batch_id):
            row = row_of(ident)
            if row is not None:
                store.add_batch_row(batch_run.id, engine.parse(row, ids.get(row, ident), response, error))
        return True

    if not _run(runtime, collect):
        print(f"orch: batch #{batch_run.id} has not ended yet; `orch batch status {batch_run.id}` says how far it is",
              file=sys.stderr)  # fmt: skip
        return EXIT_OK
    return _finish(store, batch_run)


def _finish(store: BatchStore, batch_run: BatchRun) -> int:
    """The run is whole: OUT from history.db, in input order."""
    from app.batch import OrderedOutput
    from app.cli.batch import out_file, status_line

    store.update_batch_run(batch_run.id, state="finished")
    with out_file(batch_run.output_path) as out:
        OrderedOutput(out, 1, store.batch_lines(batch_run.id)).finish()
    print(status_line(store, store.batch_run(batch_run.id)), file=sys.stderr)
    return EXIT_OK


def _submitted(batch_run: BatchRun) -> BatchRun:
    if not batch_run.provider_batch_id:
        raise UsageError(f"batch #{batch_run.id} was not submitted", "Run the same `orch batch … --provider-batch` again.")
    return batch_run


# -- a chain, level by level ---------------------------------------------------------------


def _is_chain(batch_run: BatchRun) -> bool:
    return batch_run.target.startswith("chain:")


def _chain(wiring: Wiring, store: BatchStore, batch_run: BatchRun) -> tuple[Runtime, ChainBatch]:
    from app.batch._chain_batch import ChainBatch
    from app.chains import plan_chain

    runtime = wiring.runtime()
    config, sources = wiring.config()
    plan = plan_chain(config, batch_run.target.removeprefix("chain:"), sources)
    return runtime, ChainBatch(runtime, plan, store, batch_run, default_model=runtime.model(config.default_model),
                               system=config.system_prompt)  # fmt: skip


def _advance(wiring: Wiring, store: BatchStore, batch_run: BatchRun) -> ChainProgress:
    """Move the chain on, and say each step batch it sent."""
    runtime, chain = _chain(wiring, store, batch_run)
    progress: ChainProgress = _run(runtime, chain.advance)
    for step in progress.sent:
        sent = (f"{step.rows} rows submitted to {step.provider} as {step.provider_batch_id}" if step.rows
                else "no row needs it")  # fmt: skip
        print(f"batch #{batch_run.id}: step {step.step}: {sent}", file=sys.stderr)
    return progress


def _submit_chain(wiring: Wiring, store: BatchStore, batch_run: BatchRun, resumed: bool) -> int:
    if resumed and store.batch_steps(batch_run.id):
        return status(wiring, store, batch_run)
    progress = _advance(wiring, store, batch_run)
    batch_run = store.update_batch_run(batch_run.id, state="submitted")
    return _finish(store, batch_run) if progress.finished else _submitted_said(batch_run)


def _fetch_chain(wiring: Wiring, store: BatchStore, batch_run: BatchRun) -> int:
    if batch_run.state != "finished":
        progress = _advance(wiring, store, batch_run)
        if not progress.finished:
            steps = ", ".join(progress.pending)
            print(f"orch: batch #{batch_run.id} has not ended yet: step {steps} pending; `orch batch fetch "
                  f"{batch_run.id}` again once it ended", file=sys.stderr)  # fmt: skip
            return EXIT_OK
    return _finish(store, batch_run)


def _chain_status(wiring: Wiring, store: BatchStore, batch_run: BatchRun) -> int:
    from app.cli.batch import status_line

    runtime, chain = _chain(wiring, store, batch_run)
    lines = [status_line(store, batch_run)]
    for step, record, state in _run(runtime, chain.states):
        if record is None:
            said = "waiting for the steps it needs"
        elif record.provider_batch_id is None:
            said = "no row needed it"
        else:
            now = "ended, read" if state is None else state.status
            counts = ", ".join(f"{k} {v}" for k, v in state.counts.items()) if state is not None else ""
            said = f"{record.provider} batch {record.provider_batch_id} ({record.rows} rows), {now}" + (
                f" · {counts}" if counts else "")
        lines.append(f"  step {step}: {said}")
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK


ACTIONS = {"status": status, "fetch": fetch, "resume": lambda w, s, r: submit(w, s, r, True)}
