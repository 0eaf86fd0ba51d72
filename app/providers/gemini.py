"""Google Gemini API (generativelanguage.googleapis.com).

POST `{base_url}/v1beta/models/{id}:streamGenerateContent?alt=sse` with the
key in `x-goog-api-key` (never in the URL). Each SSE event (CRLF-separated
as Google sends them, or LF) is a whole `GenerateContentResponse`; parts
marked `thought: true` become `ThinkingDelta`. Every chunk repeats
`usageMetadata` and its counts can change between chunks, so the last one
wins; `thoughtsTokenCount` is counted as output (it is billed as such). A
server that answers `application/json` (a JSON array of responses, as
`streamGenerateContent` without `alt=sse` does, or one object) is read
whole. Function calls are ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from app import errors
from app.providers._http import HttpProvider
from app.providers._parser import AnswerParser, field, token_count, total
from app.providers.base import ChatRequest, Event, TextDelta, ThinkingDelta
from app.providers.errors import in_band_error

if TYPE_CHECKING:
    from httpx_sse import ServerSentEvent

    from app.config import GeminiProviderConfig

# ChatRequest.options -> generationConfig fields; thinking_budget and
# reasoning_effort go into thinkingConfig (see `generate_body`).
_OPTIONS = {
    "temperature": "temperature",
    "top_p": "topP",
    "top_k": "topK",
    "max_tokens": "maxOutputTokens",
    "stop": "stopSequences",
    "seed": "seed",
    "presence_penalty": "presencePenalty",
    "frequency_penalty": "frequencyPenalty",
}


def generate_body(request: ChatRequest) -> dict[str, Any]:
    """The JSON body of a `streamGenerateContent` request.

    Roles are `user` and `model`; the system prompt (and any system messages)
    become `systemInstruction`. `thinking_budget` maps to
    `thinkingConfig.thinkingBudget`, else `reasoning_effort` to
    `thinkingLevel`; either asks for thought summaries unless the budget is 0.
    """
    options = request.options
    system = [request.system] if request.system else []
    system += [m.content for m in request.messages if m.role == "system"]
    body: dict[str, Any] = {
        "contents": [
            {"role": "model" if m.role == "assistant" else "user", "parts": [{"text": m.content}]}
            for m in request.messages
            if m.role != "system"
        ]
    }
    if system:
        body["systemInstruction"] = {"parts": [{"text": "\n\n".join(system)}]}
    config = {theirs: options[ours] for ours, theirs in _OPTIONS.items() if options.get(ours) is not None}
    thinking: dict[str, Any] = {}
    if options.get("thinking_budget") is not None:
        thinking["thinkingBudget"] = options["thinking_budget"]
    elif options.get("reasoning_effort"):
        thinking["thinkingLevel"] = options["reasoning_effort"]
    if thinking and thinking.get("thinkingBudget") != 0:
        thinking["includeThoughts"] = True
    if thinking:
        config["thinkingConfig"] = thinking
    if config:
        body["generationConfig"] = config
    return body


class GenerateParser(AnswerParser):
    """`GenerateContentResponse` chunks to events, for one answer."""

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
                text = field(part, "text")
                if not isinstance(text, str) or not text:
                    continue  # function calls, inline data, empty parts
                events.append(ThinkingDelta(text) if part.get("thought") else TextDelta(text))
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
