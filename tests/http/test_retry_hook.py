"""`post_sse`'s `on_retry` hook: an event handed up before each wait, and none for a failure not retried."""

from __future__ import annotations

import httpx
import pytest

from app.config import NetworkConfig
from app.http import FailureKind, HttpFailure, RetryPolicy, create_client, post_sse
from tests.http.test_http_failures import LinesParser

URL = "https://api.example.test/v1/chat"


def answers(*responses: httpx.Response | Exception):
    """A MockTransport handler giving `responses` in order (an exception is raised as the request's)."""
    queue = list(responses)

    def serve(request: httpx.Request) -> httpx.Response:
        got = queue.pop(0)
        if isinstance(got, Exception):
            raise type(got)(str(got), request=request)
        return got

    return serve


SSE = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=b"data: a\n\ndata: b\n\n")


async def run(serve, *, retries: int = 2, announce: bool = True, happened: list[str] | None = None,
              ) -> tuple[list[str], list[str]]:  # fmt: skip
    """The events `post_sse` yields, and everything that happened in order (retries announced, waits),
    also kept in `happened` as it happens."""
    happened = [] if happened is None else happened

    async def wait(seconds: float) -> None:
        happened.append(f"wait {seconds:g}")

    def on_retry(failure: HttpFailure, delay_s: float) -> str:
        said = f"retry {failure.tries} in {delay_s:g} ({failure.kind.value} {failure.status})"
        happened.append(said)
        return said

    policy = RetryPolicy(max_retries=retries, sleep=wait, jitter=lambda: 0.5)
    async with create_client(NetworkConfig(), retry=policy, transport=httpx.MockTransport(serve)) as client:
        events = [e async for e in post_sse(client, URL, headers={}, body={}, parser=LinesParser(),
                                            on_retry=on_retry if announce else None)]  # fmt: skip
    return events, happened


async def test_each_retry_is_announced_before_its_wait_and_before_the_answer() -> None:
    events, happened = await run(answers(
        httpx.Response(429, headers={"retry-after": "2"}),
        httpx.Response(503, headers={"retry-after-ms": "1500"}),
        SSE,
    ))  # fmt: skip
    assert events == ["retry 1 in 2 (status 429)", "retry 2 in 1.5 (status 503)", "a", "b"]
    assert happened == ["retry 1 in 2 (status 429)", "wait 2", "retry 2 in 1.5 (status 503)", "wait 1.5"]


async def test_a_connect_error_retried_is_announced_with_its_backoff() -> None:
    events, happened = await run(answers(httpx.ConnectError("no route to host"), SSE))
    assert events == ["retry 1 in 0.25 (connect failed None)", "a", "b"]  # half of the first 0.5 s step
    assert happened[-1] == "wait 0.25"


async def test_the_failure_that_ends_the_tries_is_raised_not_announced() -> None:
    happened: list[str] = []
    with pytest.raises(HttpFailure) as caught:
        await run(answers(*[httpx.Response(429, headers={"retry-after": "0"})] * 2), retries=1, happened=happened)
    assert (caught.value.kind, caught.value.status, caught.value.tries) == (FailureKind.STATUS, 429, 2)
    assert happened == ["retry 1 in 0 (status 429)", "wait 0"]


async def test_a_failure_not_worth_retrying_is_announced_never() -> None:
    happened: list[str] = []
    with pytest.raises(HttpFailure) as caught:
        await run(answers(httpx.Response(400)), happened=happened)
    assert caught.value.status == 400 and happened == []


async def test_without_the_hook_the_retries_are_silent() -> None:
    events, happened = await run(answers(httpx.Response(429, headers={"retry-after": "1"}), SSE), announce=False)
    assert (events, happened) == (["a", "b"], ["wait 1"])


async def test_a_hook_returning_none_hands_nothing_up() -> None:
    async def no_wait(seconds: float) -> None:
        pass

    policy = RetryPolicy(max_retries=2, sleep=no_wait)
    serve = answers(httpx.Response(500, headers={"retry-after": "0"}), SSE)
    async with create_client(NetworkConfig(), retry=policy, transport=httpx.MockTransport(serve)) as client:
        events = [e async for e in post_sse(client, URL, headers={}, body={}, parser=LinesParser(),
                                            on_retry=lambda failure, delay_s: None)]  # fmt: skip
    assert events == ["a", "b"]
