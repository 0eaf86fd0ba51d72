"""The HTTP layer reports failures as data; the providers put them into words.

`post_sse` is driven here with no adapter: a MockTransport answers, a tiny
parser reads, and what comes out is an `HttpFailure` whose fields say what
happened. Then every kind of failure is put into words by
`app.providers.errors`, and the retry delay a body states (Gemini's
`retryDelay`) reaches the retry loop through the `retry_delay` hook.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from app import errors
from app.config import GeminiProviderConfig, NetworkConfig
from app.http import FailureKind, HttpFailure, RetryPolicy, create_client, post_sse
from app.providers import create_provider
from app.providers._http import Endpoint
from app.providers.base import ChatRequest, Message, collect
from app.providers.errors import _MESSAGES, provider_error, retry_delay_s
from tests.support.wire import gemini_events

URL = "https://api.example.test/v1/chat"
SECRET = "sk-secret-0123456789"
HTTP = Path(__file__).resolve().parents[2] / "app" / "http"


class LinesParser:
    """Each SSE event's data is one event; the answer is whole once the body ends."""

    def feed_sse(self, event: Any) -> list[str]:
        return [event.data]

    def feed_json(self, body: Any) -> list[str]:
        return [json.dumps(body)]

    def finish(self) -> list[str]:
        return []


async def post(
    serve: Callable[[httpx.Request], httpx.Response], *, retries: int = 2, **kwargs: Any
) -> tuple[list[str], list[float]]:
    """The events `post_sse` yields for `serve`'s answers, and the waits it asked for."""
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    policy = RetryPolicy(max_retries=retries, sleep=record, jitter=lambda: 0.0)
    async with create_client(NetworkConfig(), retry=policy, transport=httpx.MockTransport(serve)) as client:
        events = [e async for e in post_sse(client, URL, headers={}, body={}, parser=LinesParser(), **kwargs)]
    return events, waits


async def failure_of(serve: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> HttpFailure:
    with pytest.raises(HttpFailure) as caught:
        await post(serve, **kwargs)
    return caught.value


async def test_a_status_is_reported_with_its_body_tries_and_retry_after() -> None:
    body = json.dumps({"error": {"message": f"slow down {SECRET}"}}).encode()

    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"retry-after": "2", "content-type": "application/json"}, content=body)

    failure = await failure_of(serve, retries=1)
    assert (failure.kind, failure.status, failure.tries, failure.retry_after_s) == (FailureKind.STATUS, 429, 2, 2.0)
    assert failure.body == body and failure.content_type == "application/json"
    assert failure.url == URL
    assert SECRET not in str(failure) and SECRET not in repr(failure)


async def test_a_refused_connection_is_retried_then_reported() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    failure = await failure_of(refuse, retries=2)
    assert (failure.kind, failure.tries, failure.started) == (FailureKind.CONNECT_REFUSED, 3, False)


async def test_a_body_that_is_neither_json_nor_sse() -> None:
    failure = await failure_of(lambda request: httpx.Response(200, text="hello?"))
    assert (failure.kind, failure.body, failure.started) == (FailureKind.NOT_JSON_NOR_SSE, b"hello?", True)


async def test_the_body_s_own_delay_is_asked_through_the_hook() -> None:
    answers = iter([httpx.Response(503, text="wait 4"), httpx.Response(200, json={"ok": True})])

    def asked(body: bytes) -> float | None:
        return float(body.split()[-1])

    events, waits = await post(lambda request: next(answers), retry_delay=asked)
    assert events == ['{"ok": true}'] and waits == [4.0]


async def test_without_a_hook_the_body_is_not_read_for_a_delay() -> None:
    answers = iter([httpx.Response(503, text="wait 4"), httpx.Response(200, json={"ok": True})])
    _, waits = await post(lambda request: next(answers))
    assert waits == [0.0]  # backoff, with the test's jitter of 0


def test_every_kind_of_failure_has_words() -> None:
    assert set(_MESSAGES) == set(FailureKind) - {FailureKind.STATUS}
    endpoint = Endpoint("local", "http://localhost:8080/v1/chat", "m")
    for kind in FailureKind:
        error = provider_error(endpoint, HttpFailure(kind, endpoint.url, status=500, reason="why"))
        assert isinstance(error, errors.ProviderError) and "local" in error.message and "{" not in error.message


def test_gemini_retry_delay_is_read_from_the_body() -> None:
    body = {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "details": [{"retryDelay": "12s"}]}}
    assert retry_delay_s(json.dumps(body).encode()) == 12.0
    assert retry_delay_s(json.dumps([body]).encode()) == 12.0
    assert retry_delay_s(b"<html>busy</html>") is None


async def test_gemini_retry_delay_is_honoured_by_the_retry_loop() -> None:
    exhausted = {"error": {"code": 429, "message": "quota", "details": [{"retryDelay": "7s"}]}}
    answers = iter(
        [
            httpx.Response(429, json=exhausted),
            httpx.Response(200, headers={"content-type": "text/event-stream"}, text="".join(gemini_events("ok"))),
        ]
    )
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    network = NetworkConfig(max_retries=1)
    transport = httpx.MockTransport(lambda request: next(answers))
    async with create_client(network, retry=RetryPolicy.from_network(network, sleep=record), transport=transport) as c:
        provider = create_provider("gemini", GeminiProviderConfig(kind="gemini"), "k", c)
        answer = await collect(provider.stream(ChatRequest("m", (Message("user", "hi"),))))
    assert answer.text == "ok" and waits == [7.0]


def test_the_http_layer_names_no_vendor_and_no_user_setting() -> None:
    vendors = re.compile(r"openai|anthropic|gemini|openrouter|ollama|vault|models\.yaml|config\.yaml", re.IGNORECASE)
    for path in sorted(HTTP.glob("*.py")):
        found = vendors.findall(path.read_text(encoding="utf-8"))
        assert not found, f"{path.name} names {sorted(set(found))}"
