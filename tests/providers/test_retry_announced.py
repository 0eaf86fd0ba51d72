"""Each adapter hands a `Retry` event up before it waits to try again: a 429, then the answer (loopback)."""

from __future__ import annotations

import httpx
import pytest

from app.config import AnthropicProviderConfig, GeminiProviderConfig, NetworkConfig, OpenAIProviderConfig
from app.http import FailureKind, HttpFailure, RetryPolicy, create_client
from app.providers import create_provider
from app.providers.base import ChatRequest, Message
from app.providers.errors import retry_reason
from app.types import Event, Finish, Retry, TextDelta, Usage
from tests.support.llm_server import LLMServer, Reply, stream_reply

CONFIGS = {"openai": OpenAIProviderConfig, "anthropic": AnthropicProviderConfig, "gemini": GeminiProviderConfig}
REQUEST = ChatRequest("test-model", (Message("user", "hi"),))


async def stream(server: LLMServer, kind: str, waits: list[float]) -> list[Event]:
    async def record(seconds: float) -> None:
        waits.append(seconds)

    network = NetworkConfig(max_retries=3)
    async with create_client(network, retry=RetryPolicy.from_network(network, sleep=record)) as client:
        config = CONFIGS[kind](kind=kind, base_url=server.base_url(kind))
        provider = create_provider(kind, config, "sk-test-abcdef0123456789", client)
        return [event async for event in provider.stream(REQUEST)]


@pytest.mark.parametrize("kind", ["openai", "anthropic", "gemini"])
async def test_a_429_then_the_answer_gives_a_retry_event_first(llm_server: LLMServer, kind: str) -> None:
    llm_server.script(
        Reply.json(429, {"error": {"message": "slow down"}}, headers={"retry-after": "2"}),
        Reply.json(529, {"error": {"message": "overloaded"}}, headers={"retry-after-ms": "500"}),
        stream_reply(kind, "Hello there"),
    )
    waits: list[float] = []
    events = await stream(llm_server, kind, waits)

    assert events[:2] == [Retry(1, 2.0, "429"), Retry(2, 0.5, "529")]
    rest = events[2:]
    assert not any(isinstance(e, Retry) for e in rest)
    assert "".join(e.text for e in rest if isinstance(e, TextDelta)) == "Hello there"
    assert isinstance(rest[-1], Finish) and any(isinstance(e, Usage) for e in rest)
    assert waits == [2.0, 0.5] and len(llm_server.requests) == 3


async def test_an_answer_that_needed_no_retry_has_no_retry_event(llm_server: LLMServer) -> None:
    llm_server.script(stream_reply("openai", "at once"))
    assert not any(isinstance(e, Retry) for e in await stream(llm_server, "openai", []))


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (HttpFailure(FailureKind.STATUS, "u", status=503), "503"),
        (HttpFailure(FailureKind.CONNECT_FAILED, "u"), "cannot connect"),
        (HttpFailure(FailureKind.CONNECT_TIMEOUT, "u"), "connect timeout"),
        (HttpFailure(FailureKind.CONNECT_REFUSED, "u"), "connect refused"),
        (HttpFailure(FailureKind.CLOSED, "u"), "connection closed"),
        (HttpFailure(FailureKind.UNKNOWN_HOST, "u"), "unknown host"),
    ],
)
def test_the_reason_is_the_status_or_how_connecting_failed(failure: HttpFailure, reason: str) -> None:
    assert retry_reason(failure) == reason


async def test_a_remote_server_that_cannot_be_reached_at_first_is_retried_and_said_so() -> None:
    tries: list[httpx.Request] = []

    def serve(request: httpx.Request) -> httpx.Response:
        tries.append(request)
        if len(tries) == 1:
            raise httpx.ConnectError("connection reset", request=request)
        body = 'data: {"choices": [{"index": 0, "delta": {"content": "up"}, "finish_reason": "stop"}]}\n\n'
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body.encode())

    async def no_wait(seconds: float) -> None:
        pass

    network = NetworkConfig(max_retries=2)
    client = create_client(network, retry=RetryPolicy.from_network(network, sleep=no_wait, jitter=lambda: 0.0),
                           transport=httpx.MockTransport(serve))  # fmt: skip
    async with client:
        provider = create_provider("openai", OpenAIProviderConfig(kind="openai", base_url="https://llm.test/v1"),
                                   None, client)  # fmt: skip
        events = [event async for event in provider.stream(REQUEST)]
    assert events[0] == Retry(1, 0.0, "cannot connect")
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["up"]
