"""A provider that scripts its rounds, for the tool loop's tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

from app.providers.base import ChatRequest
from app.types import Event


class Rounds:
    """A provider answering request N with the events of round N; it keeps every request."""

    def __init__(self, *rounds: list[Event]) -> None:
        self.rounds = list(rounds)
        self.requests: list[ChatRequest] = []

    async def stream(self, request: ChatRequest) -> AsyncIterator[Event]:
        self.requests.append(request)
        for event in self.rounds[min(len(self.requests), len(self.rounds)) - 1]:
            yield event
