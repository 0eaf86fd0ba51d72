"""Keeping a batch within a provider's `rate_limit`, and slowing all of it down on a 429.

One `RateLimiter` per provider is shared by every row that goes to it. It
admits a request when the last minute's requests and (estimated) tokens
leave room for it, and after a 429 it holds every row back, for a wait that
doubles while 429s keep coming and resets once a request gets through.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Mapping

_WINDOW_S = 60.0
_FIRST_BACKOFF_S = 1.0
_MAX_BACKOFF_S = 60.0


class RateLimiter:
    """Requests per minute and tokens per minute for one provider; None means no limit.

    Args:
        rpm: requests allowed in any 60 s.
        tpm: tokens allowed in any 60 s (each request counts its estimate).
        clock: monotonic seconds; tests pass a fake.
        sleep: awaited to wait; tests pass a fake.
    """

    def __init__(
        self,
        rpm: int | None = None,
        tpm: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = asyncio.sleep,
    ) -> None:
        self.rpm, self.tpm = rpm, tpm
        self._clock, self._sleep = clock, sleep
        self._sent: deque[tuple[float, int]] = deque()
        self._tokens = 0
        self._paused_until = 0.0
        self._backoff_s = 0.0
        self.backoffs = 0
        """How many times a 429 made the whole run wait."""

    async def acquire(self, tokens: int = 0) -> None:
        """Wait until a request of about `tokens` tokens may be sent, then count it."""
        while True:
            wait = self._wait_s(tokens)
            if wait <= 0:
                self._sent.append((self._clock(), tokens))
                self._tokens += tokens
                return
            await self._sleep(wait)

    def succeeded(self) -> None:
        """A request got through: the next 429 waits from the first step again."""
        self._backoff_s = 0.0

    def back_off(self, asked_s: float | None = None) -> float:
        """A 429: hold every row back for what the server asked, else a doubling wait. Returns the wait."""
        self._backoff_s = min(_MAX_BACKOFF_S, self._backoff_s * 2 if self._backoff_s else _FIRST_BACKOFF_S)
        wait = min(_MAX_BACKOFF_S, asked_s) if asked_s is not None and asked_s > 0 else self._backoff_s
        self._paused_until = max(self._paused_until, self._clock() + wait)
        self.backoffs += 1
        return wait

    def _wait_s(self, tokens: int) -> float:
        now = self._clock()
        while self._sent and self._sent[0][0] <= now - _WINDOW_S:
            self._tokens -= self._sent.popleft()[1]
        waits = [self._paused_until - now]
        if self.rpm is not None and len(self._sent) >= self.rpm:
            waits.append(self._sent[0][0] + _WINDOW_S - now)
        if self.tpm is not None and self._sent and self._tokens + tokens > self.tpm:
            waits.append(self._sent[0][0] + _WINDOW_S - now)
        return max(waits)


class Limits:
    """The limiter of each provider, built on first need from its `rate_limit`."""

    def __init__(self, rate_limits: Mapping[str, tuple[int | None, int | None]]) -> None:
        self._rate_limits = rate_limits
        self._limiters: dict[str, RateLimiter] = {}

    def __getitem__(self, provider: str) -> RateLimiter:
        if provider not in self._limiters:
            self._limiters[provider] = RateLimiter(*self._rate_limits.get(provider, (None, None)))
        return self._limiters[provider]

    @property
    def backoffs(self) -> int:
        return sum(limiter.backoffs for limiter in self._limiters.values())


def estimate_tokens(text: str, max_tokens: int | None = None) -> int:
    """A rough count for a request: about four characters a token, plus the answer it may get."""
    return len(text) // 4 + 1 + (max_tokens or 0)
