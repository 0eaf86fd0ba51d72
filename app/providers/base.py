"""The protocol a provider implements, and a stream collected.

A provider turns a `ChatRequest` into an async stream of events. Nothing here
knows about terminals, files or configuration formats.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from app.types import Event, Finish, Message, Role, TextDelta, ThinkingDelta, ToolSpec, Usage

__all__ = [
    "Answer",
    "ChatRequest",
    "Event",
    "Finish",
    "Message",
    "Provider",
    "Role",
    "TextDelta",
    "ThinkingDelta",
    "Usage",
    "close_stream",
    "collect",
]

@dataclass(frozen=True, slots=True)
class ChatRequest:
    """What is sent to a model.

    Args:
        model_id: the id the API expects (`claude-sonnet-4-5`), not orch's name.
        messages: the conversation, oldest first, without the system prompt.
        system: the system prompt, if any.
        options: sampling options (`temperature`, `max_tokens`, ...), already validated.
        tools: the tools the model may call.
        schema: a JSON Schema the answer must follow (structured output), or None.
        cache: mark the stable prefix for the provider's prompt cache (Anthropic `cache_control`).
    """

    model_id: str
    messages: tuple[Message, ...]
    system: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    tools: tuple[ToolSpec, ...] = ()
    schema: Mapping[str, Any] | None = None
    cache: bool = False


@runtime_checkable
class Provider(Protocol):
    """A model service speaking one wire format."""

    def stream(self, request: ChatRequest) -> AsyncIterator[Event]:
        """Stream the answer to `request` as events.

        Raises:
            app.errors.ProviderError: with a message for the user.
        """
        ...


class Answer:
    """A stream collected: what non-streaming callers get.

    Text arrives in many small pieces; they are kept as a list and joined when
    read, so collecting stays linear in the answer's length.
    """

    __slots__ = ("_text", "_thinking", "input_tokens", "output_tokens", "cached_tokens", "cache_write_tokens",
                 "finish_reason")

    def __init__(self, text: str = "") -> None:
        self._text: list[str] = [text] if text else []
        self._thinking: list[str] = []
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self.cached_tokens: int | None = None
        self.cache_write_tokens: int | None = None
        self.finish_reason: str | None = None

    @property
    def text(self) -> str:
        return _joined(self._text)

    @property
    def thinking(self) -> str:
        return _joined(self._thinking)

    def _fields(self) -> tuple:
        return (self.text, self.thinking, self.input_tokens, self.output_tokens, self.finish_reason)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Answer) and self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        text, thinking, input_tokens, output_tokens, finish = self._fields()
        return (f"Answer(text={text!r}, thinking={thinking!r}, input_tokens={input_tokens}, "
                f"output_tokens={output_tokens}, finish_reason={finish!r})")

    def add(self, event: Event) -> None:
        """Fold one event into the answer."""
        if isinstance(event, TextDelta):
            self._text.append(event.text)
        elif isinstance(event, ThinkingDelta):
            self._thinking.append(event.text)
        elif isinstance(event, Usage):
            if event.input_tokens is not None:
                self.input_tokens = event.input_tokens
            if event.output_tokens is not None:
                self.output_tokens = event.output_tokens
            if event.cached_tokens is not None:
                self.cached_tokens = event.cached_tokens
            if event.cache_write_tokens is not None:
                self.cache_write_tokens = event.cache_write_tokens
        elif isinstance(event, Finish):
            self.finish_reason = event.reason


def _joined(pieces: list[str]) -> str:
    """The pieces as one string, kept joined so that reading again costs nothing."""
    if len(pieces) > 1:
        pieces[:] = ["".join(pieces)]
    return pieces[0] if pieces else ""


async def collect(events: AsyncIterator[Event]) -> Answer:
    """Consume a stream and return the whole answer."""
    answer = Answer()
    async for event in events:
        answer.add(event)
    return answer


async def close_stream(events: AsyncIterator[Event]) -> None:
    """Close a stream that may have been left half-read, ignoring errors while closing."""
    aclose = getattr(events, "aclose", None)
    if aclose is not None:
        try:
            await aclose()
        except Exception:
            pass
