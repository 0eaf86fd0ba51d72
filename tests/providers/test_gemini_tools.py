"""Gemini function calling on the wire: recorded calls replayed, a loopback round trip, and broken calls."""

from __future__ import annotations

import json

import httpx
import pytest

from app import errors
from app.config import GeminiProviderConfig, NetworkConfig
from app.http import RetryPolicy, create_client
from app.providers import create_provider
from app.providers.base import ChatRequest, Finish, Message, TextDelta, ThinkingDelta
from app.providers.gemini import generate_body
from app.runtime._transcript import Transcript
from app.types import Event, Part, ToolCall, ToolSpec
from tests.support.cassettes import replay
from tests.support.cassettes import Cassette, cassettes
from tests.support.llm_server import LLMServer, Reply
from tests.support.wire import gemini_events, gemini_tool_call_events

KEY = "key-0123456789"
GEMINI = [c for c in cassettes() if c.kind == "gemini"]
CALLING = [
    pytest.param(c, i, id=f"{c.name}#{i + 1}")
    for c in GEMINI
    for i in range(len(c.interactions))
    if "tool_calls" in c.expected_for(i)
]
WEATHER = ToolSpec("weather", "The weather in a city.", {"type": "object", "properties": {"city": {"type": "string"}}})


def calls_in(events: list[Event]) -> list[ToolCall]:
    return [e for e in events if isinstance(e, ToolCall)]


def finish_of(events: list[Event]) -> str | None:
    return next(e.reason for e in events if isinstance(e, Finish))


def test_the_recordings_hold_calls() -> None:
    assert len(CALLING) == 3 and all(c.expected_for(i)["tool_calls"] for c, i in (p.values for p in CALLING))


@pytest.mark.parametrize(("cassette", "index"), CALLING)
async def test_recorded_calls_become_tool_call_events(cassette: Cassette, index: int) -> None:
    recorded, expected = cassette.interactions[index], cassette.expected_for(index)
    result = await replay("gemini", recorded)

    assert result.error is None
    calls = calls_in(result.events)
    # Gemini gave these calls no id: each gets one in this answer's order.
    assert [(c.call_id, c.name, c.arguments) for c in calls] == [
        (f"call_{n}", e["name"], e["arguments_parsed"]) for n, e in enumerate(expected["tool_calls"], 1)
    ]
    wire = recorded.response().read().decode()
    for call, wanted in zip(calls, expected["tool_calls"], strict=True):
        if wanted.get("has_thought_signature"):
            assert call.signature and f'"thoughtSignature": "{call.signature}"' in wire
        else:
            assert call.signature is None
    assert finish_of(result.events) == ("tool_calls" if calls else "STOP")


async def test_a_recorded_signature_goes_back_byte_for_byte() -> None:
    """The next request carries the call and its signature as they came (llm's recording did the same)."""
    cassette = next(c for c in GEMINI if c.path.name == "stream_json_array_gzip_function_call.yaml")
    result = await replay("gemini", cassette.interactions[0])
    (call,) = calls_in(result.events)
    answer = Message("assistant", "", (call.part, Part.tool_result(call.call_id, call.name, "Charles")))
    body = generate_body(ChatRequest("gemini-2.5-flash", (Message("user", "Two names for a pet pelican"), answer)))

    recorded_next = cassette.interactions[1].request_body["contents"]
    assert body["contents"][1]["parts"][0]["thoughtSignature"] == recorded_next[1]["parts"][0]["thoughtSignature"]
    assert body["contents"][1] == {
        "role": "model",
        "parts": [
            {
                "functionCall": {"name": "pelican_name_generator", "args": {}, "id": "call_1"},
                "thoughtSignature": call.signature,
            }
        ],
    }
    assert body["contents"][2] == {
        "role": "user",
        "parts": [
            {"functionResponse": {"name": "pelican_name_generator", "response": {"result": "Charles"}, "id": "call_1"}}
        ],
    }


async def test_a_streamed_call_round_trip_through_the_loopback_server(llm_server: LLMServer) -> None:
    llm_server.script(
        Reply.sse(gemini_tool_call_events([{"name": "weather", "args": {"city": "Paris"}}], text="Let me check.")),
        Reply.sse(gemini_events("Sunny.")),
    )
    question = Message("user", "Weather?")
    events = await stream_from(llm_server, ChatRequest("gemini-test", (question,), tools=(WEATHER,)))

    assert "".join(getattr(e, "text", "") for e in events if not isinstance(e, ToolCall)) == "Let me check."
    assert calls_in(events) == [ToolCall("call_1", "weather", {"city": "Paris"}, "c2lnbmF0dXJl")]
    assert finish_of(events) == "tool_calls"
    sent = llm_server.requests[0].json()
    assert sent["tools"] == [
        {"functionDeclarations": [{"name": "weather", "description": WEATHER.description,
                                   "parametersJsonSchema": dict(WEATHER.parameters)}]}
    ]  # fmt: skip

    (call,) = calls_in(events)
    answer = Message("assistant", "Let me check.", (Part("text", "Let me check."), call.part,
                                                    Part.tool_result(call.call_id, call.name, "sunny")))  # fmt: skip
    events = await stream_from(llm_server, ChatRequest("gemini-test", (question, answer), tools=(WEATHER,)))
    assert finish_of(events) == "STOP"
    assert llm_server.requests[1].json()["contents"][1:] == [
        {"role": "model", "parts": [{"text": "Let me check."}, {
            "functionCall": {"name": "weather", "args": {"city": "Paris"}, "id": "call_1"},
            "thoughtSignature": "c2lnbmF0dXJl"}]},
        {"role": "user", "parts": [
            {"functionResponse": {"name": "weather", "response": {"result": "sunny"}, "id": "call_1"}}]},
    ]  # fmt: skip


async def test_parallel_calls_keep_gemini_ids_and_number_the_rest(llm_server: LLMServer) -> None:
    calls = [{"name": "weather", "args": {"city": "Paris"}, "id": "g-7"}, {"name": "weather", "args": {"city": "Rome"}}]
    llm_server.script(Reply.sse(gemini_tool_call_events(calls, crlf=False)))
    events = await stream_from(llm_server, ChatRequest("gemini-test", (Message("user", "Weather?"),), tools=(WEATHER,)))

    assert [(c.call_id, c.arguments, c.signature) for c in calls_in(events)] == [
        ("g-7", {"city": "Paris"}, "c2lnbmF0dXJl"),
        ("call_2", {"city": "Rome"}, None),
    ]


async def test_a_json_answer_with_a_call_finishes_tool_calls() -> None:
    chunk = {"candidates": [{"content": {"role": "model", "parts": [
        {"functionCall": {"name": "weather", "args": {"city": "Oslo"}}, "thoughtSignature": "c2ln"}]},
        "finishReason": "STOP"}], "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 2}}  # fmt: skip
    events = await events_of(httpx.Response(200, json=chunk))

    assert calls_in(events) == [ToolCall("call_1", "weather", {"city": "Oslo"}, "c2ln")]
    assert finish_of(events) == "tool_calls"


async def test_a_call_cut_short_by_max_tokens_stays_truncated() -> None:
    chunk = {"candidates": [{"content": {"parts": [{"functionCall": {"name": "weather", "args": {}}}]},
                             "finishReason": "MAX_TOKENS"}]}  # fmt: skip
    assert finish_of(await events_of(sse_response(chunk))) == "MAX_TOKENS"


@pytest.mark.parametrize(
    ("call", "said"),
    [
        ({"name": "weather", "args": '{"city": "Par'}, "tool 'weather' whose arguments are not valid JSON"),
        ({"name": "weather", "args": ["Paris"]}, "tool 'weather' whose arguments are not a JSON object"),
        ({"args": {}}, "a function call with no name"),
    ],
)
async def test_a_broken_call_is_a_clear_error(call: dict, said: str) -> None:
    chunk = {"candidates": [{"content": {"parts": [{"functionCall": call}]}, "finishReason": "STOP"}]}
    with pytest.raises(errors.StreamError) as raised:
        await events_of(sse_response(chunk))
    assert said in raised.value.message
    assert KEY not in raised.value.message


async def test_arguments_as_a_string_of_json_are_read() -> None:
    chunk = {"candidates": [{"content": {"parts": [{"functionCall": {"name": "weather", "args": '{"city": "Oslo"}'}}]},
                             "finishReason": "STOP"}]}  # fmt: skip
    assert calls_in(await events_of(sse_response(chunk))) == [ToolCall("call_1", "weather", {"city": "Oslo"})]


async def test_a_chunk_cut_inside_a_call_is_a_clear_error() -> None:
    whole = json.dumps({"candidates": [{"content": {"parts": [{"functionCall": {"name": "weather", "args": {}}}]}}]})
    with pytest.raises(errors.StreamError, match="malformed chunk"):
        await events_of(httpx.Response(200, headers={"content-type": "text/event-stream"},
                                       content=f"data: {whole[:60]}\n\n".encode()))  # fmt: skip


@pytest.mark.parametrize("reason", ["MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL"])
async def test_an_answer_ended_on_a_call_gemini_could_not_make_is_an_error(reason: str) -> None:
    chunks = ({"candidates": [{"content": {"parts": [{"text": "Let me check"}]}}]},
              {"candidates": [{"content": {"parts": []}, "finishReason": reason}]})  # fmt: skip
    events: list[Event] = []
    with pytest.raises(errors.StreamError) as raised:
        await events_of(sse_response(*chunks), into=events)
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Let me check"]
    assert raised.value.message.startswith("gemini's model stopped on a ") and reason in raised.value.message
    assert raised.value.hint
    assert KEY not in raised.value.message


async def test_a_signed_text_part_keeps_its_signature_on_the_text() -> None:
    chunks = ({"candidates": [{"content": {"parts": [{"text": "Sunny", "thoughtSignature": "dGV4dA=="}]}}]},
              {"candidates": [{"content": {"parts": [{"text": "", "thoughtSignature": "bGF0ZQ=="}]},
                               "finishReason": "STOP"}]})  # fmt: skip
    texts = [e for e in await events_of(sse_response(*chunks)) if isinstance(e, TextDelta)]
    assert [(e.text, e.signature) for e in texts] == [("Sunny", "dGV4dA=="), ("", "bGF0ZQ==")]


async def test_a_signed_text_part_goes_back_on_the_next_request() -> None:
    chunk = {"candidates": [{"content": {"parts": [{"text": "Sunny.", "thoughtSignature": "dGV4dA=="}]},
                             "finishReason": "STOP"}]}  # fmt: skip
    said = Transcript()
    for event in await events_of(sse_response(chunk)):
        said.add(event)
    said.end_round()
    assert said.parts == (Part("text", "Sunny.", signature="dGV4dA=="),)

    body = generate_body(ChatRequest("m", (Message("user", "Weather?"), Message("assistant", said.text, said.parts),
                                           Message("user", "Tomorrow?"))))  # fmt: skip
    assert body["contents"][1] == {"role": "model", "parts": [{"text": "Sunny.", "thoughtSignature": "dGV4dA=="}]}


async def test_a_thought_summary_s_signature_is_not_put_on_the_text() -> None:
    chunk = {"candidates": [{"content": {"parts": [{"text": "hmm", "thought": True, "thoughtSignature": "c2ln"},
                                                   {"text": "Yes."}]}, "finishReason": "STOP"}]}  # fmt: skip
    events = await events_of(sse_response(chunk))
    assert [e for e in events if isinstance(e, TextDelta)] == [TextDelta("Yes.")]
    assert [e.text for e in events if isinstance(e, ThinkingDelta)] == ["hmm"]


# --- helpers ------------------------------------------------------------------------------------


def sse_response(*chunks: object) -> httpx.Response:
    body = "".join(f"data: {json.dumps(c)}\r\n\r\n" for c in chunks)
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body.encode())


async def events_of(response: httpx.Response, into: list[Event] | None = None) -> list[Event]:
    """The events the adapter reads from `response` (served by `httpx.MockTransport`), also kept in `into`
    as they come (so a test sees those before an error)."""
    network = NetworkConfig(max_retries=0)
    client = create_client(network, retry=RetryPolicy.from_network(network),
                           transport=httpx.MockTransport(lambda _: response))  # fmt: skip
    return await _collect(client, "https://llm.test", ChatRequest("m", (Message("user", "hi"),)), into)


async def stream_from(server: LLMServer, request: ChatRequest) -> list[Event]:
    """The events the adapter reads from the loopback server, over a real connection."""
    network = NetworkConfig(max_retries=0)
    return await _collect(create_client(network, retry=RetryPolicy.from_network(network)),
                          server.base_url("gemini"), request)  # fmt: skip


async def _collect(client: httpx.AsyncClient, base_url: str, request: ChatRequest,
                   into: list[Event] | None = None) -> list[Event]:  # fmt: skip
    provider = create_provider("gemini", GeminiProviderConfig(kind="gemini", base_url=base_url), KEY, client)
    events = [] if into is None else into
    try:
        async for event in provider.stream(request):
            events.append(event)
        return events
    finally:
        await client.aclose()
