"""Anthropic Messages API.

POST `{base_url}/v1/messages` with `x-api-key` and `anthropic-version:
2023-06-01`. The stream is named SSE events: `message_start` (input tokens),
`content_block_start` / `content_block_delta` / `content_block_stop` per
block, `message_delta` (stop reason and the final, cumulative usage),
`message_stop`; `ping` is ignored, and so are block types we do not show
(tool use, server tools). `thinking_delta` becomes `ThinkingDelta`. An
`error` event mid-stream raises the matching error, keeping the text so far.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app import errors
from app.providers._http import HttpProvider
from app.providers._parser import AnswerParser
from app.providers.base import ChatRequest, Event, TextDelta, ThinkingDelta
from app.providers.errors import in_band_error

if TYPE_CHECKING:
    from httpx_sse import ServerSentEvent

    from app.config import AnthropicProviderConfig

API_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
"""The API requires max_tokens; this is sent when the model's options give none."""

# ChatRequest.options -> Messages fields; seed and the penalties have no
# equivalent and are dropped. thinking_budget, reasoning_effort and
# max_tokens are shaped in `messages_body`.
_OPTIONS = {"temperature": "temperature", "top_p": "top_p", "top_k": "top_k", "stop": "stop_sequences"}

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


def messages_body(request: ChatRequest) -> dict[str, Any]:
    """The JSON body of a streaming Messages request.

    The system prompt (and any system messages) go in the top-level `system`;
    `thinking_budget` turns extended thinking on, and then the default
    `max_tokens` leaves room for the answer after the thinking.
    """
    options = request.options
    system = [request.system] if request.system else []
    system += [m.content for m in request.messages if m.role == "system"]
    budget = options.get("thinking_budget") or 0
    body: dict[str, Any] = {
        "model": request.model_id,
        "max_tokens": options.get("max_tokens") or DEFAULT_MAX_TOKENS + budget,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages if m.role != "system"],
        "stream": True,
    }
    if system:
        body["system"] = "\n\n".join(system)
    for ours, theirs in _OPTIONS.items():
        if options.get(ours) is not None:
            body[theirs] = options[ours]
    if budget:
        body["thinking"] = {"type": "enabled", "budget_tokens": budget}
    effort = options.get("reasoning_effort")
    if effort:
        body["output_config"] = {"effort": "low" if effort == "minimal" else effort}
    return body


class MessagesParser(AnswerParser):
    """Messages stream events (or one whole message) to events, for one answer."""

    def feed_sse(self, event: ServerSentEvent) -> list[Event]:
        if event.event == "ping":
            return []
        data = self._load(event.data)
        if not isinstance(data, dict):
            raise errors.StreamError(f"{self._endpoint.provider} sent an event that is not a JSON object")
        kind = data.get("type") or event.event
        if kind == "content_block_delta":
            return self._delta(data.get("delta") or {})
        if kind == "content_block_start":
            return self._block(data.get("content_block") or {})
        if kind == "message_start":
            usage = (data.get("message") or {}).get("usage") or {}
            self._input, self._output = usage.get("input_tokens"), usage.get("output_tokens")
        elif kind == "message_delta":
            self._finish = (data.get("delta") or {}).get("stop_reason") or self._finish
            self._take_usage(data.get("usage") or {})
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
        events = [event for block in body["content"] if isinstance(block, dict) for event in self._block(block)]
        self._finish = body.get("stop_reason")
        self._take_usage(body.get("usage") or {})
        self._complete = True
        return events

    def _delta(self, delta: dict[str, Any]) -> list[Event]:
        kind = delta.get("type")
        if kind == "text_delta" and delta.get("text"):
            return [TextDelta(delta["text"])]
        if kind == "thinking_delta" and delta.get("thinking"):
            return [ThinkingDelta(delta["thinking"])]
        return []  # signature_delta, input_json_delta, citations, and what comes next

    def _block(self, block: dict[str, Any]) -> list[Event]:
        """A block's own starting content (usually empty while streaming, whole in JSON)."""
        if block.get("type") == "text" and block.get("text"):
            return [TextDelta(block["text"])]
        if block.get("type") == "thinking" and block.get("thinking"):
            return [ThinkingDelta(block["thinking"])]
        return []

    def _take_usage(self, usage: dict[str, Any]) -> None:
        # message_delta's usage is cumulative; newer responses repeat input_tokens there.
        if usage.get("input_tokens") is not None:
            self._input = usage["input_tokens"]
        if usage.get("output_tokens") is not None:
            self._output = usage["output_tokens"]


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
