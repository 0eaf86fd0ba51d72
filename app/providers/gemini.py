"""Google Gemini API (generativelanguage.googleapis.com).

POST `{base_url}/v1beta/models/{id}:streamGenerateContent?alt=sse` with the
key in `x-goog-api-key` (never in the URL). Each SSE event (CRLF-separated
as Google sends them, or LF) is a whole `GenerateContentResponse`; parts
marked `thought: true` become `ThinkingDelta`. Every chunk repeats
`usageMetadata` and its counts can change between chunks, so the last one
wins; `thoughtsTokenCount` is counted as output (it is billed as such). A
server that answers `application/json` (a JSON array of responses, as
`streamGenerateContent` without `alt=sse` does, or one object) is read
whole. A `functionCall` part comes whole in one chunk and becomes a
`ToolCall` (its `thoughtSignature` kept on it, an id made when Gemini gives
none); an answer that called functions finishes `tool_calls`, since Gemini
says `STOP` either way, and one that ends `MALFORMED_FUNCTION_CALL` failed.
A text part's `thoughtSignature` rides on its `TextDelta`. The request body
is built in `_gemini_body`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from app import errors
from app.providers._gemini_body import generate_body
from app.providers._http import HttpProvider
from app.providers._parser import AnswerParser, field, token_count, total
from app.providers.base import ChatRequest, Event, TextDelta, ThinkingDelta
from app.providers.errors import in_band_error
from app.types import ToolCall

__all__ = ["GeminiProvider", "GenerateParser", "generate_body"]

if TYPE_CHECKING:
    from httpx_sse import ServerSentEvent

    from app.config import GeminiProviderConfig
    from app.providers._http import Endpoint


_INVALID = object()
"""Arguments that did not parse as JSON."""

# Finish reasons that end an answer on a tool call Gemini could not make: failures, not a complete answer.
_FAILED_CALL = {
    "MALFORMED_FUNCTION_CALL": "stopped on a function call it could not form",
    "UNEXPECTED_TOOL_CALL": "stopped on a call to a tool it was not offered",
}


def _signature(value: Any) -> str | None:
    """A part's `thoughtSignature`, when it is one."""
    return value if isinstance(value, str) and value else None


class GenerateParser(AnswerParser):
    """`GenerateContentResponse` chunks to events, for one answer."""

    def __init__(self, endpoint: Endpoint) -> None:
        super().__init__(endpoint)
        self._calls = 0

    def finish(self) -> list[Event]:
        """The closing events.

        Raises:
            StreamError: Gemini ended the answer on a function call it could not make.
        """
        if self._calls and self._finish == "STOP":
            self._finish = "tool_calls"  # the one vocabulary: the model stopped to have its calls run
        failed = _FAILED_CALL.get(self._finish or "")
        if failed:
            raise errors.StreamError(f"{self._endpoint.provider}'s model {failed} ({self._finish})",
                                     "Ask again; rewording the request or offering fewer tools often helps.")  # fmt: skip
        return super().finish()

    def feed_sse(self, event: ServerSentEvent) -> list[Event]:
        if not event.data.strip():
            return []
        return self._chunk(self._load(event.data))

    def feed_json(self, body: Any) -> list[Event]:
        chunks = body if isinstance(body, list) else [body]
        events = [event for chunk in chunks for event in self._chunk(chunk)]
        self._complete = True  # a JSON document that parsed is whole
        return events

    def _chunk(self, chunk: Any) -> list[Event]:
        if not isinstance(chunk, dict):
            raise errors.StreamError(f"{self._endpoint.provider} sent a chunk that is not a JSON object")
        if "error" in chunk:
            raise in_band_error(self._endpoint, chunk)
        events: list[Event] = []
        candidates = chunk.get("candidates")
        for candidate in candidates[:1] if isinstance(candidates, list) else ():
            parts = field(field(candidate, "content"), "parts")
            for part in parts if isinstance(parts, list) else ():
                signature = _signature(field(part, "thoughtSignature"))
                call = field(part, "functionCall")
                if isinstance(call, dict):
                    events.append(self._tool_call(call, signature))
                    continue
                text = field(part, "text")
                if not isinstance(text, str) or not (text or signature):
                    continue  # inline data, empty parts
                if part.get("thought"):
                    if text:
                        events.append(ThinkingDelta(text))
                else:
                    events.append(TextDelta(text, signature))
            self._take_finish(field(candidate, "finishReason"))
        blocked = field(chunk.get("promptFeedback"), "blockReason")
        if self._finish is None:
            self._take_finish(blocked)
        usage = chunk.get("usageMetadata")
        if isinstance(usage, dict):
            # Thinking is billed as output: the answer's tokens and the thoughts' together.
            self._input = token_count(usage.get("promptTokenCount"))
            self._output = total(usage.get("candidatesTokenCount"), usage.get("thoughtsTokenCount"))
            self._cached = token_count(usage.get("cachedContentTokenCount"))
        return events

    def _tool_call(self, call: dict[str, Any], signature: str | None) -> ToolCall:
        """A `functionCall` part as a `ToolCall`; its id is Gemini's, else `call_N` in this answer's order.

        Raises:
            StreamError: the call has no name, or arguments that are not a JSON object.
        """
        self._calls += 1
        name = call.get("name")
        if not isinstance(name, str) or not name:
            raise errors.StreamError(f"{self._endpoint.provider} sent a function call with no name")
        call_id = call.get("id")
        if not isinstance(call_id, str) or not call_id:
            call_id = f"call_{self._calls}"
        return ToolCall(call_id, name, self._arguments(name, call.get("args")), signature)

    def _arguments(self, name: str, arguments: Any) -> dict[str, Any]:
        """A call's `args`: an object as Gemini sends it, or a string of JSON as servers imitating it may."""
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments) if arguments.strip() else {}
            except (ValueError, RecursionError):
                arguments = _INVALID
        if arguments is None:
            return {}
        if not isinstance(arguments, dict):
            what = "are not valid JSON" if arguments is _INVALID else "are not a JSON object"
            raise errors.StreamError(
                f"{self._endpoint.provider} sent a call to tool '{self._endpoint.scrub(name)}' whose arguments {what}"
            )
        return arguments


class GeminiProvider(HttpProvider):
    """A provider of kind `gemini` (see `HttpProvider` for its arguments)."""

    config: GeminiProviderConfig
    parser_class = GenerateParser

    def url(self, model_id: str) -> str:
        model = quote(model_id.removeprefix("models/"), safe="-._~@")
        return f"{self.config.base_url.rstrip('/')}/v1beta/models/{model}:streamGenerateContent?alt=sse"

    def request_headers(self, key: str | None) -> dict[str, str]:
        return {"x-goog-api-key": key} if key else {}

    def request_body(self, request: ChatRequest) -> dict[str, Any]:
        return generate_body(request)
