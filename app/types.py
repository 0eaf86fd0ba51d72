"""Records every layer shares: messages, the events of an answer's stream, and the record of an answer.

A leaf: it imports nothing of orch, so providers, the store, chat, chains and
the views can all read it.

    Message ─▶ a provider ─▶ TextDelta · ThinkingDelta · Usage · Finish ─▶ AnswerRecord

`AnswerRecord` is the one record of an answer, whoever asked for it (the
REPL, one-shot, a chain step, a /compare pane). Its `status` is one
vocabulary used everywhere; tokens and cost are None when the provider did
not say, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["user", "assistant", "system"]

Status = Literal["complete", "truncated", "refused", "interrupted", "error"]
"""How an answer ended: whole; cut by the provider (`max_tokens`); refused (a content filter, a
refusal); cut by the user (Ctrl-C); failed (the text that arrived before is kept)."""


@dataclass(frozen=True, slots=True)
class Message:
    """One message of a conversation as a model is sent it."""

    role: Role
    content: str


@dataclass(frozen=True, slots=True)
class Part:
    """One piece of a message. Text today; attachments and tool calls are kinds of their own."""

    kind: Literal["text", "thinking"]
    text: str


# --- the events of an answer's stream -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ThinkingDelta:
    """Reasoning text, kept apart from the answer and never mixed into it."""

    text: str


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens as the provider counted them; `cached_tokens` are those of the input read from its cache."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class Finish:
    """The provider's own word for how the answer ended (`stop`, `length`, `max_tokens`, `SAFETY`…)."""

    reason: str | None


Event = TextDelta | ThinkingDelta | Usage | Finish


# --- the record of an answer ----------------------------------------------------------------

_TRUNCATED = frozenset({"length", "max_tokens", "MAX_TOKENS"})
_REFUSED = frozenset({"content_filter", "refusal", "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"})


def status_of(finish_reason: str | None) -> Status:
    """The status of an answer that streamed to its end, from the provider's finish reason."""
    if finish_reason in _TRUNCATED:
        return "truncated"
    if finish_reason in _REFUSED:
        return "refused"
    return "complete"


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """What became of one answer: always made, also after an error or Ctrl-C.

    Attributes:
        model: the name (in models.yaml) of the model that answered.
        text: the answer, whole or as far as it came.
        thinking: reasoning text shown apart from the answer.
        status: see `Status`.
        finish_reason: the provider's own word, when it gave one.
        input_tokens, output_tokens: as the provider counted them; None when it did not say.
        cached_tokens: of the input tokens, those read from the provider's prompt cache.
        cost: USD, from the model's pricing; None when the price or the tokens are unknown.
        seconds: from the request to the end of the answer.
        error: for the user, when the answer failed.
    """

    model: str
    text: str = ""
    thinking: str = ""
    status: Status = "complete"
    finish_reason: str | None = None
    input_tokens: int | None = None
    cached_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None
    seconds: float | None = None
    error: str | None = None

    @property
    def parts(self) -> tuple[Part, ...]:
        """The answer as message parts: its reasoning (if any), then its text."""
        parts = [Part("thinking", self.thinking)] if self.thinking else []
        return (*parts, Part("text", self.text)) if self.text else tuple(parts)

    @property
    def counted(self) -> bool:
        """Whether the provider said how many tokens were used."""
        return self.input_tokens is not None or self.output_tokens is not None
