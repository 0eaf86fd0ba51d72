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
from app.providers._parser import AnswerParser, field, token_count, total
from app.providers.base import ChatRequest, Event, TextDelta, ThinkingDelta
from app.providers.errors import in_band_error, unreadable_chunk

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


# Delta and block types that carry what is shown: the field holding it, and the event it becomes.
_PIECES: dict[str, tuple[str, type[TextDelta] | type[ThinkingDelta]]] = {
    "text_delta": ("text", TextDelta),
    "thinking_delta": ("thinking", ThinkingDelta),
    "text": ("text", TextDelta),
    "thinking": ("thinking", ThinkingDelta),
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
    """Messages stream events (or one whole message) to events, for one answer.

    As the official SDK does, `data: [DONE]` and events with empty data are
    skipped. Input tokens include those read from and written to the prompt
    cache (`cache_read_input_tokens` + `cache_creation_input_tokens`); the
    ones read are also `cached_tokens`.
    """

    def feed_sse(self, event: ServerSentEvent) -> list[Event]:
        raw = event.data.strip()
        if event.event == "ping" or not raw or raw == "[DONE]":
            return []
        data = self._load(raw)
        if not isinstance(data, dict):
            raise errors.StreamError(f"{self._endpoint.provider} sent an event that is not a JSON object")
        kind = data.get("type") or event.event
        if kind == "content_block_delta":
            return self._piece(data.get("delta"))
        if kind == "content_block_start":
            return self._piece(data.get("content_block"))
        if kind == "message_start":
            self._take_usage(field(data.get("message"), "usage"))
        elif kind == "message_delta":
            self._take_finish(field(data.get("delta"), "stop_reason"))
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
        events = [event for block in body["content"] for event in self._piece(block)]
        self._take_finish(body.get("stop_reason"))
        self._take_usage(body.get("usage"))
        self._complete = True
        return events

    def _piece(self, holder: Any) -> list[Event]:
        """The text or thinking of a delta (streaming) or a block (its starting content, whole in JSON).

        Other kinds (signature_delta, input_json_delta, tool use, citations,
        and what comes next) give nothing.
        """
        kind = field(holder, "type")
        name, event = _PIECES.get(kind, (None, None)) if isinstance(kind, str) else (None, None)
        if name is None or event is None:
            return []
        text = self._text(holder, name)
        return [event(text)] if text else []

    def _text(self, holder: dict[str, Any], name: str) -> str:
        """The text under `name`; a value that is not text is a broken stream, not a crash."""
        text = holder.get(name)
        if text is None or isinstance(text, str):
            return text or ""
        raise unreadable_chunk(self._endpoint, f"a {name} that is not text")

    def _take_usage(self, usage: Any) -> None:
        # message_delta's usage is cumulative; newer responses repeat input_tokens there.
        if not isinstance(usage, dict):
            return
        read = token_count(usage.get("cache_read_input_tokens"))
        if token_count(usage.get("input_tokens")) is not None:
            self._input = total(usage.get("input_tokens"), read, usage.get("cache_creation_input_tokens"))
        if read is not None:
            self._cached = read
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
