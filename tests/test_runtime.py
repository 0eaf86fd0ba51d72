"""`runtime.answer()`: the one way every caller takes an answer, and the record it always leaves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.errors import KeyMissingError, ProviderError
from app.providers.base import ChatRequest
from app.runtime import Runtime
from app.types import Event, Finish, Message, TextDelta, ThinkingDelta, Usage
from tests.support import config_files
from tests.support.chain_world import load_config, make_runtime, write_config

HELLO = [Message("user", "hello there")]


class Scripted:
    """A provider that streams the given events, then raises `fail` if there is one."""

    def __init__(self, events: list[Event], fail: BaseException | None = None, gate: asyncio.Event | None = None):
        self.events = events
        self.fail = fail
        self.gate = gate
        self.closed = False

    async def stream(self, request: ChatRequest) -> AsyncIterator[Event]:
        try:
            for event in self.events:
                yield event
            if self.gate is not None:
                await self.gate.wait()
            if self.fail is not None:
                raise self.fail
        finally:
            self.closed = True


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    config, _ = load_config(write_config(tmp_path))
    return make_runtime(config, tmp_path)


def script(runtime: Runtime, provider: Scripted) -> Scripted:
    runtime._providers["echo"] = provider
    return provider


async def take(runtime: Runtime, model: str = "priced", **kwargs) -> tuple[list[Event], object]:
    events = []
    turn = runtime.answer(runtime.model(model), HELLO, **kwargs)
    async with turn:
        async for event in turn:
            events.append(event)
    return events, turn.record


async def test_a_whole_answer_is_recorded_with_its_usage_price_and_time(runtime: Runtime) -> None:
    script(runtime, Scripted([ThinkingDelta("hm"), TextDelta("Hi "), TextDelta("you"), Usage(12, 340), Finish("stop")]))
    events, record = await take(runtime)
    assert [type(e).__name__ for e in events] == ["ThinkingDelta", "TextDelta", "TextDelta", "Usage", "Finish"]
    assert (record.model, record.text, record.thinking, record.status) == ("priced", "Hi you", "hm", "complete")
    assert (record.input_tokens, record.output_tokens, record.finish_reason) == (12, 340, "stop")
    assert record.cost == pytest.approx((12 * 1.0 + 340 * 2.0) / 1e6)
    assert record.seconds is not None and record.seconds >= 0
    assert [p.kind for p in record.parts] == ["thinking", "text"]


async def test_unknown_usage_is_none_and_so_is_the_cost_never_zero(runtime: Runtime) -> None:
    script(runtime, Scripted([TextDelta("no usage said"), Finish("stop")]))
    _, record = await take(runtime)
    assert record.input_tokens is None and record.output_tokens is None and record.cost is None
    assert not record.counted


@pytest.mark.parametrize(("reason", "status"), [
    ("length", "truncated"), ("max_tokens", "truncated"), ("MAX_TOKENS", "truncated"),
    ("content_filter", "refused"), ("SAFETY", "refused"), ("refusal", "refused"), ("end_turn", "complete"),
])  # fmt: skip
async def test_the_finish_reason_gives_the_status(runtime: Runtime, reason: str, status: str) -> None:
    script(runtime, Scripted([TextDelta("cut"), Finish(reason)]))
    _, record = await take(runtime)
    assert record.status == status and record.finish_reason == reason


async def test_a_failure_mid_stream_keeps_the_text_and_is_raised(runtime: Runtime) -> None:
    provider = script(runtime, Scripted([TextDelta("half an "), Usage(3, None)], fail=ProviderError("it broke")))
    turn = runtime.answer(runtime.model("priced"), HELLO)
    with pytest.raises(ProviderError, match="it broke"):
        async with turn:
            async for _ in turn:
                pass
    record = turn.record
    assert (record.text, record.status, record.error, record.input_tokens) == ("half an ", "error", "it broke", 3)
    assert provider.closed


async def test_a_failure_caught_inside_the_block_is_still_recorded(runtime: Runtime) -> None:
    script(runtime, Scripted([TextDelta("x")], fail=ProviderError("nope")))
    turn = runtime.answer(runtime.model("echo"), HELLO)
    async with turn:
        with pytest.raises(ProviderError):
            async for _ in turn:
                pass
    assert turn.record.status == "error" and turn.record.error == "nope"


async def test_a_missing_key_is_an_error_in_the_record_too(tmp_path: Path) -> None:
    path = config_files.write_config(
        tmp_path,
        "default_model: keyed\nproviders:\n"
        "  keyed: {kind: openai, base_url: 'http://127.0.0.1:9/v1', key: {env: ORCH_TEST_NO_SUCH_KEY}}\n",
        "models:\n  - {name: keyed, provider: keyed, id: k}\n",
    )
    config, _ = load_config(path)
    runtime = make_runtime(config, tmp_path)
    turn = runtime.answer(runtime.model("keyed"), HELLO)
    with pytest.raises(KeyMissingError):
        async with turn:
            async for _ in turn:
                pass
    assert (turn.record.status, turn.record.error) == ("error", "no API key for keyed")
    assert turn.record.text == "" and turn.record.cost is None


async def test_cancelling_keeps_what_arrived_as_interrupted(runtime: Runtime) -> None:
    gate = asyncio.Event()
    provider = script(runtime, Scripted([TextDelta("so far")], gate=gate))
    arrived = asyncio.Event()
    turn = runtime.answer(runtime.model("echo"), HELLO)

    async def consume() -> None:
        async with turn:
            async for _ in turn:
                arrived.set()

    task = asyncio.create_task(consume())
    await arrived.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (turn.record.text, turn.record.status, turn.record.error) == ("so far", "interrupted", None)
    assert provider.closed


async def test_leaving_early_is_interrupted_and_closes_the_stream(runtime: Runtime) -> None:
    provider = script(runtime, Scripted([TextDelta("a"), TextDelta("b"), Finish("stop")]))
    turn = runtime.answer(runtime.model("echo"), HELLO)
    async with turn:
        async for _ in turn:
            break
    assert (turn.record.text, turn.record.status) == ("a", "interrupted")
    assert provider.closed


async def test_a_bad_option_fails_when_the_answer_starts_and_is_recorded(runtime: Runtime) -> None:
    turn = runtime.answer(runtime.model("echo"), HELLO, options={"no_such_option": 1})
    with pytest.raises(Exception, match="unknown option 'no_such_option'"):
        async with turn:
            async for _ in turn:
                pass
    assert turn.record.status == "error" and "no_such_option" in turn.record.error
