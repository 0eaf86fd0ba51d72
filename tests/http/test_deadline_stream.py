"""The overall deadline of an answer's body: one timer for the whole stream, exact at every read."""

from __future__ import annotations

import asyncio

import pytest

from app.http._retry import Deadline
from app.http._stream import _DeadlineStream


class Body:
    """A body whose chunks come `delay_s` apart; `hang` makes the read after the last one wait forever."""

    def __init__(self, chunks: int, delay_s: float, *, hang: bool = False) -> None:
        self.chunks, self.delay_s, self.hang = chunks, delay_s, hang

    async def __aiter__(self):
        for n in range(self.chunks):
            await asyncio.sleep(self.delay_s)
            yield b"%d" % n
        if self.hang:
            await asyncio.Event().wait()

    async def aclose(self) -> None:
        pass


async def test_a_read_that_waits_past_the_deadline_is_cut_there() -> None:
    stream = _DeadlineStream(Body(2, 0.01, hang=True), Deadline(0.2))
    got = []
    loop = asyncio.get_running_loop()
    began = loop.time()
    with pytest.raises(TimeoutError):
        async for chunk in stream:
            got.append(chunk)
    assert got == [b"0", b"1"]
    assert 0.15 < loop.time() - began < 1.0


async def test_a_deadline_passed_while_the_consumer_was_busy_stops_the_next_read() -> None:
    stream = _DeadlineStream(Body(5, 0.0), Deadline(0.05))
    got = []
    with pytest.raises(TimeoutError):
        async for chunk in stream:
            got.append(chunk)
            if len(got) == 2:
                await asyncio.sleep(0.1)  # the timer fires here, outside any read: it must not cancel this
    assert got == [b"0", b"1"]


async def test_a_cancel_from_elsewhere_stays_a_cancel() -> None:
    stream = _DeadlineStream(Body(1, 0.0, hang=True), Deadline(0.3))

    async def read_all() -> None:
        async for _ in stream:
            pass

    task = asyncio.create_task(read_all())
    await asyncio.sleep(0.05)
    task.cancel()  # Ctrl-C, say, well before the deadline
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.35)  # the deadline passes later: nothing is left to cancel
    assert task.cancelled()


async def test_a_cancel_and_the_deadline_in_one_turn_of_the_loop_is_a_cancel() -> None:
    loop = asyncio.get_running_loop()
    deadline = Deadline(0.1)
    stream = _DeadlineStream(Body(1, 0.0, hang=True), deadline)

    async def read_all() -> None:
        async for _ in stream:
            pass

    task = asyncio.create_task(read_all())
    await asyncio.sleep(0.02)
    stream._expire()  # the timer's callback, then the user's cancel, before the task runs again
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert loop.time() < deadline.at


async def test_a_stream_that_ends_in_time_leaves_no_timer_behind() -> None:
    loop = asyncio.get_running_loop()
    before = len(loop._scheduled)  # type: ignore[attr-defined]
    assert [c async for c in _DeadlineStream(Body(3, 0.0), Deadline(30))] == [b"0", b"1", b"2"]
    await asyncio.sleep(0)
    assert all(h.cancelled() for h in loop._scheduled[before:])  # type: ignore[attr-defined]
