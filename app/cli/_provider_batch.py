"""`orch batch … --provider-batch`, and `orch batch status|fetch|resume ID` of such a run.

Submitting records the provider's batch id in history.db before saying it,
so `status` and `fetch` work from any later process, by orch's run id or the
provider's batch id. `fetch` writes OUT once the provider says the batch ended.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import EXIT_OK, UsageError

if TYPE_CHECKING:
    from app.batch._provider_batch import ProviderBatch
    from app.cli.wiring import Wiring
    from app.runtime import Runtime
    from app.store import BatchRun, BatchStore


def _engine(wiring: Wiring, batch_run: BatchRun) -> tuple[Runtime, ProviderBatch]:
    from app.batch._provider_batch import ProviderBatch

    if batch_run.target.startswith("chain:"):
        raise UsageError("--provider-batch runs a model, not a chain (yet)", "Run the chain without --provider-batch.")
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
    print(f"  `orch batch status {batch_run.id}` to see how it goes; `orch batch fetch {batch_run.id} -o OUT.jsonl` "
          "once it ended", file=sys.stderr)  # fmt: skip
    sys.stdout.write(f"{batch_run.id}\n")
    return EXIT_OK


def status(wiring: Wiring, store: BatchStore, batch_run: BatchRun) -> int:
    from app.cli.batch import status_line

    runtime, engine = _engine(wiring, _submitted(batch_run))
    state = _run(runtime, lambda: engine.api.state(batch_run.provider_batch_id))
    counts = ", ".join(f"{k} {v}" for k, v in state.counts.items())
    sys.stdout.write(status_line(store, batch_run, state=f"{batch_run.provider} {state.status}")
                     + (f" · {counts}" if counts else "") + "\n")  # fmt: skip
    return EXIT_OK


def fetch(wiring: Wiring, store: BatchStore, batch_run: BatchRun) -> int:
    """Read the results into history.db and write OUT, once the batch ended."""
    from app.batch import OrderedOutput, read_inputs
    from app.batch._provider_batch import row_of
    from app.cli.batch import out_file

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
    store.update_batch_run(batch_run.id, state="finished")
    with out_file(batch_run.output_path) as out:
        OrderedOutput(out, 1, store.batch_lines(batch_run.id)).finish()
    from app.cli.batch import status_line

    print(status_line(store, store.batch_run(batch_run.id)), file=sys.stderr)
    return EXIT_OK


def _submitted(batch_run: BatchRun) -> BatchRun:
    if not batch_run.provider_batch_id:
        raise UsageError(f"batch #{batch_run.id} was not submitted", "Run the same `orch batch … --provider-batch` again.")
    return batch_run


ACTIONS = {"status": status, "fetch": fetch, "resume": lambda w, s, r: submit(w, s, r, True)}
