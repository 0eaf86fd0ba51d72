"""However the network cuts an SSE body into pieces, the answer is the same.

Each body (real recordings, one with CRLF separators and one with multi-byte
UTF-8, plus generated ones in LF and CRLF) is served by a MockTransport as a
stream of chunks cut at arbitrary byte offsets: inside a UTF-8 sequence,
between a CR and its LF, in the middle of `data:`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from itertools import pairwise

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.config import (
    AnthropicProviderConfig,
    GeminiProviderConfig,
    NetworkConfig,
    OpenAIProviderConfig,
)
from app.http import RetryPolicy, create_client
from app.providers import create_provider
from app.providers.base import Answer, ChatRequest, Message, collect
from tests.support.cassettes import FIXTURES, fixtures_dir, load
from tests.support.wire import anthropic_events, gemini_events, openai_events

CONFIGS = {"openai": OpenAIProviderConfig, "anthropic": AnthropicProviderConfig, "gemini": GeminiProviderConfig}
TRICKY = "Naïve café — 東京 🎉\nline two\r\n  indented"


def recorded_body(relative: str) -> tuple[bytes, str]:
    """The decoded SSE body of a recording's last interaction, and its expected text."""
    fixtures_dir()
    path = FIXTURES / relative
    cassette = load(path, {})
    raw = cassette.interactions[-1].response().read()
    expected = json.loads((path.parent / "expected.json").read_text(encoding="utf-8"))[path.name]
    return raw, expected["text"]


def generated(kind: str, crlf: bool) -> tuple[bytes, str]:
    if kind == "openai":
        events = openai_events(TRICKY, thinking="hmm, ok")
    elif kind == "anthropic":
        events = anthropic_events(TRICKY, thinking="let me see")
    else:
        events = gemini_events(TRICKY, thinking="thinking…", crlf=crlf)
    body = "".join(events)
    if crlf and kind != "gemini":
        body = body.replace("\n\n", "\r\n\r\n").replace("\ndata:", "\r\ndata:")
    return body.encode("utf-8"), TRICKY


BODIES = {
    "openai-recorded": ("openai", *recorded_body("openai/chat_stream_tool_call_then_text_usage.yaml")),
    "anthropic-recorded-utf8": ("anthropic", *recorded_body("anthropic/messages_stream_thinking_gzip.yaml")),
    "anthropic-recorded-padded": ("anthropic", *recorded_body("anthropic/messages_stream_text_ping.yaml")),
    "gemini-recorded-crlf": ("gemini", *recorded_body("gemini/stream_sse_text.yaml")),
    "openai-generated-crlf": ("openai", *generated("openai", crlf=True)),
    "anthropic-generated-lf": ("anthropic", *generated("anthropic", crlf=False)),
    "gemini-generated-crlf": ("gemini", *generated("gemini", crlf=True)),
    "gemini-generated-lf": ("gemini", *generated("gemini", crlf=False)),
}


def split(body: bytes, cuts: list[int]) -> list[bytes]:
    edges = [0, *sorted(set(cuts)), len(body)]
    return [body[a:b] for a, b in pairwise(edges) if b > a]


async def answer_for(kind: str, chunks: list[bytes]) -> Answer:
    async def pieces() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=pieces())

    network = NetworkConfig(max_retries=0)
    transport = httpx.MockTransport(serve)
    async with create_client(network, retry=RetryPolicy(max_retries=0), transport=transport) as client:
        provider = create_provider(kind, CONFIGS[kind](kind=kind, base_url="https://example.test/v1"), "k", client)
        return await collect(provider.stream(ChatRequest("m", (Message("user", "hi"),))))


@pytest.mark.parametrize("name", sorted(BODIES))
def test_whole_body_gives_the_expected_text(name: str) -> None:
    kind, body, text = BODIES[name]
    assert asyncio.run(answer_for(kind, [body])).text == text


@pytest.mark.parametrize("name", sorted(BODIES))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_chunking_gives_the_same_answer(name: str, data: st.DataObject) -> None:
    kind, body, _ = BODIES[name]
    cuts = data.draw(st.lists(st.integers(min_value=1, max_value=len(body) - 1), max_size=40), label="cuts")
    whole = asyncio.run(answer_for(kind, [body]))
    pieces = asyncio.run(answer_for(kind, split(body, cuts)))
    assert pieces == whole


@pytest.mark.parametrize("name", sorted(BODIES))
def test_byte_by_byte(name: str) -> None:
    kind, body, text = BODIES[name]
    answer = asyncio.run(answer_for(kind, [body[i : i + 1] for i in range(len(body))]))
    assert answer.text == text
