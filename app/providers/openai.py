"""OpenAI Chat Completions, spoken by OpenAI and every OpenAI-compatible service.

POST `{base_url}/chat/completions` with `stream: true` and
`stream_options.include_usage`, so that a last chunk with `choices: []`
carries the usage. A key, when there is one, goes in `Authorization:
Bearer`; local servers (Ollama, LM Studio, llama.cpp) need none. A server
that answers one JSON object instead of SSE is understood too. The
non-standard `reasoning` (Ollama, OpenRouter) and `reasoning_content`
(DeepSeek, vLLM) fields become `ThinkingDelta`s; a refusal is text ending in
`refusal`. Tool calls become whole `ToolCall`s when the choice finishes
(`app.providers._openai_calls`), and an answer that called tools ends with
`tool_calls` whatever the server called it. The request body is built in
`app.providers._openai_body`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from app import errors
from app.providers._http import HttpProvider
from app.providers._openai_body import chat_body
from app.providers._openai_calls import ToolCallPieces
from app.providers._parser import AnswerParser, field, token_count
from app.providers.base import ChatRequest, Event, TextDelta, ThinkingDelta
from app.providers.errors import in_band_error, unreadable_chunk

__all__ = ["ChatParser", "OpenAIProvider", "chat_body"]

if TYPE_CHECKING:
    from httpx_sse import ServerSentEvent

    from app.config import OpenAIProviderConfig
    from app.providers._http import Endpoint

_OPENAI_HOST = "api.openai.com"


def _max_tokens_field(base_url: str) -> str:
    try:
        host = httpx.URL(base_url).host
    except httpx.InvalidURL:
        return "max_tokens"
    return "max_completion_tokens" if host == _OPENAI_HOST else "max_tokens"


class ChatParser(AnswerParser):
    """Chat Completions chunks (or one whole completion) to events, for one answer.

    A refusal (`delta.refusal`, `message.refusal`) is the answer's text, and
    the answer then ends with the finish reason `refusal`. Tool calls are
    given out whole when their choice finishes, or at the end of the stream
    for a server that never says.
    """

    def __init__(self, endpoint: Endpoint) -> None:
        super().__init__(endpoint)
        self._refused = False
        self._calls = ToolCallPieces(endpoint)

    def feed_sse(self, event: ServerSentEvent) -> list[Event]:
        data = event.data.strip()
        if data == "[DONE]":
            self._complete = True
            return []
        if not data:
            return []
        chunk = self._load(data)
        if event.event == "error":  # some servers name the event instead of nesting `error`
            raise in_band_error(self._endpoint, chunk if isinstance(chunk, dict) and "error" in chunk else {"error": chunk})
        return self._chunk(chunk, "delta")

    def feed_json(self, body: Any) -> list[Event]:
        if not isinstance(body, dict) or not ("choices" in body or "error" in body):
            raise errors.StreamError(f"{self._endpoint.provider} answered JSON that is not a chat completion")
        self._complete = True
        return self._chunk(body, "message")

    def finish(self) -> list[Event]:
        calls: list[Event] = list(self._calls.done())
        if self._refused:
            self._finish = "refusal"
        elif self._calls.made and self._finish in (None, "stop"):
            # Some servers (older Ollama, llama.cpp) say `stop` after calling tools.
            self._finish = "tool_calls"
        return [*calls, *super().finish()]

    def _chunk(self, chunk: Any, name: str) -> list[Event]:
        if not isinstance(chunk, dict):
            raise errors.StreamError(f"{self._endpoint.provider} sent a chunk that is not a JSON object")
        if chunk.get("error"):
            raise in_band_error(self._endpoint, chunk)
        # Once per token: the fields a chunk usually lacks are tested before anything is called.
        usage = chunk.get("usage")
        if usage is not None:
            self._take_usage(usage)
        events: list[Event] = []
        choices = chunk.get("choices")
        for choice in choices if isinstance(choices, list) else ():
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            part = choice.get(name) or {}
            if not isinstance(part, dict):
                raise unreadable_chunk(self._endpoint, f"its {name} is not an object")
            thought = part.get("reasoning_content") or part.get("reasoning")
            if isinstance(thought, str) and thought:
                events.append(ThinkingDelta(thought))
            content = part.get("content")
            text = content if type(content) is str else _content_text(content)
            if text:
                events.append(TextDelta(text))
            refusal = part.get("refusal")
            if isinstance(refusal, str) and refusal:
                self._refused = True
                events.append(TextDelta(refusal))
            calls = part.get("tool_calls")
            if calls is not None:
                self._calls.add(calls)
            finish = choice.get("finish_reason")
            if finish:
                self._take_finish(finish)
                events += self._calls.done()
        return events

    def _take_usage(self, usage: Any) -> None:
        if not isinstance(usage, dict):
            return
        self._input, self._output = token_count(usage.get("prompt_tokens")), token_count(usage.get("completion_tokens"))
        self._cached = token_count(field(usage.get("prompt_tokens_details"), "cached_tokens"))


def _content_text(content: Any) -> str:
    """`content` as text: a string, or the text parts of a list (some servers send parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            p["text"] for p in content if isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str)
        )
    return ""


class OpenAIProvider(HttpProvider):
    """A provider of kind `openai` (see `HttpProvider` for its arguments)."""

    config: OpenAIProviderConfig
    path = "/chat/completions"
    parser_class = ChatParser

    def request_headers(self, key: str | None) -> dict[str, str]:
        return {"authorization": f"Bearer {key}"} if key else {}

    def request_body(self, request: ChatRequest) -> dict[str, Any]:
        return chat_body(request, max_tokens_field=_max_tokens_field(self.config.base_url))
