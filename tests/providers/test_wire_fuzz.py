"""Hostile JSON shapes in each wire format (issue 14, fuzz): numbers where strings go, nulls, lists,
huge values, missing fields. Never an internal error: the stream ends, or fails as a ProviderError,
and what arrived before the hostile chunk is kept. Bounded: a few seconds in all."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import errors
from app.config import AnthropicProviderConfig, GeminiProviderConfig, NetworkConfig, OpenAIProviderConfig
from app.http import RetryPolicy, create_client
from app.providers import create_provider
from app.providers.base import ChatRequest, Finish, Message, TextDelta, ThinkingDelta, Usage

CONFIGS = {
    "openai": OpenAIProviderConfig(kind="openai", base_url="https://llm.test/v1"),
    "anthropic": AnthropicProviderConfig(kind="anthropic", base_url="https://llm.test"),
    "gemini": GeminiProviderConfig(kind="gemini", base_url="https://llm.test"),
}
PREFIX = "kept so far"

# One chunk of each format's shapes, every field of which the fuzz may replace.
TEMPLATES: dict[str, list[tuple[str | None, dict[str, Any]]]] = {
    "openai": [
        (None, {"choices": [{"index": 0, "delta": {"content": "x", "reasoning": "r", "refusal": "no"},
                             "finish_reason": "stop"}]}),
        (None, {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2,
                                         "prompt_tokens_details": {"cached_tokens": 1}}}),
        ("error", {"error": {"message": "m", "code": 500}}),
    ],
    "anthropic": [
        ("message_start", {"type": "message_start", "message": {"usage": {"input_tokens": 3,
                           "cache_read_input_tokens": 1, "cache_creation_input_tokens": 1}}}),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "x"}}),
        ("content_block_delta", {"type": "content_block_delta", "delta": {"type": "thinking_delta", "thinking": "t"}}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 2}}),
        ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "busy"}}),
    ],
    "gemini": [
        (None, {"candidates": [{"content": {"parts": [{"text": "x", "thought": False}]}, "finishReason": "STOP"}],
                "usageMetadata": {"promptTokenCount": 3, "candidatesTokenCount": 2, "thoughtsTokenCount": 1},
                "promptFeedback": {"blockReason": "SAFETY"}}),
        (None, {"error": {"code": 429, "message": "slow", "status": "RESOURCE_EXHAUSTED"}}),
    ],
}

hostile = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False) | st.text(max_size=20) | st.just("9" * 40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in `value` a hostile value could stand."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += paths(item, (*prefix, i))
    return found


def mutated(chunk: dict[str, Any], path: tuple, value: Any, drop: bool) -> Any:
    if not path:
        return value
    copied = copy.deepcopy(chunk)
    holder = copied
    for step in path[:-1]:
        holder = holder[step]
    if drop and isinstance(holder, dict):
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    return copied


def prefix_events(kind: str) -> str:
    if kind == "openai":
        return f"data: {json.dumps({'choices': [{'index': 0, 'delta': {'content': PREFIX}}]})}\n\n"
    if kind == "anthropic":
        delta = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": PREFIX}}
        return f"event: content_block_delta\ndata: {json.dumps(delta)}\n\n"
    return f"data: {json.dumps({'candidates': [{'content': {'parts': [{'text': PREFIX}]}}]})}\n\n"


@st.composite
def hostile_streams(draw: st.DrawFn) -> tuple[str, str]:
    kind = draw(st.sampled_from(sorted(TEMPLATES)))
    event, template = draw(st.sampled_from(TEMPLATES[kind]))
    path = draw(st.sampled_from(paths(template)))
    chunk = mutated(template, path, draw(hostile), draw(st.booleans()))
    head = f"event: {event}\n" if event else ""
    tail = draw(st.sampled_from(["", "data: [DONE]\n\n", "event: message_stop\ndata: {\"type\": \"message_stop\"}\n\n"]))
    return kind, prefix_events(kind) + f"{head}data: {json.dumps(chunk)}\n\n" + tail


async def read(kind: str, body: str) -> tuple[list[object], BaseException | None]:
    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body.encode())

    network = NetworkConfig(max_retries=0)
    client = create_client(network, retry=RetryPolicy.from_network(network), transport=httpx.MockTransport(serve))
    provider = create_provider(kind, CONFIGS[kind], "key-0123456789", client)
    events: list[object] = []
    failure: BaseException | None = None
    try:
        async for event in provider.stream(ChatRequest("m", (Message("user", "hi"),))):
            events.append(event)
    except errors.ProviderError as exc:
        failure = exc
    finally:
        await client.aclose()
    return events, failure


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(hostile_streams())
async def test_hostile_shapes_never_crash_and_keep_the_answer_so_far(stream: tuple[str, str]) -> None:
    kind, body = stream
    events, failure = await read(kind, body)
    for event in events:
        assert isinstance(event, (TextDelta, ThinkingDelta, Usage, Finish)), event
        if isinstance(event, (TextDelta, ThinkingDelta)):
            assert isinstance(event.text, str)
        if isinstance(event, Usage):
            for count in (event.input_tokens, event.output_tokens, event.cached_tokens):
                assert count is None or (type(count) is int and count >= 0)
        if isinstance(event, Finish):
            assert event.reason is None or isinstance(event.reason, str)
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text.startswith(PREFIX)
    if failure is not None:
        assert "Traceback" not in str(failure) and failure.message
