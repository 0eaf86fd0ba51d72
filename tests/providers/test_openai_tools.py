"""Tool calls in the openai wire format: recorded answers, recorded requests, the loopback server, garbage.

The recordings are in ../shared/fixtures/providers/openai and ollama (both
OpenAI-compatible); expected.json lists the tool calls of each interaction.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from app import errors
from app.config import NetworkConfig, OpenAIProviderConfig
from app.http import create_client
from app.providers import create_provider
from app.providers.base import ChatRequest, Finish, Message, TextDelta, Usage
from app.types import Part, ToolCall, ToolSpec
from tests.support.cassettes import Cassette, Recorded, cassettes, replay
from tests.support.llm_server import LLMServer, Reply
from tests.support.wire import openai_events, openai_tool_call_events

OPENAI_COMPATIBLE = [c for c in cassettes() if c.kind == "openai"]


def expected_of(cassette: Cassette, index: int) -> dict[str, Any]:
    """expected.json's entry for one interaction (the file's own entry lacks `tool_calls` in some)."""
    return cassette.expected.get("interactions", [cassette.expected])[index]


WITH_TOOLS = [
    pytest.param(c, i, id=f"{c.name}#{i + 1}")
    for c in OPENAI_COMPATIBLE
    for i in range(len(c.interactions))
    if "tool_calls" in expected_of(c, i)
]


def tool_calls(events: list[Any]) -> list[ToolCall]:
    return [e for e in events if isinstance(e, ToolCall)]


def as_expected(calls: list[ToolCall]) -> list[dict[str, Any]]:
    return [{"id": c.call_id, "name": c.name, "arguments": dict(c.arguments)} for c in calls]


# --- recorded answers -----------------------------------------------------------------------


def test_the_recordings_hold_tool_calls() -> None:
    calls = [p for p in WITH_TOOLS if expected_of(*p.values)["tool_calls"]]
    assert {p.values[0].folder for p in calls} == {"openai", "ollama"}
    assert len(calls) >= 5


@pytest.mark.parametrize(("cassette", "index"), WITH_TOOLS)
async def test_recorded_tool_calls_become_whole_tool_calls(cassette: Cassette, index: int) -> None:
    expected = expected_of(cassette, index)
    result = await replay("openai", cassette.interactions[index])

    assert result.error is None, result.error
    want = [{"id": c["id"], "name": c["name"], "arguments": c["arguments_parsed"]} for c in expected["tool_calls"]]
    assert as_expected(tool_calls(result.events)) == want
    assert result.answer.finish_reason == expected["finish_reason"]
    if want:
        assert expected["finish_reason"] == "tool_calls"
        # The calls are whole before the answer's usage and end are told.
        last_call = max(i for i, e in enumerate(result.events) if isinstance(e, ToolCall))
        assert all(not isinstance(e, (Usage, Finish)) for e in result.events[:last_call])


# --- recorded requests ----------------------------------------------------------------------


def _specs(recorded: Recorded) -> tuple[ToolSpec, ...]:
    functions = [t["function"] for t in recorded.request_body.get("tools", ())]
    return tuple(ToolSpec(f["name"], f.get("description", ""), f["parameters"]) for f in functions)


def _without_strict(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**t, "function": {k: v for k, v in t["function"].items() if k != "strict"}} for t in tools]


def _first_with_tools(cassette: Cassette) -> Recorded | None:
    first = cassette.interactions[0]
    return first if first.status == 200 and first.request_body.get("tools") else None


FIRST_REQUESTS = [
    pytest.param(c, id=c.name) for c in OPENAI_COMPATIBLE if _first_with_tools(c) is not None
]


def test_every_openai_compatible_folder_has_a_tool_request() -> None:
    assert {p.values[0].folder for p in FIRST_REQUESTS} == {"openai", "ollama"}


@pytest.mark.parametrize("cassette", FIRST_REQUESTS)
async def test_the_first_recorded_request_is_what_the_adapter_sends(cassette: Cassette) -> None:
    """The recorded client's first request (a question and tools), asked by orch: the same messages and
    tools go out, and the recorded answer to it is understood."""
    recorded = cassette.interactions[0]
    question = recorded.request_body["messages"][0]
    request = ChatRequest(recorded.model_id, (Message("user", question["content"]),), tools=_specs(recorded))

    result = await replay("openai", recorded, request)

    assert result.error is None, result.error
    sent = json.loads(result.sent[0].read())
    assert sent["messages"] == recorded.request_body["messages"]
    assert sent["tools"] == _without_strict(recorded.request_body["tools"])
    assert as_expected(tool_calls(result.events)) == [
        {"id": c["id"], "name": c["name"], "arguments": c["arguments_parsed"]}
        for c in expected_of(cassette, 0)["tool_calls"]
    ]


def _comparable(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages with `content: null` dropped and call arguments parsed (clients space JSON differently)."""
    out = []
    for message in messages:
        message = {k: v for k, v in message.items() if not (k == "content" and v is None)}
        if "tool_calls" in message:
            message["tool_calls"] = [
                {**c, "function": {**c["function"], "arguments": json.loads(c["function"]["arguments"])}}
                for c in message["tool_calls"]
            ]
        out.append(message)
    return out


def _cassette(name: str) -> Cassette:
    return next(c for c in OPENAI_COMPATIBLE if c.name == name)


async def test_a_replayed_tool_round_is_sent_as_recorded() -> None:
    cassette = _cassette("openai/chat_stream_tool_call_then_text_usage.yaml")
    recorded = cassette.interactions[1]
    answer = Message("assistant", "", parts=(
        Part.tool_call("call_ZR5UUuTt3pf61kjwAJIYdVMj", "get_capital", {"country": "UK"}),
        Part.tool_result("call_ZR5UUuTt3pf61kjwAJIYdVMj", "get_capital", "London"),
    ))
    question = Message("user", "What is the capital of the UK? Use the tool, then answer.")
    request = ChatRequest(recorded.model_id, (question, answer), tools=_specs(recorded))

    result = await replay("openai", recorded, request)

    sent = json.loads(result.sent[0].read())
    assert sent["messages"][:2] == recorded.request_body["messages"][:2]  # `content: null` beside the call
    assert _comparable(sent["messages"]) == _comparable(recorded.request_body["messages"])
    assert result.answer.text == cassette.expected["text"]


async def test_two_tool_rounds_of_one_answer_are_sent_as_recorded() -> None:
    cassette = _cassette("openai/chat_nonstream_gzip_tool_chain.yaml")
    recorded = cassette.interactions[2]
    first, second = "call_TTY8UFNo7rNCaOBUNtlRSvMG", "call_aq9UyiSFkzX6W8Ydc33DoI9Y"
    answer = Message("assistant", "", parts=(
        Part.tool_call(first, "lookup_population", {"country": "Crumpet"}),
        Part.tool_result(first, "lookup_population", "123124"),
        Part.tool_call(second, "can_have_dragons", {"population": 123124}),
        Part.tool_result(second, "can_have_dragons", "true"),
    ))
    question = Message("user", recorded.request_body["messages"][0]["content"])
    request = ChatRequest(recorded.model_id, (question, answer), tools=_specs(recorded))

    result = await replay("openai", recorded, request)

    sent = json.loads(result.sent[0].read())
    assert _comparable(sent["messages"]) == _comparable(recorded.request_body["messages"])
    assert sent["tools"] == recorded.request_body["tools"]
    assert (result.answer.text, result.answer.finish_reason) == ("YES", "stop")


# --- the loopback server --------------------------------------------------------------------


@pytest.fixture
async def provider(llm_server: LLMServer):
    client = create_client(NetworkConfig(max_retries=0))
    config = OpenAIProviderConfig(kind="openai", base_url=llm_server.base_url("openai"))
    yield create_provider("openai", config, None, client)
    await client.aclose()


async def events_of(provider, request: ChatRequest | None = None) -> list[Any]:
    request = request or ChatRequest("test-model", (Message("user", "weather?"),))
    return [event async for event in provider.stream(request)]


async def test_a_call_streamed_one_token_per_event(llm_server: LLMServer, provider) -> None:
    arguments = {"city": "Paris", "when": "tomorrow morning", "days": [1, 2]}
    llm_server.script(Reply.sse(openai_tool_call_events([("call_1", "get_weather", arguments)], text="Let me see.")))
    spec = ToolSpec("get_weather", "The weather in a city.", {"type": "object"})

    events = await events_of(provider, ChatRequest("test-model", (Message("user", "weather?"),), tools=(spec,)))

    assert tool_calls(events) == [ToolCall("call_1", "get_weather", arguments)]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Let me see."
    assert events[-1] == Finish("tool_calls")
    assert llm_server.requests[0].json()["tools"][0]["function"]["name"] == "get_weather"


async def test_interleaved_parallel_calls_are_assembled_by_index(llm_server: LLMServer, provider) -> None:
    calls = [("call_a", "read_file", {"path": "a.txt"}), ("call_b", "read_file", {"path": "some/longer/b.txt"})]
    llm_server.script(Reply.sse(openai_tool_call_events(calls, interleave=True)))

    events = await events_of(provider)

    assert tool_calls(events) == [ToolCall(*call) for call in calls]


async def test_a_server_that_says_stop_after_calls_ends_with_tool_calls(llm_server: LLMServer, provider) -> None:
    llm_server.script(Reply.sse(openai_tool_call_events([("c", "now", {})], finish="stop")))

    events = await events_of(provider)

    assert tool_calls(events) == [ToolCall("c", "now", {})]
    assert events[-1] == Finish("tool_calls")


async def test_a_plain_answer_still_ends_with_stop(llm_server: LLMServer, provider) -> None:
    llm_server.script(Reply.sse(openai_events("Just text.")))
    events = await events_of(provider)
    assert tool_calls(events) == [] and events[-1] == Finish("stop")


async def test_a_call_without_an_id_gets_one(llm_server: LLMServer, provider) -> None:
    body = {"choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
        "role": "assistant", "content": None,
        "tool_calls": [{"type": "function", "function": {"name": "now", "arguments": ""}}] * 2,
    }}]}
    llm_server.script(Reply.json(200, body))

    calls = tool_calls(await events_of(provider))

    assert [(c.name, dict(c.arguments)) for c in calls] == [("now", {}), ("now", {})]
    assert all(c.call_id for c in calls) and calls[0].call_id != calls[1].call_id


# --- garbage --------------------------------------------------------------------------------


async def test_cut_arguments_are_a_clear_error(llm_server: LLMServer, provider) -> None:
    events = openai_tool_call_events([("call_1", "get_weather", {"city": "Paris"})])
    cut = [e for e in events if '"arguments": "}"' not in e]  # the closing brace never came
    llm_server.script(Reply.sse(cut))

    with pytest.raises(errors.StreamError) as caught:
        await events_of(provider)

    assert "'get_weather'" in caught.value.message
    assert "not valid JSON" in caught.value.message


@pytest.mark.parametrize(
    ("call", "said"),
    [
        ({"id": "c", "function": {"name": "f", "arguments": "[1, 2]"}}, "'f' whose arguments are not an object"),
        ({"id": "c", "function": {"arguments": "{}"}}, "a tool call with no tool name"),
        ({"id": "c", "function": "f"}, "function is not an object"),
        ("f", "a tool call is not an object"),
    ],
)
async def test_malformed_calls_are_stream_errors(llm_server: LLMServer, provider, call: Any, said: str) -> None:
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    llm_server.script(Reply.json(200, {"choices": [{"index": 0, "finish_reason": "tool_calls", "message": message}]}))

    with pytest.raises(errors.StreamError) as caught:
        await events_of(provider)

    assert said in caught.value.message


async def test_a_tool_name_with_control_characters_is_shown_harmless(llm_server: LLMServer, provider) -> None:
    message = {"role": "assistant", "tool_calls": [{"id": "c", "function": {"name": "x\x1b[2J", "arguments": "{"}}]}
    llm_server.script(Reply.json(200, {"choices": [{"index": 0, "finish_reason": "tool_calls", "message": message}]}))

    with pytest.raises(errors.StreamError) as caught:
        await events_of(provider)

    assert "\x1b" not in caught.value.message

