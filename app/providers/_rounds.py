"""A conversation as the rounds a wire format sends: each answer that called tools split at its calls.

orch keeps an answer that called tools as one message whose parts are in the
order they happened: text, tool calls, their results, more text. Every wire
format wants it as rounds instead — the model's turn (its text and calls),
then the results as a turn of their own — so each adapter reads `rounds()`
and writes each round in its own shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from app.types import Message, Part



@dataclass(frozen=True, slots=True)
class Round:
    """One turn on the wire.

    `role` is `user`, `assistant` (text, thinking, tool calls) or `tool` (tool results only).
    """

    role: str
    parts: tuple[Part, ...]

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts if p.kind == "text")


def rounds(messages: Iterable[Message]) -> Iterator[Round]:
    """The messages as wire rounds, oldest first.

    A user message is one round (its text and attachments). An assistant message is split:
    its text and calls, then a `tool` round of the results that follow them, then the next
    text and calls, and so on. A call with no result (an answer cut short mid-round) is
    dropped with the text of that round kept, since every wire format refuses a call left
    unanswered.
    """
    for message in messages:
        if message.role != "assistant" or not message.parts:
            yield Round(message.role, message.all_parts)
            continue
        yield from _answer_rounds(message.parts)


def _answer_rounds(parts: tuple[Part, ...]) -> Iterator[Round]:
    answered = {p.call_id for p in parts if p.kind == "tool_result"}
    said: list[Part] = []
    results: list[Part] = []
    for part in parts:
        if part.kind == "tool_result":
            results.append(part)
            continue
        if results:
            yield Round("assistant", tuple(said))
            yield Round("tool", tuple(results))
            said, results = [], []
        if part.kind == "tool_call" and part.call_id not in answered:
            continue
        said.append(part)
    if said or results:
        yield Round("assistant", tuple(said))
    if results:
        yield Round("tool", tuple(results))
