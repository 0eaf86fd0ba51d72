"""Sending with retries before the first byte, then streaming under one deadline."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any, Protocol, TypeVar

import httpx
from httpx_sse import EventSource, ServerSentEvent

from app.http._body import BoundedBody
from app.http._client import RETRY_STATUSES, RetryPolicy, max_answer_bytes, policy_for, retry_after_s
from app.http._failures import FailureKind, HttpFailure, connect_failure, is_final, transport_failure

log = logging.getLogger("app.http")

_ERROR_BODY_LIMIT = 64 * 1024

E = TypeVar("E")
E_co = TypeVar("E_co", covariant=True)

RetryDelay = Callable[[bytes], float | None]
"""Reads the wait (seconds) an error body asks for; None when it asks for none."""


class _DeadlineStream(httpx.AsyncByteStream):
    """A response body that stops at the deadline.

    A timer per read costs ~20% of the streaming CPU, so it is armed only
    when the deadline is nearer than the read timeout; further away, a read
    ends (or times out) before the deadline can pass, and a clock check after
    it is enough.
    """

    def __init__(self, inner: Any, deadline: _Deadline, read_timeout_s: float | None) -> None:
        self._inner = inner
        self._deadline = deadline
        self._read_timeout_s = read_timeout_s

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = self._inner.__aiter__()
        while True:
            remaining = self._deadline.remaining()
            if self._read_timeout_s is not None and remaining > self._read_timeout_s:
                chunk = await anext(chunks, None)
            else:
                async with self._deadline.scope():
                    chunk = await anext(chunks, None)
            if chunk is None:
                return
            if self._deadline.remaining() <= 0:
                raise TimeoutError
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._loop = asyncio.get_running_loop()
        self.at = self._loop.time() + seconds

    def remaining(self) -> float:
        return self.at - self._loop.time()

    def scope(self) -> asyncio.Timeout:
        return asyncio.timeout_at(self.at)


async def _read_error_body(response: httpx.Response, deadline: _Deadline) -> bytes:
    """The start of an error body, read bounded in size and time; closes the response."""
    body = bytearray()
    try:
        async with deadline.scope():
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) >= _ERROR_BODY_LIMIT:
                    break
    except (httpx.HTTPError, TimeoutError):
        pass  # a broken error body still leaves the status to report
    finally:
        await response.aclose()
    return bytes(body)


@asynccontextmanager
async def _open(
    client: httpx.AsyncClient,
    url: str,
    request: httpx.Request,
    policy: RetryPolicy,
    deadline: _Deadline,
    retry_delay: RetryDelay | None,
) -> AsyncIterator[httpx.Response]:
    """A 2xx response whose body is still unread, retrying what is safe to retry."""
    tries = 0
    cause: BaseException | None
    while True:
        tries += 1
        try:
            async with deadline.scope():
                response = await client.send(request, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as exc:
            failure, cause = connect_failure(url, exc, tries), exc
            if is_final(failure, request.url):
                raise failure from exc
            delay = policy.backoff_s(tries)
        else:
            if response.is_success:
                break
            body = await _read_error_body(response, deadline)
            status = response.status_code
            asked_s = retry_after_s(response.headers)
            failure = HttpFailure(
                FailureKind.STATUS,
                url,
                tries=tries,
                status=status,
                body=body,
                content_type=response.headers.get("content-type", ""),
                retry_after_s=asked_s,
            )
            cause = None
            vetoed = response.headers.get("x-should-retry", "").lower() == "false"
            if status not in RETRY_STATUSES or vetoed:
                raise failure
            if asked_s is None and retry_delay is not None:
                asked_s = retry_delay(body)
            delay = policy.delay_s(tries, asked_s)
        if tries > policy.max_retries or delay > deadline.remaining():
            raise failure from cause
        log.debug("try %d failed (%s); retrying in %.2fs", tries, failure, delay)
        await policy.sleep(delay)
    try:
        yield response
    finally:
        await response.aclose()


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

    Raises:
        HttpFailure: what failed, as data; `TOO_LARGE` after the events of
            the part of the body within the client's size limit. Whatever
            the parser raises, other than the exceptions of a shape it did
            not expect, passes through.
    """
    policy = policy or policy_for(client)
    limit = max_answer_bytes(client)
    deadline = _Deadline(policy.timeout_s)
    started = False
    try:
        request = client.build_request("POST", url, headers=headers, json=body)
        async with _open(client, url, request, policy, deadline, retry_delay) as response:
            started = True
            # The deadline is kept by the body's reads, not per event.
            read_timeout_s = request.extensions.get("timeout", {}).get("read")
            response.stream = _DeadlineStream(response.stream, deadline, read_timeout_s)
            body = BoundedBody(response, limit)
            if "text/event-stream" in response.headers.get("content-type", ""):
                events = EventSource(body).aiter_sse()  # type: ignore[arg-type]  # reads headers and aiter_text
                try:
                    async for sse in events:
                        for event in _understood(url, parser.feed_sse, sse):
                            yield event
                finally:
                    await events.aclose()
            else:
                raw = await body.read()
                if not body.cut:
                    for event in _understood(url, _feed_body, url, parser, raw):
                        yield event
            if body.cut:
                raise HttpFailure(FailureKind.TOO_LARGE, url, started=True, size_limit=limit)
        for event in _understood(url, parser.finish):
            yield event
    except httpx.InvalidURL as exc:
        raise HttpFailure(FailureKind.INVALID_URL, url, reason=str(exc)) from exc
    except httpx.HTTPError as exc:
        raise transport_failure(url, exc, started) from exc
    except TimeoutError as exc:  # the builtin: our overall deadline passed
        raise HttpFailure(FailureKind.DEADLINE, url, timeout_s=policy.timeout_s, started=started) from exc


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
