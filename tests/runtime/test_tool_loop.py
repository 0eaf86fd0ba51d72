"""The tool loop inside `runtime.answer()`, against the real MCP test server over stdio.

The model is a provider written here that scripts its rounds and keeps every
request it is sent, so that what goes back to the model is asserted exactly.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import pytest_asyncio

from app.config._tools import ToolsConfig
from app.errors import OrchError
from app.runtime import Runtime, ToolRoundsExceeded
from app.runtime._tools import NO_ONE_TO_ASK, REFUSED
from app.tools import Decision, McpServers, ToolSession
from app.types import Event, Finish, Message, TextDelta, ThinkingDelta, ToolCall, ToolResult, Usage
from tests.support.tool_rounds import Rounds
from tests.support.chain_world import load_config, make_runtime, write_config
from tests.tools.conftest import START_TIMEOUT_S, key_ring, stdio

pytestmark = pytest.mark.asyncio(loop_scope="module")

QUESTION = [Message("user", "what is 2 + 3?")]


def call(call_id: str, tool: str, **arguments) -> ToolCall:
    return ToolCall(call_id, f"t__{tool}", arguments)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def servers(tmp_path_factory):
    keys = key_ring(tmp_path_factory.mktemp("keys"))
    async with McpServers({"t": stdio()}, keys, start_timeout_s=START_TIMEOUT_S) as session:
        await session.start("t")
        yield session


@pytest.fixture
def runtime(tmp_path: Path) -> Runtime:
    config, _ = load_config(write_config(tmp_path))
    return make_runtime(config, tmp_path)


def tools(servers: McpServers, **limits) -> ToolSession:
    settings = {"enabled": ["t"], "auto_approve": ["t"], **limits}
    return ToolSession(servers, ToolsConfig(**settings))


async def take(runtime: Runtime, provider: Rounds, session: ToolSession, approver=None):
    runtime._providers["echo"] = provider
    events: list[Event] = []
    turn = runtime.answer(runtime.model("priced"), QUESTION, tools=session, approver=approver)
    async with turn:
        async for event in turn:
            events.append(event)
    return events, turn.record


def results(events: list[Event]) -> dict[str, ToolResult]:
    return {e.call_id: e for e in events if isinstance(e, ToolResult)}


async def test_one_call_runs_and_the_second_round_carries_the_parts_in_order(runtime, servers) -> None:
    provider = Rounds(
        [ThinkingDelta("add them", signature="sig-1"), TextDelta("Let me add."), call("c1", "add", a=2, b=3),
         Usage(10, 5), Finish("tool_calls")],
        [TextDelta("It is 5."), Usage(30, 4), Finish("stop")],
    )  # fmt: skip
    events, record = await take(runtime, provider, tools(servers))
    assert [type(e).__name__ for e in events] == [
        "ThinkingDelta", "TextDelta", "ToolCall", "Usage", "Finish", "ToolResult", "TextDelta", "Usage", "Finish",
    ]  # fmt: skip
    assert results(events)["c1"].text == "5" and not results(events)["c1"].is_error
    first, second = provider.requests
    assert {spec.name for spec in first.tools} >= {"t__add", "t__slow", "t__fail"}
    assert second.messages[0] == QUESTION[0]
    said = second.messages[1]
    assert (said.role, said.content) == ("assistant", "Let me add.")
    assert [(p.kind, p.text, p.call_id) for p in said.parts] == [
        ("thinking", "add them", None), ("text", "Let me add.", None), ("tool_call", "", "c1"), ("tool_result", "5", "c1"),
    ]  # fmt: skip
    assert said.parts[0].signature == "sig-1"
    assert said.parts[2].arguments == {"a": 2, "b": 3} and said.parts[2].name == "t__add"
    assert (record.status, record.text, record.finish_reason) == ("complete", "Let me add.\n\nIt is 5.", "stop")
    assert [p.kind for p in record.parts] == ["thinking", "text", "tool_call", "tool_result", "text"]
    assert (record.input_tokens, record.output_tokens) == (40, 9)
    assert record.cost == pytest.approx((40 * 1.0 + 9 * 2.0) / 1e6)


async def test_two_calls_run_side_by_side(runtime, servers) -> None:
    provider = Rounds([call("a", "slow", s=1), call("b", "slow", s=1), Finish("tool_calls")], [TextDelta("done")])
    began = time.perf_counter()
    events, record = await take(runtime, provider, tools(servers))
    assert time.perf_counter() - began < 1.8
    assert {k: r.text for k, r in results(events).items()} == {"a": "slept 1.0", "b": "slept 1.0"}
    said = provider.requests[1].messages[1]
    assert [(p.kind, p.call_id) for p in said.parts] == [
        ("tool_call", "a"), ("tool_call", "b"), ("tool_result", "a"), ("tool_result", "b"),
    ]  # fmt: skip
    assert record.status == "complete"


async def test_a_second_round_of_calls_then_the_answer(runtime, servers) -> None:
    provider = Rounds(
        [call("c1", "add", a=1, b=2)], [TextDelta("and more"), call("c2", "add", a=3, b=4)], [TextDelta("3 and 7")]
    )
    events, record = await take(runtime, provider, tools(servers))
    assert len(provider.requests) == 3
    last = provider.requests[2].messages[1]
    assert [p.kind for p in last.parts] == ["tool_call", "tool_result", "text", "tool_call", "tool_result"]
    assert [p.text for p in last.parts if p.kind == "tool_result"] == ["3", "7"]
    assert record.text == "and more\n\n3 and 7"


async def test_an_unknown_tool_a_failing_tool_and_a_timeout_are_error_results(runtime, servers) -> None:
    provider = Rounds(
        [ToolCall("u", "nope__x", {}), call("f", "fail"), call("s", "slow", s=5)], [TextDelta("sorry")]
    )
    events, record = await take(runtime, provider, tools(servers, timeout_s=0.5))
    got = results(events)
    assert all(r.is_error for r in got.values()) and set(got) == {"u", "f", "s"}
    assert "nope__x" in got["u"].text
    assert "fail" in got["f"].text
    assert "did not finish within 0.5 s" in got["s"].text
    assert record.status == "complete" and record.text == "sorry"
    sent = [(p.call_id, p.is_error) for p in provider.requests[1].messages[1].parts if p.kind == "tool_result"]
    assert sent == [("u", True), ("f", True), ("s", True)]


async def test_max_rounds_ends_the_answer_with_an_error_that_says_so(runtime, servers) -> None:
    provider = Rounds([TextDelta("again"), call("c", "add", a=1, b=1)])
    runtime._providers["echo"] = provider
    turn = runtime.answer(runtime.model("priced"), QUESTION, tools=tools(servers, max_rounds=2))
    events: list[Event] = []
    with pytest.raises(ToolRoundsExceeded):
        async with turn:
            async for event in turn:
                events.append(event)
    assert len(provider.requests) == 3
    record = turn.record
    assert record.status == "error" and "tools.max_rounds" in (record.error or "")
    last = [e for e in events if isinstance(e, ToolResult)][-1]
    assert last.is_error and "not run" in last.text
    assert isinstance(ToolRoundsExceeded(2), OrchError)


async def test_a_refused_call_goes_back_as_refused_and_always_is_remembered(runtime, servers) -> None:
    asked: list[str] = []

    async def approver(tool, tool_call):
        asked.append(tool_call.call_id)
        return {"n": Decision.NO, "y": Decision.ALWAYS}[tool_call.call_id]

    session = ToolSession(servers, ToolsConfig(enabled=["t"]))
    provider = Rounds([call("n", "add", a=1, b=1), call("y", "add", a=2, b=2)], [call("z", "add", a=3, b=3)], [])
    events, _ = await take(runtime, provider, session, approver)
    got = results(events)
    assert (got["n"].text, got["n"].is_error) == (REFUSED, True)
    assert (got["y"].text, got["z"].text) == ("4", "6")
    assert asked == ["n", "y"]  # the second `add` was approved for the session


async def test_with_no_approver_a_call_that_needs_asking_is_refused(runtime, servers) -> None:
    provider = Rounds([call("c", "add", a=1, b=1)], [TextDelta("ok")])
    events, _ = await take(runtime, provider, ToolSession(servers, ToolsConfig(enabled=["t"])))
    assert results(events)["c"].text == NO_ONE_TO_ASK


async def test_a_call_id_a_later_round_repeats_is_made_unique_and_its_result_follows_it(runtime, servers) -> None:
    """Gemini without ids: each round numbers its calls from call_1, and a result must name one call."""
    provider = Rounds([call("call_1", "add", a=1, b=2)], [call("call_1", "add", a=3, b=4)], [TextDelta("3 and 7")])
    events, record = await take(runtime, provider, tools(servers))
    assert [(p.kind, p.call_id) for p in record.parts if p.call_id] == [
        ("tool_call", "call_1"), ("tool_result", "call_1"), ("tool_call", "call_1.2"), ("tool_result", "call_1.2"),
    ]  # fmt: skip
    assert {k: r.text for k, r in results(events).items()} == {"call_1": "3", "call_1.2": "7"}
    sent = provider.requests[2].messages[1]
    assert [p.call_id for p in sent.parts if p.kind == "tool_result"] == ["call_1", "call_1.2"]


async def test_calls_that_come_with_no_tools_offered_are_answered_as_not_run(runtime) -> None:
    provider = Rounds([TextDelta("let me look"), ToolCall("x1", "files__read", {"path": "a"}), Finish("tool_calls")])
    runtime._providers["echo"] = provider
    turn = runtime.answer(runtime.model("priced"), QUESTION)
    async with turn:
        async for _ in turn:
            pass
    assert [p.kind for p in turn.record.parts] == ["text", "tool_call", "tool_result"]
    assert (turn.record.parts[-1].text, turn.record.parts[-1].is_error) == ("not run: no tools are on", True)


async def test_ctrl_c_mid_call_cancels_it_keeps_the_parts_and_the_server_goes_on(runtime, servers) -> None:
    provider = Rounds([TextDelta("waiting"), call("c", "slow", s=30)], [TextDelta("never")])
    runtime._providers["echo"] = provider
    turn = runtime.answer(runtime.model("priced"), QUESTION, tools=tools(servers))
    called = asyncio.Event()

    async def consume() -> None:
        async with turn:
            async for event in turn:
                if isinstance(event, ToolCall):
                    called.set()

    task = asyncio.create_task(consume())
    await called.wait()
    await asyncio.sleep(0.3)
    began = time.perf_counter()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.perf_counter() - began < 5
    record = turn.record
    assert record.status == "interrupted"
    assert [p.kind for p in record.parts] == ["text", "tool_call", "tool_result"]
    cancelled = record.parts[-1]
    assert (cancelled.call_id, cancelled.text, cancelled.is_error) == ("c", "cancelled by the user", True)
    after = await servers.call("t", "add", {"a": 2, "b": 2}, timeout_s=30)
    assert (after.text, after.is_error) == ("4", False)


async def test_without_tools_nothing_is_offered_and_no_server_starts(runtime, tmp_path) -> None:
    servers = McpServers({"t": stdio()}, key_ring(tmp_path))
    provider = Rounds([TextDelta("plain")])
    _, record = await take(runtime, provider, ToolSession(servers, ToolsConfig()))
    assert provider.requests[0].tools == () and record.text == "plain"
    assert servers._listings == {}
