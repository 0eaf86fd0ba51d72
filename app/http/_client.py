"""The shared client, its timeouts, and the retry policy it carries."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from app.config import NetworkConfig

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
DEFAULT_READ_TIMEOUT_S = 60.0
"""Longest silence between two pieces of an answer when `network.read_timeout_s` is unset."""
DEFAULT_MAX_ANSWER_BYTES = 16 * 1024 * 1024
"""The largest answer body (decoded) read when the client does not say (`network.max_answer_mb`)."""


@dataclass(frozen=True)
class RetryPolicy:
    """When to try a request again, and how long to wait first.

    Attributes:
        max_retries: tries after the first one.
        timeout_s: overall deadline for one answer: retries, waits and streaming included.
        base_delay_s: first backoff step; it doubles each retry (full jitter).
        max_delay_s: the longest backoff step.
        max_retry_after_s: the longest wait a server's Retry-After may impose.
        sleep: awaited to wait between tries; tests pass one that returns at once.
        jitter: returns a float in [0, 1) scaling each backoff step.
    """

    max_retries: int = 4
    timeout_s: float = 120.0
    base_delay_s: float = 0.5
    max_delay_s: float = 20.0
    max_retry_after_s: float = 60.0
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
    jitter: Callable[[], float] = random.random

    @classmethod
    def from_network(cls, network: NetworkConfig, **overrides: Any) -> RetryPolicy:
        return cls(max_retries=network.max_retries, timeout_s=network.timeout_s, **overrides)

    def backoff_s(self, retry: int) -> float:
        """Full-jitter exponential backoff before retry number `retry` (1-based)."""
        return self.jitter() * min(self.max_delay_s, self.base_delay_s * 2 ** (retry - 1))

    def delay_s(self, retry: int, asked_s: float | None) -> float:
        """The wait before retry `retry`: what the server asked for (capped), else backoff."""
        if asked_s is not None:
            return min(asked_s, self.max_retry_after_s)
        return self.backoff_s(retry)


POOL_LIMITS = httpx.Limits(max_connections=None, max_keepalive_connections=None, keepalive_expiry=5.0)
"""No cap of the pool's own: every caller bounds how many requests it has in flight (a batch its
`--concurrency`). httpx's default keeps only 20 connections alive, and httpcore closes an idle one
whenever the pool holds more than that, so 32 rows in flight opened a new connection for most
requests (and paid for the connect and close on the event loop). Idle ones still go after 5 s."""


class _TransportPerScheme(httpx.AsyncBaseTransport):
    """The default transport, built per URL scheme on first use.

    A plain-http request (most often a model server on this machine) never
    involves TLS, so it does not pay for loading the CA bundle (~35 ms).
    """

    def __init__(self) -> None:
        self._transports: dict[str, httpx.AsyncHTTPTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        scheme = request.url.scheme
        transport = self._transports.get(scheme)
        if transport is None:
            transport = httpx.AsyncHTTPTransport(verify=scheme == "https", limits=POOL_LIMITS)
            self._transports[scheme] = transport
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        for transport in self._transports.values():
            await transport.aclose()


class OrchClient(httpx.AsyncClient):
    """The process's `httpx.AsyncClient`, carrying the retry policy adapters follow
    and the largest answer body (in bytes, once decoded) it reads."""

    def __init__(self, *, retry: RetryPolicy, max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retry = retry
        self.max_answer_bytes = max_answer_bytes


def create_client(
    network: NetworkConfig,
    *,
    retry: RetryPolicy | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> OrchClient:
    """The one HTTP client a process shares.

    Timeouts: `connect_timeout_s` to connect; `read_timeout_s` (default
    `DEFAULT_READ_TIMEOUT_S`, never above `timeout_s`) between two pieces of
    an answer; `timeout_s` for a whole answer, enforced by `post_sse`.
    HTTP(S)_PROXY / NO_PROXY are honoured, except for loopback hosts (local
    model servers are never reached through a proxy).

    Args:
        network: the network settings (timeouts, retries).
        retry: overrides the policy built from `network` (tests inject `sleep`).
        transport: replaces the network (tests pass `httpx.MockTransport`).
    """
    read_s = min(network.read_timeout_s or DEFAULT_READ_TIMEOUT_S, network.timeout_s)
    timeout = httpx.Timeout(
        connect=network.connect_timeout_s, read=read_s, write=read_s, pool=network.connect_timeout_s
    )
    from app import __version__

    return OrchClient(
        retry=retry or RetryPolicy.from_network(network),
        max_answer_bytes=int(network.max_answer_mb * 1024 * 1024),
        timeout=timeout,
        trust_env=True,
        follow_redirects=False,
        headers={"user-agent": f"orch/{__version__}"},
        transport=transport or _TransportPerScheme(),
        mounts={f"all://{host}": None for host in ("localhost", "127.0.0.1", "[::1]")},
    )


def policy_for(client: httpx.AsyncClient) -> RetryPolicy:
    """The retry policy of `client`, or the defaults for a plain httpx client."""
    return client.retry if isinstance(client, OrchClient) else RetryPolicy()


def max_answer_bytes(client: httpx.AsyncClient) -> int:
    """The answer size limit of `client`, or the default for a plain httpx client."""
    return client.max_answer_bytes if isinstance(client, OrchClient) else DEFAULT_MAX_ANSWER_BYTES


def retry_after_s(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds a response asks us to wait: `retry-after-ms`, else `Retry-After` (seconds or HTTP date)."""
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = (headers.get(name) or "").strip()
        if not value:
            continue
        seconds: float | None
        try:
            seconds = float(value) / scale
        except ValueError:
            seconds = _seconds_until(value, now)
        if seconds is not None and math.isfinite(seconds):
            return max(0.0, seconds)
    return None


def _seconds_until(http_date: str, now: float | None) -> float | None:
    import email.utils  # rare: only servers that send an HTTP date

    try:
        when = email.utils.parsedate_to_datetime(http_date)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp() - (time.time() if now is None else now)
