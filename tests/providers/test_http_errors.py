"""Failures over a real socket: a loopback server misbehaves, the user reads one clear error.

Retries never really wait: the client's retry policy gets a `sleep` that only
records how long it was asked to wait.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from app import errors
from app.config import (
    AnthropicProviderConfig,
    GeminiProviderConfig,
    KeySpec,
    NetworkConfig,
    OpenAIProviderConfig,
)
from app.http import RetryPolicy, create_client, retry_after_s
from app.providers import create_provider
from app.providers.base import Answer, ChatRequest, Message, Provider, collect
from tests.support.llm_server import LLMServer, Reply, anthropic_events, free_port, openai_events, stream_reply

KEY = "sk-test-abcdef0123456789"
CONFIGS = {"openai": OpenAIProviderConfig, "anthropic": AnthropicProviderConfig, "gemini": GeminiProviderConfig}
REQUEST = ChatRequest("test-model", (Message("user", "hi"),))
MakeProvider = Callable[..., Provider]


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
async def make(waits: list[float]) -> AsyncIterator[MakeProvider]:
    """`make(kind, base_url, key=KEY, max_retries=2, **network)` -> a provider on a fresh client."""
    clients: list[httpx.AsyncClient] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    def build(kind: str, base_url: str, *, key: str | None = KEY, max_retries: int = 2, **network: float) -> Provider:
        config = NetworkConfig(max_retries=max_retries, **network)
        client = create_client(config, retry=RetryPolicy.from_network(config, sleep=record))
        clients.append(client)
        spec = KeySpec(vault=kind, env=f"{kind.upper()}_API_KEY") if key else None
        return create_provider(kind, CONFIGS[kind](kind=kind, base_url=base_url, key=spec), key, client)

    yield build
    for client in clients:
        await client.aclose()


async def fails(provider: Provider) -> errors.ProviderError:
    return (await fails_keeping_text(provider))[0]


async def fails_keeping_text(provider: Provider) -> tuple[errors.ProviderError, str]:
    """The error the stream ends with, and the answer's text that arrived before it."""
    answer = Answer()
    with pytest.raises(errors.ProviderError) as caught:
        async for event in provider.stream(REQUEST):
            answer.add(event)
    assert KEY not in str(caught.value)
    return caught.value, answer.text


# --- statuses ------------------------------------------------------------------------------


async def test_429_with_retry_after_then_success(llm_server: LLMServer, make, waits) -> None:
    llm_server.script(
        Reply.json(429, {"error": {"message": "slow down"}}, headers={"retry-after": "7"}),
        Reply.json(503, {"error": {"message": "busy"}}, headers={"retry-after-ms": "1500"}),
        stream_reply("openai", "Hello there"),
    )
    answer = await collect(make("openai", llm_server.base_url("openai")).stream(REQUEST))
    assert answer.text == "Hello there"
    assert waits == [7.0, 1.5]
    assert len(llm_server.requests) == 3


async def test_retry_after_is_capped(llm_server: LLMServer, make, waits) -> None:
    llm_server.script(Reply.json(429, {}, headers={"retry-after": "3600"}), stream_reply("gemini", "ok"))
    await collect(make("gemini", llm_server.base_url("gemini")).stream(REQUEST))
    assert waits == [60.0]


async def test_500_until_retries_run_out(llm_server: LLMServer, make, waits) -> None:
    llm_server.default = lambda request: Reply.json(500, {"error": {"message": "The server had an error"}})
    error = await fails(make("openai", llm_server.base_url("openai"), max_retries=3))
    assert isinstance(error, errors.ServerError)
    assert "500" in error.message and "4 tries" in error.message
    assert "The server had an error" in error.message
    assert len(llm_server.requests) == 4
    assert len(waits) == 3 and all(0 <= w <= 20 for w in waits)


async def test_server_can_veto_retries(llm_server: LLMServer, make) -> None:
    overloaded = {"type": "error", "error": {"message": "Overloaded"}}
    llm_server.script(Reply.json(529, overloaded, {"x-should-retry": "false"}))
    error = await fails(make("anthropic", llm_server.base_url("anthropic")))
    assert isinstance(error, errors.ServerError)
    assert "529 Overloaded (1 try): Overloaded" in error.message
    assert len(llm_server.requests) == 1


async def test_401_names_the_key_and_how_to_fix_it(llm_server: LLMServer, make) -> None:
    body = {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
    llm_server.script(Reply.json(401, body))
    error = await fails(make("anthropic", llm_server.base_url("anthropic")))
    assert isinstance(error, errors.AuthError)
    assert error.message == "anthropic rejected the API key (401): invalid x-api-key"
    assert "`orch vault set anthropic`" in (error.hint or "")
    assert len(llm_server.requests) == 1
    assert llm_server.requests[0].headers["x-api-key"] == KEY


async def test_401_without_a_key_says_one_is_needed(llm_server: LLMServer, make) -> None:
    llm_server.script(Reply.json(401, {"error": {"message": "Missing bearer token"}}))
    error = await fails(make("openai", llm_server.base_url("openai"), key=None))
    assert error.message == "openai wants an API key (401): Missing bearer token"
    assert "config.yaml" in (error.hint or "")
    assert "authorization" not in llm_server.requests[0].headers


async def test_echoed_key_is_masked(llm_server: LLMServer, make) -> None:
    llm_server.script(Reply.json(403, {"error": {"message": f"key {KEY} is not allowed"}}))
    error = await fails(make("openai", llm_server.base_url("openai")))
    assert isinstance(error, errors.AuthError)
    assert "key [key] is not allowed" in error.message


async def test_404_names_the_model(llm_server: LLMServer, make) -> None:
    body = {"error": {"code": 404, "message": "models/test-model is not found", "status": "NOT_FOUND"}}
    llm_server.script(Reply.json(404, body))
    error = await fails(make("gemini", llm_server.base_url("gemini")))
    assert isinstance(error, errors.ModelNotFoundError)
    assert "'test-model'" in error.message and "models/test-model is not found" in error.message


async def test_400_quotes_the_provider_and_is_not_retried(llm_server: LLMServer, make) -> None:
    body = {"error": {"message": "max_tokens is too large", "type": "invalid_request_error"}}
    llm_server.script(Reply.json(400, body))
    error = await fails(make("openai", llm_server.base_url("openai")))
    assert isinstance(error, errors.BadRequestError)
    assert error.message == "openai rejected the request (400 Bad Request): max_tokens is too large"
    assert len(llm_server.requests) == 1


async def test_html_error_page_is_not_quoted(llm_server: LLMServer, make) -> None:
    llm_server.script(Reply(502, {"content-type": "text/html"}, b"<html><body>Bad gateway</body></html>"))
    error = await fails(make("openai", llm_server.base_url("openai"), max_retries=0))
    assert error.message == "openai answered 502 Bad Gateway (1 try)"


# --- broken streams ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["openai", "anthropic", "gemini"])
async def test_dropped_connection_keeps_the_partial_answer(llm_server: LLMServer, make, kind: str) -> None:
    llm_server.script(stream_reply(kind, "one two three four five", drop_after_tokens=3))
    error, partial = await fails_keeping_text(make(kind, llm_server.base_url(kind)))
    assert isinstance(error, errors.StreamError)
    assert "broke mid-answer" in error.message
    assert partial == "one two three "
    assert len(llm_server.requests) == 1  # never retried once the answer began


async def test_stream_that_ends_without_its_end_marker(llm_server: LLMServer, make) -> None:
    events = anthropic_events("cut short")[:-3]  # no block stop, message_delta, message_stop
    llm_server.script(Reply.sse(events))
    error, partial = await fails_keeping_text(make("anthropic", llm_server.base_url("anthropic")))
    assert isinstance(error, errors.StreamError)
    assert "stopped before it was complete" in error.message
    assert partial == "cut short"


async def test_malformed_chunk(llm_server: LLMServer, make) -> None:
    events = openai_events("fine so far")
    events.insert(3, 'data: {"choices": [{"delta": {"content": "x"\n\n')
    llm_server.script(Reply.sse(events))
    error, partial = await fails_keeping_text(make("openai", llm_server.base_url("openai")))
    assert isinstance(error, errors.StreamError)
    assert "malformed chunk" in error.message and '{"choices"' in error.message
    assert partial == "fine so "


async def test_anthropic_error_event_mid_stream(llm_server: LLMServer, make) -> None:
    events = anthropic_events("Hello world again")[:5]  # start, block, ping, "Hello ", "world "
    overloaded = '{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}'
    events.append(f"event: error\ndata: {overloaded}\n\n")
    llm_server.script(Reply.sse(events))
    error, partial = await fails_keeping_text(make("anthropic", llm_server.base_url("anthropic")))
    assert isinstance(error, errors.ServerError)
    assert error.message == "anthropic reported an error mid-answer (overloaded_error): Overloaded"
    assert partial == "Hello world "


async def test_openai_compatible_error_chunk_mid_stream(llm_server: LLMServer, make) -> None:
    events = openai_events("partial answer")[:2]
    events.append('data: {"error": {"code": 429, "message": "Rate limit exceeded upstream"}}\n\n')
    llm_server.script(Reply.sse(events))
    error, partial = await fails_keeping_text(make("openai", llm_server.base_url("openai")))
    assert isinstance(error, errors.RateLimitError)
    assert "Rate limit exceeded upstream" in error.message
    assert partial == "partial "


# --- timeouts and connections ----------------------------------------------------------------


async def test_hung_server_hits_the_read_timeout(llm_server: LLMServer, make) -> None:
    llm_server.script(Reply(hang=True))
    error = await fails(make("openai", llm_server.base_url("openai"), read_timeout_s=0.2))
    assert isinstance(error, errors.TimeoutError)
    assert error.message == "openai sent nothing for 0.2s (read timeout)"
    assert len(llm_server.requests) == 1


async def test_stream_that_stalls_hits_the_read_timeout_and_keeps_the_partial(llm_server: LLMServer, make) -> None:
    llm_server.script(stream_reply("anthropic", "a b c d", stall_after_tokens=2))
    # Long enough that "a b " is in before a busy machine could let the timeout pass.
    error, partial = await fails_keeping_text(make("anthropic", llm_server.base_url("anthropic"), read_timeout_s=0.5))
    assert isinstance(error, errors.TimeoutError)
    assert "read timeout" in error.message
    assert partial == "a b "


@pytest.mark.parametrize("read_timeout_s", [None, 0.15])  # the timer armed from the start, or only near the end
async def test_overall_deadline(llm_server: LLMServer, make, read_timeout_s: float | None) -> None:
    # A tick every 20 ms: far inside the read timeout, so only the overall deadline can end the stream.
    llm_server.script(stream_reply("gemini", "tick " * 200, token_delay_s=0.02))
    network = {"read_timeout_s": read_timeout_s} if read_timeout_s else {}
    error, partial = await fails_keeping_text(make("gemini", llm_server.base_url("gemini"), timeout_s=0.4, **network))
    assert isinstance(error, errors.TimeoutError)
    assert error.message == "gemini did not finish answering within 0.4s (overall timeout)"
    assert partial.startswith("tick tick ")


async def test_connection_refused(make, waits) -> None:
    """Nothing listens on this machine's port: one try says so at once (issue 10: no retries on loopback)."""
    port = free_port()
    error = await fails(make("openai", f"http://127.0.0.1:{port}/v1"))
    assert isinstance(error, errors.ConnectError)
    assert error.message == f"cannot connect to openai at http://127.0.0.1:{port}: connection refused (1 try)"
    assert error.hint == "Is the server running?"
    assert len(waits) == 0


async def test_connection_refused_by_ollama_suggests_starting_it() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    network = NetworkConfig(max_retries=0)
    async with create_client(network, transport=httpx.MockTransport(refuse)) as client:
        config = OpenAIProviderConfig(kind="openai", base_url="http://localhost:11434/v1")
        provider = create_provider("ollama", config, None, client)
        error = await fails(provider)
    assert error.message == "cannot connect to ollama at http://localhost:11434: connection refused (1 try)"
    assert error.hint == "Is Ollama running? Start it with `ollama serve`."


async def test_loopback_is_never_proxied(llm_server: LLMServer, make, monkeypatch) -> None:
    dead_proxy = f"http://127.0.0.1:{free_port()}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, dead_proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    llm_server.script(stream_reply("openai", "direct"))
    answer: Answer = await collect(make("openai", llm_server.base_url("openai")).stream(REQUEST))
    assert answer.text == "direct"


# --- Retry-After parsing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "12"}, 12.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "-3"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_values(headers: dict[str, str], seconds: float | None) -> None:
    assert retry_after_s(httpx.Headers(headers)) == seconds


def test_retry_after_http_date() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert retry_after_s({"retry-after": later}, now=now.timestamp()) == 30.0


def test_backoff_is_exponential_with_full_jitter_and_capped() -> None:
    top = RetryPolicy(jitter=lambda: 0.999999)
    assert [round(top.backoff_s(n), 3) for n in range(1, 8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 20.0]
    assert RetryPolicy(jitter=lambda: 0.0).backoff_s(3) == 0.0


async def test_unexpected_chunk_shape_is_a_stream_error(llm_server: LLMServer, make) -> None:
    events = openai_events("fine")[:2]
    events.append('data: {"choices": [{"index": 0, "delta": "not an object"}]}\n\n')
    llm_server.script(Reply.sse(events))
    error, partial = await fails_keeping_text(make("openai", llm_server.base_url("openai")))
    assert isinstance(error, errors.StreamError)
    assert "could not read" in error.message
    assert partial == "fine"


async def test_openai_compatible_error_event(llm_server: LLMServer, make) -> None:
    events = [*openai_events("so far")[:2], 'event: error\ndata: {"message": "model crashed", "code": 500}\n\n']
    llm_server.script(Reply.sse(events))
    error = await fails(make("openai", llm_server.base_url("openai")))
    assert isinstance(error, errors.ServerError)
    assert error.message == "openai reported an error mid-answer: model crashed"
