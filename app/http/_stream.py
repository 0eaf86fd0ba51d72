"""Sending with retries before the first byte, then streaming under one deadline."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import aclosing
from typing import Any, Protocol, TypeVar

import httpx
from httpx_sse import EventSource, ServerSentEvent

from app.http._body import BoundedBody
from app.http._client import RetryPolicy, max_answer_bytes, policy_for
from app.http._failures import FailureKind, HttpFailure, transport_failure
from app.http._retry import Deadline, RetryDelay, Sending, Wait

E = TypeVar("E")
E_co = TypeVar("E_co", covariant=True)


class _DeadlineStream(httpx.AsyncByteStream):
    """A response body that stops at the deadline.

    One timer serves the whole body (a timer armed per read cost as much as
    a tenth of the streaming CPU). When it fires during a read, the read is
    cancelled and becomes a `TimeoutError`, as `asyncio.timeout` would make
    it; when it fires between reads (the consumer is busy), the next read
    sees the deadline passed and does not start. A cancellation from anyone
    else stays a cancellation.
    """

    def __init__(self, inner: Any, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline
        self._reading = False
        self._task: asyncio.Task[Any] | None = None
        self._cancelling = 0  # the task's pending cancellations when the timer cancelled it; -1: it did not

    def _expire(self) -> None:
        if self._reading and self._task is not None and self._cancelling < 0:
            self._cancelling = self._task.cancelling()
            self._task.cancel()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = self._inner.__aiter__()
        self._task, self._cancelling = asyncio.current_task(), -1
        loop = asyncio.get_running_loop()
        at, now = self._deadline.at, loop.time
        timer = loop.call_at(at, self._expire)
        try:
            while True:
                if now() >= at:
                    raise TimeoutError
                self._reading = True
                try:
                    chunk = await anext(chunks, None)
                except asyncio.CancelledError:
                    if self._cancelling >= 0 and self._task is not None and self._task.uncancel() <= self._cancelling:
                        raise TimeoutError from None
                    raise
                finally:
                    self._reading = False
                if chunk is None:
                    return
                if now() >= at:
                    raise TimeoutError
                yield chunk
        finally:
            timer.cancel()

    async def aclose(self) -> None:
        await self._inner.aclose()


class WireParser(Protocol[E_co]):
    """Turns one wire format's answer into events; one instance per answer.

    What a parser raises for errors reported in the stream, chunks that are
    not valid JSON, or an answer that ended before its end marker is its
    own; `post_sse` lets it through.
    """

    def feed_sse(self, event: ServerSentEvent) -> Iterable[E_co]:
        """Events from one server-sent event."""
        ...

    def feed_json(self, body: Any) -> Iterable[E_co]:
        """Events from a whole JSON answer (the server did not stream)."""
        ...

    def finish(self) -> Iterable[E_co]:
        """The closing events (usage, finish), once the body has ended."""
        ...


async def post_sse(
    client: httpx.AsyncClient,
    url: str,
    *,
    headers: Mapping[str, str],
    body: Any,
    parser: WireParser[E],
    policy: RetryPolicy | None = None,
    retry_delay: RetryDelay | None = None,
    on_retry: Callable[[HttpFailure, float], E | None] | None = None,
) -> AsyncIterator[E]:
    """POST `body` as JSON to `url` and stream the parsed answer.

    Args:
        client: the shared client (its `RetryPolicy` applies unless `policy` is given).
        url: the full request URL; keys belong in `headers`, never here.
        headers: request headers, keys included.
        body: the JSON request body.
        parser: the wire format's parser for this one answer.
        policy: overrides the client's retry policy.
        retry_delay: reads the wait a retryable error body asks for (seconds),
            when its headers ask for none; its answer is capped like Retry-After.
        on_retry: called with the failure about to be retried and the wait
            before the retry (seconds); what it returns, unless None, is
            yielded before the wait begins.

    Raises:
        HttpFailure: what failed, as data; `TOO_LARGE` after the events of
            the part of the body within the client's size limit. Whatever
            the parser raises, other than the exceptions of a shape it did
            not expect, passes through.
    """
    policy = policy or policy_for(client)
    limit = max_answer_bytes(client)
    deadline = Deadline(policy.timeout_s)
    started = False
    try:
        request = client.build_request("POST", url, headers=headers, json=body)
        response: httpx.Response | None = None
        sending = Sending(client, url, request, policy, deadline, retry_delay)
        async with aclosing(sending.tries()) as outcomes:
            async for outcome in outcomes:
                if not isinstance(outcome, Wait):
                    response = outcome
                elif on_retry is not None and (event := on_retry(outcome.failure, outcome.delay_s)) is not None:
                    yield event
        assert response is not None  # the tries end with the response, or raise
        try:
            started = True
            async with aclosing(_answer(url, response, parser, deadline, limit)) as events:
                async for event in events:
                    yield event
        finally:
            await response.aclose()
        for event in _understood(url, parser.finish):
            yield event
    except httpx.InvalidURL as exc:
        raise HttpFailure(FailureKind.INVALID_URL, url, reason=str(exc)) from exc
    except httpx.HTTPError as exc:
        raise transport_failure(url, exc, started) from exc
    except TimeoutError as exc:  # the builtin: our overall deadline passed
        raise HttpFailure(FailureKind.DEADLINE, url, timeout_s=policy.timeout_s, started=started) from exc


async def _answer(
    url: str, response: httpx.Response, parser: WireParser[E], deadline: Deadline, limit: int
) -> AsyncIterator[E]:
    """The events of a 2xx response's body, read under the deadline and up to `limit` bytes (decoded).

    Raises:
        HttpFailure: `TOO_LARGE`, after the events of the part within the limit.
    """
    # The deadline is kept by the body's reads, not per event.
    response.stream = _DeadlineStream(response.stream, deadline)
    body = BoundedBody(response, limit)
    if "text/event-stream" in response.headers.get("content-type", ""):
        sse_events = EventSource(body).aiter_sse()  # type: ignore[arg-type]  # reads headers and aiter_text
        try:
            async for sse in sse_events:
                for event in _understood(url, parser.feed_sse, sse):
                    yield event
        finally:
            await sse_events.aclose()
    else:
        raw = await body.read()
        if not body.cut:
            for event in _understood(url, _feed_body, url, parser, raw):
                yield event
    if body.cut:
        raise HttpFailure(FailureKind.TOO_LARGE, url, started=True, size_limit=limit)


def _understood(url: str, feed: Callable[..., Iterable[E]], *args: Any) -> Iterable[E]:
    """`feed(*args)`, with a JSON shape the parser did not expect turned into a failure."""
    try:
        return feed(*args)
    except (AttributeError, TypeError, KeyError, IndexError, ValueError, RecursionError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
        raise HttpFailure(FailureKind.UNREADABLE_CHUNK, url, reason=reason, started=True) from exc


def _feed_body(url: str, parser: WireParser[E], raw: bytes) -> Iterable[E]:
    """A whole (non-SSE) body: JSON, or SSE sent under the wrong content type."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        if raw.lstrip().startswith((b"data:", b"event:", b":")):
            relabelled = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=raw)
            return [event for sse in EventSource(relabelled).iter_sse() for event in parser.feed_sse(sse)]
        raise HttpFailure(FailureKind.NOT_JSON_NOR_SSE, url, body=raw, started=True) from None
    return parser.feed_json(data)
