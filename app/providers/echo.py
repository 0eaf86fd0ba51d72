"""The offline echo provider: streams the last user message back, word by word.

Deterministic and network-free, it is the default model on a machine with no
keys and the tests' friend. `delay_s` paces the words so that demos and tests
can watch (and interrupt) an answer while it streams.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

from app.providers.base import ChatRequest, Event, Finish, TextDelta, Usage

_WORD = re.compile(r"\S+\s*|\s+")


class EchoProvider:
    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s

    async def stream(self, request: ChatRequest) -> AsyncIterator[Event]:
        prompt = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
        pieces = _WORD.findall(prompt)
        for piece in pieces:
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            yield TextDelta(piece)
        input_tokens = sum(len(m.content.split()) for m in request.messages)
        yield Usage(input_tokens=input_tokens, output_tokens=len(prompt.split()))
        yield Finish("stop")
