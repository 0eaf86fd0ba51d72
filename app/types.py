"""Records every layer shares: messages, the events of an answer's stream, and the record of an answer.

A leaf: it imports nothing of orch, so providers, the store, chat, chains and
the views can all read it.

    Message ─▶ a provider ─▶ TextDelta · ThinkingDelta · ToolCall · Usage · Finish ─▶ AnswerRecord
                 the tool loop ─▶ ToolResult     retries, fallback ─▶ Retry · Fallback

`AnswerRecord` is the one record of an answer, whoever asked for it (the
REPL, one-shot, a chain step, a /compare pane). Its `status` is one
vocabulary used everywhere; tokens and cost are None when the provider did
not say, never 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["user", "assistant", "system"]

Status = Literal["complete", "truncated", "refused", "interrupted", "error"]
"""How an answer ended: whole; cut by the provider (`max_tokens`); refused (a content filter, a
refusal); cut by the user (Ctrl-C); failed (the text that arrived before is kept)."""


PartKind = Literal["text", "thinking", "image", "file", "tool_call", "tool_result"]


REDACTED_THINKING = "redacted"
"""The `name` of a thinking part that holds a provider's encrypted reasoning (in `signature`) and no text."""


@dataclass(frozen=True, slots=True)
class Part:
    """One piece of a message, in the order it was said.

    Attributes:
        kind: `text` and `thinking` (the model's words), `file` (an attachment read as text),
            `image` (an attachment's bytes), `tool_call` (the model asks for a tool),
            `tool_result` (what the tool gave back).
        text: the words; a file's extracted text; a tool result's text.
        name: a file's path or URL; a tool call's or result's tool name.
        media_type: of a file or image (`image/png`, `application/pdf`, `text/plain`).
        data: an image's bytes.
        call_id: pairs a tool result with its call.
        arguments: a tool call's arguments (a JSON object).
        is_error: a tool result that is a failure, a refusal or a timeout.
        signature: an opaque token the provider wants back with this part on the next request
            (Gemini's `thoughtSignature`, Anthropic's thinking `signature`).
    """

    kind: PartKind
    text: str = ""
    name: str | None = None
    media_type: str | None = None
    data: bytes | None = field(default=None, repr=False)
    call_id: str | None = None
    arguments: Mapping[str, Any] | None = None
    is_error: bool = False
    signature: str | None = field(default=None, repr=False)

    @classmethod
    def tool_call(cls, call_id: str, name: str, arguments: Mapping[str, Any], signature: str | None = None) -> Part:
        return cls("tool_call", name=name, call_id=call_id, arguments=dict(arguments), signature=signature)

    @classmethod
    def tool_result(cls, call_id: str, name: str, text: str, is_error: bool = False) -> Part:
        return cls("tool_result", text=text, name=name, call_id=call_id, is_error=is_error)


@dataclass(frozen=True, slots=True)
class Message:
    """One message of a conversation as a model is sent it.

    `content` is the message's text. `parts`, when given, is the whole message in order and
    `content` its text: a user's question with its attachments, or an answer that called
    tools (text, tool calls, their results, more text). Each wire format splits an answer's
    parts into its own rounds (`app.providers._rounds`).
    """

    role: Role
    content: str
    parts: tuple[Part, ...] = ()

    @property
    def all_parts(self) -> tuple[Part, ...]:
        """The parts, or the content as one text part."""
        return self.parts or ((Part("text", self.content),) if self.content else ())


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool as a model is offered it: a name valid in every wire format, and its argument schema."""

    name: str
    description: str
    parameters: Mapping[str, Any]


# --- the events of an answer's stream -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the answer's text.

    `signature` is the provider's seal on the text part it ends (Gemini's `thoughtSignature`),
    which it wants back with that part on the next request.
    """

    text: str
    signature: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class ThinkingDelta:
    """Reasoning text, kept apart from the answer and never mixed into it.

    `signature` is the provider's seal on the reasoning block just ended (Anthropic), which it
    wants back unchanged with the block when tools are called. A `redacted` block (Anthropic's
    `redacted_thinking`) has no text: its `signature` is the encrypted reasoning, sent back as it came.
    """

    text: str
    signature: str | None = field(default=None, repr=False)
    redacted: bool = False


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens as the provider counted them.

    `input_tokens` is the whole input, cached or not; of it, `cached_tokens` were read from the
    provider's prompt cache and `cache_write_tokens` written to it (Anthropic bills those apart).
    """

    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int | None = None
    cache_write_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class Finish:
    """The provider's own word for how the answer ended (`stop`, `length`, `max_tokens`, `SAFETY`…)."""

    reason: str | None


@dataclass(frozen=True, slots=True)
class ToolCall:
    """The model asks for a tool (its arguments whole: adapters assemble the streamed pieces)."""

    call_id: str
    name: str
    arguments: Mapping[str, Any]
    signature: str | None = field(default=None, repr=False)

    @property
    def part(self) -> Part:
        return Part.tool_call(self.call_id, self.name, self.arguments, self.signature)


@dataclass(frozen=True, slots=True)
class ToolResult:
    """A tool call ended (made by the tool loop, not by a provider)."""

    call_id: str
    name: str
    text: str
    is_error: bool = False
    seconds: float | None = None

    @property
    def part(self) -> Part:
        return Part.tool_result(self.call_id, self.name, self.text, self.is_error)


@dataclass(frozen=True, slots=True)
class Retry:
    """A request is tried again after `delay_s` (made by the retry policy)."""

    attempt: int
    delay_s: float
    reason: str


@dataclass(frozen=True, slots=True)
class Fallback:
    """`from_model` could not answer (`reason`); `to_model` is asked instead."""

    from_model: str
    to_model: str
    reason: str


Event = TextDelta | ThinkingDelta | ToolCall | ToolResult | Usage | Finish | Retry | Fallback


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
        cache_write_tokens: of the input tokens, those written to it.
        cost: USD, from the model's pricing; None when the price or the tokens are unknown.
        seconds: from the request to the end of the answer.
        error: for the user, when the answer failed.
        parts: the answer in order — thinking, text, and any tool calls and results between
            rounds; set by `runtime.answer()` (empty in a record made by hand: see `all_parts`).
        requested_model: the model asked, when another (one of its `fallback:` models) answered.
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
    cache_write_tokens: int | None = None
    seconds: float | None = None
    error: str | None = None
    parts: tuple[Part, ...] = ()
    requested_model: str | None = None

    @property
    def all_parts(self) -> tuple[Part, ...]:
        """The answer as message parts: `parts`, or else its reasoning (if any), then its text."""
        if self.parts:
            return self.parts
        parts = [Part("thinking", self.thinking)] if self.thinking else []
        return (*parts, Part("text", self.text)) if self.text else tuple(parts)

    @property
    def counted(self) -> bool:
        """Whether the provider said how many tokens were used."""
        return self.input_tokens is not None or self.output_tokens is not None
