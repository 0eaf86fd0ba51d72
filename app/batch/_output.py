"""OUT: one JSON line per row, in input order, written as soon as the order allows.

Rows finish out of order; a finished row waits in a reorder buffer until
every row before it is written. The buffer is bounded: a row may start only
within `window` rows of the first one not yet written (`wait_for_room`), so
a slow row holds back new work instead of letting memory grow. When a run
resumes, the rows done before come from the store (`earlier`: each one's
position and OUT line, in order) and are written in their places as they are.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from typing import TextIO

from app.store import BatchRow


class OrderedOutput:
    """Writes rows to `sink` in order of `row`, from `first` on.

    Args:
        sink: a text stream; flushed after each burst of lines.
        window: the most rows that may be finished or running past the first one not written.
        earlier: the rows finished by an earlier run, in order: each one's position and OUT line.
    """

    def __init__(self, sink: TextIO, window: int, earlier: Iterable[tuple[int, str]] = ()) -> None:
        self._sink = sink
        self.window = max(1, window)
        self.next_row = 0
        self._waiting: dict[int, BatchRow] = {}
        self._earlier = iter(earlier)
        self._earlier_next = next(self._earlier, None)
        self._moved = asyncio.Condition()
        self._drain()

    @property
    def buffered(self) -> int:
        return len(self._waiting)

    async def wait_for_room(self, row: int) -> None:
        """Return once `row` is within the window, so that starting it keeps the buffer bounded."""
        async with self._moved:
            await self._moved.wait_for(lambda: row < self.next_row + self.window)

    async def put(self, result: BatchRow) -> None:
        """Hand over a finished row: it is written now if it is next, else when its turn comes."""
        self._waiting[result.row] = result
        if self._drain():
            async with self._moved:
                self._moved.notify_all()

    def finish(self) -> None:
        """Write what is left: the earlier rows after the last new one (and any row still waiting, in order)."""
        self._drain()
        for row in sorted(self._waiting):
            self._write(self._waiting.pop(row))
        while self._earlier_next is not None:
            self._sink.write(self._earlier_next[1] + "\n")
            self._earlier_next = next(self._earlier, None)
        self._sink.flush()

    def _drain(self) -> bool:
        wrote = False
        while True:
            while self._earlier_next is not None and self._earlier_next[0] < self.next_row:
                self._earlier_next = next(self._earlier, None)  # also run again now: the new result wins
            if self.next_row in self._waiting:
                self._write(self._waiting.pop(self.next_row))
            elif self._earlier_next is not None and self._earlier_next[0] == self.next_row:
                self._sink.write(self._earlier_next[1] + "\n")
            else:
                break
            self.next_row += 1
            wrote = True
        if wrote:
            self._sink.flush()
        return wrote

    def _write(self, result: BatchRow) -> None:
        self._sink.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
