"""A conversation's messages, and what its answers have cost so far."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.types import AnswerRecord, Status


@dataclass
class ChatMessage:
    """One message of the conversation.

    Attributes:
        content: the text sent (a user message) or shown (an answer).
        record: how an answer came about (model, status, tokens, cost); None for a user message.
        id: the message's id in the store, once written.
        failed: a user message whose request got no answer: kept, but not sent again as context.
    """

    role: Literal["user", "assistant"]
    content: str
    record: AnswerRecord | None = None
    id: int | None = None
    failed: bool = False

    @classmethod
    def answer(cls, record: AnswerRecord) -> ChatMessage:
        return cls("assistant", record.text, record)

    @property
    def model(self) -> str | None:
        return self.record.model if self.record else None

    @property
    def status(self) -> Status:
        if self.record is not None:
            return self.record.status
        return "error" if self.failed else "complete"

    @property
    def input_tokens(self) -> int | None:
        return self.record.input_tokens if self.record else None

    @property
    def output_tokens(self) -> int | None:
        return self.record.output_tokens if self.record else None

    @property
    def cost(self) -> float | None:
        return self.record.cost if self.record else None

    @property
    def seconds(self) -> float | None:
        return self.record.seconds if self.record else None


@dataclass
class Totals:
    """What a session's answers used: tokens as counted, cost where it is known."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    answers: int = 0
    priced: bool = True

    def add(self, record: AnswerRecord) -> None:
        self.input_tokens += record.input_tokens or 0
        self.output_tokens += record.output_tokens or 0
        self.answers += 1
        if record.cost is None:
            self.priced = self.priced and not record.counted
        else:
            self.cost += record.cost
