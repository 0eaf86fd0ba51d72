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

from app import errors
from app.http._client import RETRY_STATUSES, RetryPolicy, policy_for, retry_after_s
from app.http._failures import Endpoint, connect_error, error_for_status, provider_detail, transport_error

log = logging.getLogger("app.http")

_ERROR_BODY_LIMIT = 64 * 1024

E = TypeVar("E")
E_co = TypeVar("E_co", covariant=True)


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


async def _read_detail(response: httpx.Response, deadline: _Deadline) -> tuple[str, float | None]:
    """The provider's message in an error body (read bounded in size and time); closes the response."""
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
    return provider_detail(bytes(body), response.headers.get("content-type", ""))


@asynccontextmanager
async def _open(
    client: httpx.AsyncClient, request: httpx.Request, endpoint: Endpoint, policy: RetryPolicy, deadline: _Deadline
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
            failure, cause = connect_error(endpoint, exc, tries), exc
            delay = policy.backoff_s(tries)
        else:
            if response.is_success:
                break
            message, body_delay_s = await _read_detail(response, deadline)
            status = response.status_code
            failure, cause = error_for_status(endpoint, status, message, tries), None
            vetoed = response.headers.get("x-should-retry", "").lower() == "false"
            if status not in RETRY_STATUSES or vetoed:
                raise failure
            asked_s = retry_after_s(response.headers)
            delay = policy.delay_s(tries, body_delay_s if asked_s is None else asked_s)
        if tries > policy.max_retries or delay > deadline.remaining():
            raise failure from cause
        log.debug("%s: try %d failed (%s); retrying in %.2fs", endpoint.provider, tries, failure.message, delay)
        await policy.sleep(delay)
    try:
        yield response
    finally:
        await response.aclose()


class WireParser(Protocol[E_co]):
    """Turns one wire format's answer into events; one instance per answer.

    `feed_sse` and `feed_json` raise `ProviderError` for errors reported
    in the stream or chunks that are not valid JSON; `finish` raises
    `StreamError` when the answer ended before its end marker.
    """

    @property
    def partial(self) -> str:
        """The answer's text so far."""
        ...

    def feed_sse(self, event: ServerSentEvent) -> Iterable[E_co]:
        """Events from one server-sent event."""
        ...

    def feed_json(self, body: Any) -> Iterable[E_co]:
        """Events from a whole JSON answer (the server did not stream)."""
        ...

    def finish(self) -> Iterable[E_co]:
        """The closing events (usage, finish), once the body has ended."""
        ...


async def stream_answer(
    client: httpx.AsyncClient,
    endpoint: Endpoint,
    *,
    headers: Mapping[str, str],
    body: Any,
    parser: WireParser[E],
    policy: RetryPolicy | None = None,
) -> AsyncIterator[E]:
    """POST `body` as JSON to `endpoint.url` and stream the parsed answer.

    Args:
        client: the shared client (its `RetryPolicy` applies unless `policy` is given).
        endpoint: the target, named in error messages.
        headers: request headers, keys included.
        body: the JSON request body.
        parser: the wire format's parser for this one answer.

    Raises:
        app.errors.ProviderError: a subclass naming what failed; `partial` holds
            the text that had arrived when a stream broke.
    """
    policy = policy or policy_for(client)
    deadline = _Deadline(policy.timeout_s)
    started = False
    try:
        request = client.build_request("POST", endpoint.url, headers=headers, json=body)
        async with _open(client, request, endpoint, policy, deadline) as response:
            started = True
            # The deadline is kept by the body's reads, not per event.
            read_timeout_s = request.extensions.get("timeout", {}).get("read")
            response.stream = _DeadlineStream(response.stream, deadline, read_timeout_s)
            if "text/event-stream" in response.headers.get("content-type", ""):
                events = EventSource(response).aiter_sse()
                try:
                    async for sse in events:
                        for event in _understood(endpoint, parser.feed_sse, sse):
                            yield event
                finally:
                    await events.aclose()
            else:
                raw = await response.aread()
                for event in _understood(endpoint, _feed_body, endpoint, parser, raw):
                    yield event
        for event in _understood(endpoint, parser.finish):
            yield event
    except errors.ProviderError as exc:
        exc.partial = exc.partial or parser.partial
        raise
    except httpx.InvalidURL as exc:
        raise errors.ConnectError(
            f"providers.{endpoint.provider} has an invalid base_url ({exc})", "Fix it in config.yaml."
        ) from exc
    except httpx.HTTPError as exc:
        raise _with_partial(transport_error(endpoint, exc, started), parser.partial) from exc
    except TimeoutError as exc:  # the builtin: our overall deadline passed
        failure = errors.TimeoutError(
            f"{endpoint.provider} did not finish answering within {policy.timeout_s:g}s (overall timeout)",
            "Raise network.timeout_s in config.yaml for long answers.",
        )
        raise _with_partial(failure, parser.partial) from exc


def _understood(endpoint: Endpoint, feed: Callable[..., Iterable[E]], *args: Any) -> Iterable[E]:
    """`feed(*args)`, with a JSON shape the parser did not expect turned into a StreamError."""
    try:
        return feed(*args)
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
        raise errors.StreamError(
            f"{endpoint.provider} sent a chunk orch could not read ({type(exc).__name__}: {exc})"
        ) from exc


def _with_partial(exc: errors.ProviderError, partial: str) -> errors.ProviderError:
    exc.partial = partial
    return exc


def _feed_body(endpoint: Endpoint, parser: WireParser[E], raw: bytes) -> Iterable[E]:
    """A whole (non-SSE) body: JSON, or SSE sent under the wrong content type."""
    try:
        data = json.loads(raw)
    except ValueError:
        if raw.lstrip().startswith((b"data:", b"event:", b":")):
            relabelled = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=raw)
            return [event for sse in EventSource(relabelled).iter_sse() for event in parser.feed_sse(sse)]
        text = raw.decode("utf-8", errors="replace")
        raise errors.StreamError(
            f"{endpoint.provider} answered with something that is neither JSON nor SSE: {endpoint.scrub(text)[:120]!r}"
        ) from None
    return parser.feed_json(data)
