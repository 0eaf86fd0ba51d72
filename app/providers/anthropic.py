"""Anthropic Messages API.

POST `{base_url}/v1/messages` with `x-api-key` and `anthropic-version:
2023-06-01`. The stream is named SSE events: `message_start` (input tokens),
`content_block_start` / `content_block_delta` / `content_block_stop` per
block, `message_delta` (stop reason and the final, cumulative usage),
`message_stop`; `ping` is ignored. `text_delta` becomes `TextDelta`,
`thinking_delta` `ThinkingDelta`, and a thinking block's `signature_delta` a
`ThinkingDelta("", signature=…)` at the block's end. A `tool_use` block's
`input_json_delta` pieces become one `ToolCall` when the block ends; the
forced `answer` tool of a structured answer streams as the answer's text.
Server-side tool blocks (`server_tool_use`, `web_search_tool_result`, …)
are the service's own business: never a `ToolCall`, the text around them
kept. An `error` event mid-stream raises the matching error, keeping the
text so far. The request body is built in `_anthropic_body`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field as dataclass_field
from typing import TYPE_CHECKING, Any

from app import errors
from app.providers._anthropic_body import ANSWER_TOOL, DEFAULT_MAX_TOKENS, messages_body
from app.providers._http import Endpoint, HttpProvider
from app.providers._parser import AnswerParser, field, token_count, total
from app.providers.base import ChatRequest, Event, TextDelta, ThinkingDelta
from app.providers.errors import in_band_error, unreadable_chunk
from app.types import ToolCall

if TYPE_CHECKING:
    from httpx_sse import ServerSentEvent

    from app.config import AnthropicProviderConfig

__all__ = ["API_VERSION", "DEFAULT_MAX_TOKENS", "AnthropicProvider", "MessagesParser", "messages_body"]

API_VERSION = "2023-06-01"

# In-band error types -> the HTTP status they stand for.
_ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}

# Stop reasons given in the one vocabulary of finish reasons (DESIGN, Providers).
_FINISH = {"tool_use": "tool_calls", "pause_turn": "pause"}

# Delta and block types that carry what is shown: the field holding it, and the event it becomes.
_PIECES: dict[str, tuple[str, type[TextDelta] | type[ThinkingDelta]]] = {
    "text_delta": ("text", TextDelta),
    "thinking_delta": ("thinking", ThinkingDelta),
    "text": ("text", TextDelta),
    "thinking": ("thinking", ThinkingDelta),
}


@dataclass
class _Block:
    """A content block being streamed whose end means something: a thinking block, a client tool call."""

    kind: str  # "thinking", "tool_use", or "answer" (the structured answer's forced tool)
    call_id: str = ""
    name: str = ""
    pieces: list[str] = dataclass_field(default_factory=list)
    signature: str | None = None
    start_input: Any = None


def _index(value: Any) -> int | None:
    """A block's index; None (one shared slot) for what is not one, so a hostile index never crashes."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class MessagesParser(AnswerParser):
    """Messages stream events (or one whole message) to events, for one answer.

    As the official SDK does, `data: [DONE]` and events with empty data are
    skipped. Input tokens include those read from and written to the prompt
    cache (`cache_read_input_tokens` + `cache_creation_input_tokens`); the
    ones read are also `cached_tokens`, the ones written `cache_write_tokens`.
    `structured` says the answer comes as the input of the forced `answer` tool.
    """

    def __init__(self, endpoint: Endpoint, *, structured: bool = False) -> None:
        super().__init__(endpoint)
        self._structured = structured
        self._blocks: dict[int | None, _Block] = {}
        self._held: list[str] = []  # text written beside the `answer` tool (see `_piece`)
        self._answered = False

    def finish(self) -> list[Event]:
        held = [TextDelta("".join(self._held))] if self._held and not self._answered else []
        return [*held, *super().finish()]

    def feed_sse(self, event: ServerSentEvent) -> list[Event]:
        raw = event.data.strip()
        if event.event == "ping" or not raw or raw == "[DONE]":
            return []
        data = self._load(raw)
        if not isinstance(data, dict):
            raise errors.StreamError(f"{self._endpoint.provider} sent an event that is not a JSON object")
        kind = data.get("type") or event.event
        if kind == "content_block_delta":
            return self._delta(_index(data.get("index")), data.get("delta"))
        if kind == "content_block_start":
            return self._start(_index(data.get("index")), data.get("content_block"))
        if kind == "content_block_stop":
            return self._stop(_index(data.get("index")))
        if kind == "message_start":
            self._take_usage(field(data.get("message"), "usage"))
        elif kind == "message_delta":
            self._take_stop_reason(field(data.get("delta"), "stop_reason"))
            self._take_usage(data.get("usage"))
        elif kind == "message_stop":
            self._complete = True
        elif kind == "error":
            raise in_band_error(self._endpoint, data, _ERROR_STATUS)
        return []

    def feed_json(self, body: Any) -> list[Event]:
        if isinstance(body, dict) and body.get("type") == "error":
            raise in_band_error(self._endpoint, body, _ERROR_STATUS)
        if not isinstance(body, dict) or not isinstance(body.get("content"), list):
            raise errors.StreamError(f"{self._endpoint.provider} answered JSON that is not a message")
        events = [event for block in body["content"] for event in self._whole_block(block)]
        self._take_stop_reason(body.get("stop_reason"))
        self._take_usage(body.get("usage"))
        self._complete = True
        return events

    # --- blocks ---------------------------------------------------------------------------

    def _start(self, index: int | None, block: Any) -> list[Event]:
        kind = field(block, "type")
        if kind == "tool_use":
            self._blocks[index] = self._call_block(block)
            return []
        if kind == "thinking":
            self._blocks[index] = _Block("thinking")
        if kind == "redacted_thinking":
            return self._redacted(block)
        return self._piece(block)

    def _delta(self, index: int | None, delta: Any) -> list[Event]:
        kind = field(delta, "type")
        block = self._blocks.get(index)
        if kind == "input_json_delta":
            if block is None or block.kind == "thinking":  # a server tool's input: not ours to read
                return []
            piece = self._text(delta, "partial_json")
            if block.kind == ANSWER_TOOL:
                return [TextDelta(piece)] if piece else []
            block.pieces.append(piece)
            return []
        if kind == "signature_delta":
            if block is not None and block.kind == "thinking":
                block.signature = self._text(delta, "signature") or None
            return []
        return self._piece(delta)

    def _stop(self, index: int | None) -> list[Event]:
        block = self._blocks.pop(index, None)
        if block is None:
            return []
        if block.kind == "thinking":
            return [ThinkingDelta("", signature=block.signature)] if block.signature else []
        if block.kind == "tool_use":
            return [self._tool_call(block)]
        return []

    def _whole_block(self, block: Any) -> list[Event]:
        """A block of a non-streaming answer, whole."""
        kind = field(block, "type")
        if kind == "tool_use":
            call = self._call_block(block)
            if call.kind == ANSWER_TOOL:
                return [TextDelta(json.dumps(call.start_input, ensure_ascii=False))]
            return [self._tool_call(call)]
        if kind == "redacted_thinking":
            return self._redacted(block)
        events = self._piece(block)
        if kind == "thinking" and isinstance(block.get("signature"), str) and block["signature"]:
            events.append(ThinkingDelta("", signature=block["signature"]))
        return events

    def _redacted(self, block: dict[str, Any]) -> list[Event]:
        """A `redacted_thinking` block: encrypted reasoning with no text, to be sent back as it came."""
        data = block.get("data")
        return [ThinkingDelta("", signature=data, redacted=True)] if isinstance(data, str) and data else []

    def _call_block(self, block: dict[str, Any]) -> _Block:
        call_id, name = block.get("id"), block.get("name")
        if not isinstance(call_id, str) or not isinstance(name, str) or not call_id or not name:
            raise unreadable_chunk(self._endpoint, "a tool call without its id or name")
        if self._structured and name == ANSWER_TOOL:
            self._answered, self._held = True, []
            return _Block(ANSWER_TOOL, call_id, name, start_input=block.get("input"))
        return _Block("tool_use", call_id, name, start_input=block.get("input"))

    def _tool_call(self, block: _Block) -> ToolCall:
        """A tool call whose arguments are whole.

        Raises:
            StreamError: the arguments are not a JSON object; the message names the tool.
        """
        raw = "".join(block.pieces)
        if not raw.strip():
            # A call with no arguments streams "" (or, unstreamed, its input is whole at the start).
            arguments = block.start_input if isinstance(block.start_input, dict) else {}
            return ToolCall(block.call_id, block.name, arguments)
        try:
            arguments = json.loads(raw)
        except (ValueError, RecursionError):
            arguments = None
        if not isinstance(arguments, dict):
            name = self._endpoint.scrub(block.name)
            raise errors.StreamError(
                f"{self._endpoint.provider} sent the arguments of a call to tool '{name}' that are not a JSON object"
            )
        return ToolCall(block.call_id, block.name, arguments)

    def _piece(self, holder: Any) -> list[Event]:
        """The text or thinking of a delta (streaming) or a block (its starting content, whole in JSON).

        Other kinds (citations, server tools, and what comes next) give nothing.
        """
        kind = field(holder, "type")
        name, event = _PIECES.get(kind, (None, None)) if isinstance(kind, str) else (None, None)
        if name is None or event is None:
            return []
        text = self._text(holder, name)
        if self._structured and event is TextDelta:
            # The answer is the `answer` tool's input. Text besides it (a thinking model, offered the
            # tool rather than forced to it, may write some) is held: it is the answer only if the
            # tool never comes.
            if text and not self._answered:
                self._held.append(text)
            return []
        return [event(text)] if text else []

    def _text(self, holder: dict[str, Any], name: str) -> str:
        """The text under `name`; a value that is not text is a broken stream, not a crash."""
        text = holder.get(name)
        if text is None or isinstance(text, str):
            return text or ""
        raise unreadable_chunk(self._endpoint, f"a {name} that is not text")

    # --- how it ended, and what it cost ----------------------------------------------------

    def _take_stop_reason(self, reason: Any) -> None:
        self._take_finish(_FINISH.get(reason, reason) if isinstance(reason, str) else reason)

    def _take_usage(self, usage: Any) -> None:
        # message_delta's usage is cumulative; newer responses repeat input_tokens there.
        if not isinstance(usage, dict):
            return
        read = token_count(usage.get("cache_read_input_tokens"))
        written = token_count(usage.get("cache_creation_input_tokens"))
        if token_count(usage.get("input_tokens")) is not None:
            self._input = total(usage.get("input_tokens"), read, written)
        if read is not None:
            self._cached = read
        if written is not None:
            self._cache_write = written
        output = token_count(usage.get("output_tokens"))
        if output is not None:
            self._output = output


class AnthropicProvider(HttpProvider):
    """A provider of kind `anthropic` (see `HttpProvider` for its arguments).

    The key is None only for a proxy that adds it.
    """

    config: AnthropicProviderConfig
    path = "/v1/messages"
    parser_class = MessagesParser

    def request_headers(self, key: str | None) -> dict[str, str]:
        return {"anthropic-version": API_VERSION, **({"x-api-key": key} if key else {})}

    def request_body(self, request: ChatRequest) -> dict[str, Any]:
        return messages_body(request)

    def parser_for(self, endpoint: Endpoint, request: ChatRequest) -> MessagesParser:
        return MessagesParser(endpoint, structured=request.schema is not None)
