"""Sending a request until it is answered 2xx, retrying what is safe to retry before the first byte."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import NamedTuple

import httpx

from app.http._client import RETRY_STATUSES, RetryPolicy, retry_after_s
from app.http._failures import FailureKind, HttpFailure, connect_failure, is_final

log = logging.getLogger("app.http")

_ERROR_BODY_LIMIT = 64 * 1024

RetryDelay = Callable[[bytes], float | None]
"""Reads the wait (seconds) an error body asks for; None when it asks for none."""


class Deadline:
    """One answer's overall deadline, on the running loop's clock."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._loop = asyncio.get_running_loop()
        self.at = self._loop.time() + seconds

    def remaining(self) -> float:
        return self.at - self._loop.time()

    def scope(self) -> asyncio.Timeout:
        return asyncio.timeout_at(self.at)


class Wait(NamedTuple):
    """A try failed in a way worth another: `failure` says how (`cause`: the transport's error behind it,
    if any), and `delay_s` is the wait before the next."""

    failure: HttpFailure
    delay_s: float
    cause: BaseException | None = None


@dataclass(frozen=True)
class Sending:
    """One request, sent until it is answered 2xx or a failure ends the tries."""

    client: httpx.AsyncClient
    url: str
    request: httpx.Request
    policy: RetryPolicy
    deadline: Deadline
    retry_delay: RetryDelay | None

    async def tries(self) -> AsyncIterator[Wait | httpx.Response]:
        """A `Wait` before each retry (the wait starts once the caller asks for what comes next), then,
        last, the 2xx response with its body unread, which the caller closes.

        Raises:
            HttpFailure: a failure that is not retried, or the last one when the tries or the deadline run out.
        """
        tried = 0
        while True:
            tried += 1
            outcome = await self._try(tried)
            if isinstance(outcome, httpx.Response):
                yield outcome
                return
            if tried > self.policy.max_retries or outcome.delay_s > self.deadline.remaining():
                raise outcome.failure from outcome.cause
            log.debug("try %d failed (%s); retrying in %.2fs", tried, outcome.failure, outcome.delay_s)
            yield outcome
            await self.policy.sleep(outcome.delay_s)

    async def _try(self, tried: int) -> httpx.Response | Wait:
        """One try: the 2xx response, or a failure worth retrying and the wait before the retry."""
        try:
            async with self.deadline.scope():
                response = await self.client.send(self.request, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as exc:
            failure = connect_failure(self.url, exc, tried)
            if is_final(failure, self.request.url):
                raise failure from exc
            return Wait(failure, self.policy.backoff_s(tried), exc)
        if response.is_success:
            return response
        body = await _read_error_body(response, self.deadline)
        status = response.status_code
        asked_s = retry_after_s(response.headers)
        failure = HttpFailure(
            FailureKind.STATUS,
            self.url,
            tries=tried,
            status=status,
            body=body,
            content_type=response.headers.get("content-type", ""),
            retry_after_s=asked_s,
        )
        vetoed = response.headers.get("x-should-retry", "").lower() == "false"
        if status not in RETRY_STATUSES or vetoed:
            raise failure
        if asked_s is None and self.retry_delay is not None:
            asked_s = self.retry_delay(body)
        return Wait(failure, self.policy.delay_s(tried, asked_s))


async def _read_error_body(response: httpx.Response, deadline: Deadline) -> bytes:
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
