"""A conversation's messages, and what its answers have cost so far."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from app.types import AnswerRecord, Message, Part, Status


def _of_record(name: str) -> property:
    return property(lambda message: getattr(message.record, name) if message.record is not None else None)


@dataclass
class ChatMessage:
    """One message of the conversation.

    Attributes:
        content: the text sent (a user message) or shown (an answer).
        record: how an answer came about (model, status, tokens, cost); None for a user message.
        id: the message's id in the store, once written.
        failed: a user message whose request got no answer: kept, but not sent again as context.
        parts: the whole message in order when it is more than its text: a question's
            attachments then its text; an answer's record's parts (thinking, tool calls…).
    """

    role: Literal["user", "assistant"]
    content: str
    record: AnswerRecord | None = None
    id: int | None = None
    failed: bool = False
    parts: tuple[Part, ...] = ()

    @classmethod
    def answer(cls, record: AnswerRecord) -> ChatMessage:
        return cls("assistant", record.text, record, parts=record.parts)

    @classmethod
    def question(cls, text: str, attachments: Iterable[Part] = ()) -> ChatMessage:
        """A user message: `text` after its attachments (none: the text alone)."""
        attached = tuple(attachments)
        return cls("user", text, parts=(*attached, Part("text", text)) if attached else ())

    @property
    def attachments(self) -> tuple[Part, ...]:
        return tuple(part for part in self.parts if part.kind in ("file", "image"))

    @property
    def wire(self) -> Message:
        """The message as a model is sent it: its parts when they hold more than words (an answer's
        thinking alone goes back only beside the tool calls it led to, as the providers want)."""
        if all(part.kind in ("text", "thinking") for part in self.parts):
            return Message(self.role, self.content)
        return Message(self.role, self.content, self.parts)

    @property
    def status(self) -> Status:
        if self.record is not None:
            return self.record.status
        return "error" if self.failed else "complete"

    # An answer's model, tokens, cost and time are its record's; a user message has none.
    model = _of_record("model")
    input_tokens = _of_record("input_tokens")
    output_tokens = _of_record("output_tokens")
    cost = _of_record("cost")
    seconds = _of_record("seconds")


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
