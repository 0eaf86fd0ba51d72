"""Tools end to end through each real wire format: the loopback model server and the MCP test server over stdio.

For openai, anthropic and gemini alike: one call then the answer, two calls
in one answer, and a second round; each time the next request must carry the
calls and their results in that format's own shape, results in call order.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_asyncio

from app.config._tools import ToolsConfig
from app.keys import KeyRing
from app.runtime import Runtime
from app.tools import McpServers, ToolSession
from app.types import Message, ToolCall, ToolResult
from app.vault import Vault
from tests.support.chain_world import load_config
from tests.support.llm_server import LLMServer, stream_reply
from tests.support.tool_wire import calls_sent, results_sent, tool_reply
from tests.support.tool_world import KINDS, PROVIDER_KEYS, tools_config
from tests.tools.conftest import START_TIMEOUT_S, key_ring, stdio

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.parametrize("kind", KINDS)]

@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def servers(tmp_path_factory):
    async with McpServers({"t": stdio()}, key_ring(tmp_path_factory.mktemp("keys")),
                          start_timeout_s=START_TIMEOUT_S) as session:  # fmt: skip
        await session.start("t")
        yield session


def runtime_for(folder: Path, server: LLMServer) -> Runtime:
    """Models `openai`, `anthropic` and `gemini`, each of its kind, all answered by `server`."""
    loaded, _ = load_config(tools_config(folder, server))
    return Runtime(loaded, KeyRing(Vault(folder / "vault.enc"), env=PROVIDER_KEYS))


async def answer(runtime: Runtime, kind: str, servers: McpServers, question: str = "what is 2 + 3?"):
    session = ToolSession(servers, ToolsConfig(enabled=["t"], auto_approve=["t"]))
    events = []
    try:
        async with runtime.answer(runtime.model(kind), [Message("user", question)], tools=session) as turn:
            async for event in turn:
                events.append(event)
    finally:
        await runtime.aclose()
    return events, turn.record


async def test_one_call_then_the_answer(kind, servers, llm_server, tmp_path) -> None:
    llm_server.script(tool_reply(kind, [("c1", "t__add", {"a": 2, "b": 3})], text="Let me add. "),
                      stream_reply(kind, "It is 5."))  # fmt: skip
    events, record = await answer(runtime_for(tmp_path, llm_server), kind, servers)

    assert record.status == "complete", record.error
    assert record.text == "Let me add. \n\nIt is 5."
    assert [(e.call_id, e.name) for e in events if isinstance(e, ToolCall)] == [("c1", "t__add")]
    assert [(e.text, e.is_error) for e in events if isinstance(e, ToolResult)] == [("5", False)]
    first, second = (r.json() for r in llm_server.requests)
    assert calls_sent(kind, first) == [] and results_sent(kind, first) == []
    assert calls_sent(kind, second) == [("c1", "t__add", {"a": 2, "b": 3})]
    assert results_sent(kind, second) == [("c1", "5", False)]
    assert [p.kind for p in record.parts] == ["text", "tool_call", "tool_result", "text"]


async def test_two_calls_in_one_answer_come_back_in_call_order(kind, servers, llm_server, tmp_path) -> None:
    # The first call is the slower one: it ends last, and its result is still sent first.
    calls = [("c1", "t__slow", {"s": 0.3}), ("c2", "t__add", {"a": 1, "b": 1})]
    llm_server.script(tool_reply(kind, calls), stream_reply(kind, "Done."))
    events, record = await answer(runtime_for(tmp_path, llm_server), kind, servers)

    assert record.status == "complete", record.error
    assert [e.call_id for e in events if isinstance(e, ToolResult)] == ["c2", "c1"]  # shown as they end
    second = llm_server.requests[1].json()
    assert calls_sent(kind, second) == calls
    assert results_sent(kind, second) == [("c1", "slept 0.3", False), ("c2", "2", False)]


async def test_a_second_round_carries_both_rounds(kind, servers, llm_server, tmp_path) -> None:
    llm_server.script(
        tool_reply(kind, [("c1", "t__add", {"a": 2, "b": 3})]),
        tool_reply(kind, [("c2", "t__fail", {})]),
        stream_reply(kind, "The second tool broke."),
    )
    events, record = await answer(runtime_for(tmp_path, llm_server), kind, servers)

    assert record.status == "complete", record.error
    assert len(llm_server.requests) == 3
    third = llm_server.requests[2].json()
    assert calls_sent(kind, third) == [("c1", "t__add", {"a": 2, "b": 3}), ("c2", "t__fail", {})]
    (added, failed) = results_sent(kind, third)
    assert added == ("c1", "5", False)
    assert failed[0] == "c2" and failed[2] is True and failed[1].startswith("Error executing tool fail")
    assert record.text == "The second tool broke."
