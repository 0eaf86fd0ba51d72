"""Anthropic answers that call tools: recorded streams and messages, the loopback server, and broken calls.

Tool calls are assembled from `tool_use` blocks (`input_json_delta` pieces
until `content_block_stop`) into whole `ToolCall` events; server-side tool
blocks are never calls; a stop to call tools is `tool_calls`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from app import errors
from app.config import AnthropicProviderConfig, KeySpec, NetworkConfig
from app.http import RetryPolicy, create_client
from app.providers import create_provider
from app.providers.base import ChatRequest, Event, Message, TextDelta, ThinkingDelta
from app.types import ToolCall, ToolSpec
from tests.support.cassettes import replay
from tests.support.cassettes import Cassette, cassettes
from tests.support.llm_server import LLMServer, Reply, anthropic_events
from tests.support.wire import anthropic_tool_events

KEY = "sk-ant-test-0123456789"
WEATHER = ToolSpec("weather", "The weather in a city.", {"type": "object", "properties": {"city": {"type": "string"}}})
TOOL_CASSETTES = [
    pytest.param(c, i, id=f"{c.name}#{i + 1}")
    for c in cassettes()
    if c.kind == "anthropic"
    for i in range(len(c.interactions))
    if c.expected_for(i).get("tool_calls")
]


def tool_calls(events: list[Event]) -> list[tuple[str, str, dict]]:
    return [(e.call_id, e.name, dict(e.arguments)) for e in events if isinstance(e, ToolCall)]


def text_of(events: list[Event]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


# --- recorded answers ----------------------------------------------------------------------


def test_the_recordings_hold_tool_calls() -> None:
    assert len(TOOL_CASSETTES) == 3


@pytest.mark.parametrize(("cassette", "index"), TOOL_CASSETTES)
async def test_recorded_tool_calls_become_tool_call_events(cassette: Cassette, index: int) -> None:
    expected = cassette.expected_for(index)
    result = await replay("anthropic", cassette.interactions[index])

    assert result.error is None
    client_calls = [c for c in expected["tool_calls"] if c.get("type", "tool_use") == "tool_use"]
    assert tool_calls(result.events) == [(c["id"], c["name"], c["arguments_parsed"]) for c in client_calls]
    assert result.answer is not None and result.answer.finish_reason == "tool_calls"
    assert text_of(result.events) == expected["text"]


async def test_a_server_tool_is_never_a_call_and_the_text_around_it_is_kept() -> None:
    (cassette,) = [c for c in cassettes() if c.name.endswith("server_tool_then_tool_use_json_delta.yaml")]
    expected = cassette.expected_for(0)
    result = await replay("anthropic", cassette.interactions[0])

    server_ids = {c["id"] for c in expected["tool_calls"] if c["type"] == "server_tool_use"}
    assert server_ids and not server_ids & {call_id for call_id, _, _ in tool_calls(result.events)}
    assert text_of(result.events) == "".join(expected["text_blocks"])
    # The call comes once its block has ended: after all the text before it.
    kinds = [type(e).__name__ for e in result.events if isinstance(e, (TextDelta, ToolCall))]
    assert kinds[-1] == "ToolCall" and kinds.count("ToolCall") == 1


async def test_the_recorded_parallel_calls_come_in_order() -> None:
    (cassette,) = [c for c in cassettes() if c.name.endswith("nonstream_parallel_tool_use.yaml")]
    result = await replay("anthropic", cassette.interactions[0])
    assert [args["name"] for _, _, args in tool_calls(result.events)] == ["Alice", "Bob", "Charlie", "Daisy"]


# --- through the loopback server -------------------------------------------------------------


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    network = NetworkConfig(max_retries=0)
    async with create_client(network, retry=RetryPolicy.from_network(network)) as shared:
        yield shared


async def events_from(server: LLMServer, client: httpx.AsyncClient, request: ChatRequest) -> list[Event]:
    config = AnthropicProviderConfig(kind="anthropic", base_url=server.base_url("anthropic"), key=KeySpec(env="K"))
    provider = create_provider("anthropic", config, KEY, client)
    return [event async for event in provider.stream(request)]


async def test_a_tool_call_streamed_one_token_per_event_is_one_whole_call(
    llm_server: LLMServer, client: httpx.AsyncClient
) -> None:
    arguments = {"city": "Saint-Étienne", "days": 3, "units": {"wind": "km/h"}}
    events = anthropic_tool_events([("toolu_1", "weather", arguments)], text="Let me look that up.")
    assert sum('"input_json_delta"' in e for e in events) > 4
    llm_server.script(Reply.sse(events))

    got = await events_from(llm_server, client, ChatRequest("m", (Message("user", "Weather?"),), tools=(WEATHER,)))

    assert tool_calls(got) == [("toolu_1", "weather", arguments)]
    assert text_of(got) == "Let me look that up."
    assert got[-1].reason == "tool_calls"
    sent = llm_server.requests[0].json()
    assert sent["tools"] == [{"name": "weather", "description": WEATHER.description, "input_schema": WEATHER.parameters}]


async def test_two_parallel_calls_stream_as_two_events(llm_server: LLMServer, client: httpx.AsyncClient) -> None:
    calls = [("toolu_a", "weather", {"city": "Oslo"}), ("toolu_b", "weather", {"city": "Lima"})]
    llm_server.script(Reply.sse(anthropic_tool_events(calls)))
    got = await events_from(llm_server, client, ChatRequest("m", (Message("user", "Both?"),), tools=(WEATHER,)))
    assert tool_calls(got) == calls


async def test_a_structured_answer_streams_as_text_not_as_a_call(
    llm_server: LLMServer, client: httpx.AsyncClient
) -> None:
    answer = {"name": "Ada", "age": 36}
    llm_server.script(Reply.sse(anthropic_tool_events([("toolu_s", "answer", answer)])))
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}}
    got = await events_from(llm_server, client, ChatRequest("m", (Message("user", "Who?"),), schema=schema))

    assert tool_calls(got) == []
    assert json.loads(text_of(got)) == answer
    sent = llm_server.requests[0].json()
    assert sent["tool_choice"] == {"type": "tool", "name": "answer"}


async def test_text_beside_the_answer_tool_is_not_the_answer(llm_server: LLMServer, client: httpx.AsyncClient) -> None:
    answer = {"name": "Ada", "age": 36}
    llm_server.script(Reply.sse(anthropic_tool_events([("toolu_s", "answer", answer)], text="Here it is:")))
    got = await events_from(llm_server, client, ChatRequest("m", (Message("user", "Who?"),), schema={"type": "object"}))
    assert json.loads(text_of(got)) == answer


async def test_a_structured_answer_given_as_text_alone_is_the_answer(
    llm_server: LLMServer, client: httpx.AsyncClient
) -> None:
    llm_server.script(Reply.sse(anthropic_events('{"name": "Ada"}')))
    got = await events_from(llm_server, client, ChatRequest("m", (Message("user", "Who?"),), schema={"type": "object"}))
    assert json.loads(text_of(got)) == {"name": "Ada"}


async def test_a_redacted_thinking_block_is_kept_whole_and_apart(llm_server: LLMServer, client: httpx.AsyncClient) -> None:
    events = anthropic_tool_events([("toolu_c", "weather", {"city": "Oslo"})])
    redacted = {"type": "content_block_start", "index": 9, "content_block": {"type": "redacted_thinking", "data": "RED"}}
    stop = {"type": "content_block_stop", "index": 9}
    events[1:1] = [f"event: content_block_start\ndata: {json.dumps(redacted)}\n\n",
                   f"event: content_block_stop\ndata: {json.dumps(stop)}\n\n"]  # fmt: skip
    llm_server.script(Reply.sse(events))
    got = await events_from(llm_server, client, ChatRequest("m", (Message("user", "Weather?"),), tools=(WEATHER,)))
    thinking = [e for e in got if isinstance(e, ThinkingDelta)]
    assert thinking == [ThinkingDelta("", signature="RED", redacted=True)]
    assert tool_calls(got) == [("toolu_c", "weather", {"city": "Oslo"})]


async def test_a_tool_named_answer_without_a_schema_is_a_call(
    llm_server: LLMServer, client: httpx.AsyncClient
) -> None:
    llm_server.script(Reply.sse(anthropic_tool_events([("toolu_x", "answer", {"q": 1})])))
    got = await events_from(llm_server, client, ChatRequest("m", (Message("user", "Go"),)))
    assert tool_calls(got) == [("toolu_x", "answer", {"q": 1})] and text_of(got) == ""


async def test_a_thinking_block_ends_with_its_signature(llm_server: LLMServer, client: httpx.AsyncClient) -> None:
    llm_server.script(Reply.sse(anthropic_events("Done.", thinking="Let me think.")))
    got = await events_from(llm_server, client, ChatRequest("m", (Message("user", "Hi"),)))

    thinking = [e for e in got if isinstance(e, ThinkingDelta)]
    assert "".join(e.text for e in thinking) == "Let me think."
    assert thinking[-1] == ThinkingDelta("", signature="c2lnbmF0dXJl")
    assert all(e.signature is None for e in thinking[:-1])
    first_text = next(i for i, e in enumerate(got) if isinstance(e, TextDelta))
    assert got.index(thinking[-1]) < first_text


# --- broken calls ----------------------------------------------------------------------------


async def test_arguments_cut_short_are_a_clear_error(llm_server: LLMServer, client: httpx.AsyncClient) -> None:
    events = anthropic_tool_events([("toolu_1", "weather", {"city": "Paris"})], text="Checking.")
    cut = [e.replace('"Paris\\"}"', '"Par"') for e in events]
    assert cut != events
    llm_server.script(Reply.sse(cut))
    seen: list[Event] = []
    config = AnthropicProviderConfig(kind="anthropic", base_url=llm_server.base_url("anthropic"), key=KeySpec(env="K"))
    provider = create_provider("anthropic", config, KEY, client)

    with pytest.raises(errors.StreamError) as caught:
        async for event in provider.stream(ChatRequest("m", (Message("user", "Weather?"),), tools=(WEATHER,))):
            seen.append(event)

    assert "'weather'" in caught.value.message and "not a JSON object" in caught.value.message
    assert KEY not in str(caught.value)
    assert text_of(seen) == "Checking."


@pytest.mark.parametrize("arguments", ['["a list"]', "42", '{"deep": ' * 5000])
async def test_arguments_that_are_not_an_object_are_a_clear_error(
    llm_server: LLMServer, client: httpx.AsyncClient, arguments: str
) -> None:
    events = anthropic_tool_events([("toolu_1", "weather", {})])
    broken = [e.replace('"partial_json": "{}"', f'"partial_json": {json.dumps(arguments)}') for e in events]
    assert broken != events
    llm_server.script(Reply.sse(broken))
    with pytest.raises(errors.StreamError, match="'weather'"):
        await events_from(llm_server, client, ChatRequest("m", (Message("user", "Go"),), tools=(WEATHER,)))


async def test_a_call_without_a_name_is_a_broken_stream(llm_server: LLMServer, client: httpx.AsyncClient) -> None:
    events = [e.replace('"name": "weather"', '"name": 7') for e in anthropic_tool_events([("t", "weather", {})])]
    llm_server.script(Reply.sse(events))
    with pytest.raises(errors.StreamError):
        await events_from(llm_server, client, ChatRequest("m", (Message("user", "Go"),)))
