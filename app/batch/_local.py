"""The local runner: every row of the input through its target, at most `concurrency` at once.

Rows start in input order, within each provider's rate limit and the output's
reorder window; each finished row is recorded in the store (one short
transaction: a killed run loses only the rows in flight) and handed to OUT.
Rows a run recorded before are not read again past their line, let alone
sent: their OUT lines are copied from the store, in their places. Rows that
failed before count as done too, unless the run retries them (`retry_failed`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from app.store import BatchRow, BatchRun, BatchStore

from app.batch._inputs import BatchInput, read_inputs
from app.batch._limits import Limits
from app.batch._output import OrderedOutput
from app.batch._rows import Overloaded, RowTarget, failed_row

_MAX_OVERLOADS = 20
"""How often one row is sent again after 429s before it is given up as an error row."""


@dataclass
class BatchProgress:
    """How far a run is; the listener is handed it after every row.

    Attributes:
        total: the number of rows, when known.
        done: rows with a result (those of earlier runs included).
        failed: rows whose status is `error`.
        resumed: rows done by an earlier run (not sent again).
        cost: the cost so far; None while no row was priced.
        backoffs: how often a 429 slowed the whole run.
    """

    total: int | None
    done: int = 0
    failed: int = 0
    resumed: int = 0
    cost: float | None = None
    backoffs: int = 0
    started: float = field(default_factory=time.monotonic)

    def add(self, row: BatchRow) -> None:
        self.done += 1
        self.failed += row.status == "error"
        if row.cost is not None:
            self.cost = (self.cost or 0.0) + row.cost

    @property
    def sent(self) -> int:
        """The rows this run finished (not the resumed ones)."""
        return self.done - self.resumed


Listener = Callable[[BatchProgress], None]


class LocalRunner:
    """Runs one recorded `run` of `target` over the input file at `path`.

    Args:
        store: where rows are recorded (and earlier ones read back).
        limits: the rate limiter of each provider, shared by all rows.
        concurrency: the most rows in flight at once.
        listener: told the progress after every row, synchronously.
        retry_failed: send again the rows whose recorded status is `error` (`--retry-failed`).
    """

    def __init__(self, target: RowTarget, store: BatchStore, run: BatchRun, path: Path, *, limits: Limits,
                 concurrency: int = 8, listener: Listener | None = None,
                 retry_failed: bool = False) -> None:  # fmt: skip
        self._target, self._store, self._run, self._path = target, store, run, path
        self._limits = limits
        self._with_failed = not retry_failed
        self._concurrency = max(1, concurrency)
        self._listener = listener
        self.progress = BatchProgress(run.total)

    async def run(self, out: TextIO) -> BatchProgress:
        """Run the rows not done yet, writing every row's line to `out` in input order."""
        run_id, with_failed = self._run.id, self._with_failed
        done = self._store.done_batch_rows(run_id, with_failed=with_failed)
        progress = self.progress
        progress.done, progress.failed, progress.cost = self._store.batch_counts(run_id, with_failed=with_failed)
        progress.resumed = progress.done
        self._tell()
        earlier = self._store.batch_lines(run_id, with_failed=with_failed)
        output = OrderedOutput(out, window=max(64, 4 * self._concurrency), earlier=earlier)
        slots = asyncio.Semaphore(self._concurrency)
        async with asyncio.TaskGroup() as group:
            for item in read_inputs(self._path, skip=done):
                await output.wait_for_room(item.row)
                await slots.acquire()
                group.create_task(self._row(item, output, slots), name=f"batch row {item.row}")
        output.finish()
        return progress

    async def _row(self, item: BatchInput, output: OrderedOutput, slots: asyncio.Semaphore) -> None:
        try:
            result = await self._result(item)
            self._store.add_batch_row(self._run.id, result)
            self.progress.add(result)
            await output.put(result)
            self._tell()
        finally:
            slots.release()

    async def _result(self, item: BatchInput) -> BatchRow:
        if item.problem is not None:
            return failed_row(item, item.problem)
        limiters = [self._limits[name] for name in self._target.providers]
        tokens = self._target.estimate(item)
        for _ in range(_MAX_OVERLOADS):
            for limiter in limiters:
                await limiter.acquire(tokens)
            try:
                result = await self._target.run(item)
            except Overloaded as overloaded:
                for limiter in limiters:
                    limiter.back_off(overloaded.retry_after_s)
                self.progress.backoffs = self._limits.backoffs
                self._tell()
                continue
            for limiter in limiters:
                limiter.succeeded()
            return result
        return failed_row(item, f"still rate limited after {_MAX_OVERLOADS} tries")

    def _tell(self) -> None:
        if self._listener is not None:
            self._listener(self.progress)
