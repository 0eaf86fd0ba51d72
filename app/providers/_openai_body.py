"""The body of a Chat Completions request: messages from rounds, tools, structured output.

Each wire round (`app.providers._rounds`) becomes Chat Completions messages:

    user       {"role": "user", "content": TEXT}, or a list of `text` / `image_url` parts
               when it holds attachments (a file is text headed by a line naming it)
    assistant  {"role": "assistant", "content": TEXT or null, "tool_calls": [...]}
    tool       one {"role": "tool", "tool_call_id": ID, "content": TEXT} per result

Thinking is not sent back: Chat Completions has no field for it. Prompt
caching needs nothing in the body (OpenAI caches a long prefix by itself),
so `ChatRequest.cache` is not read here.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from app.providers._rounds import Round, rounds
from app.providers.base import ChatRequest
from app.types import Part, ToolSpec

# ChatRequest.options -> Chat Completions fields. `top_k` and `thinking_budget`
# have no equivalent there and are dropped; `max_tokens` is renamed for
# api.openai.com, whose reasoning models refuse the old name.
_OPTIONS = {
    "temperature": "temperature",
    "top_p": "top_p",
    "seed": "seed",
    "stop": "stop",
    "presence_penalty": "presence_penalty",
    "frequency_penalty": "frequency_penalty",
    "reasoning_effort": "reasoning_effort",
}
SCHEMA_NAME = "answer"
"""The name structured output's schema is sent under (the API requires one)."""


def chat_body(request: ChatRequest, max_tokens_field: str = "max_tokens") -> dict[str, Any]:
    """The JSON body of a streaming Chat Completions request.

    Args:
        request: what to ask.
        max_tokens_field: the name `max_tokens` is sent under (`max_completion_tokens` for api.openai.com).
    """
    messages = [{"role": "system", "content": request.system}] if request.system else []
    for round_ in rounds(request.messages):
        messages += _messages(round_)
    body: dict[str, Any] = {
        "model": request.model_id,
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if request.tools:
        body["tools"] = [tool_definition(spec) for spec in request.tools]
    if request.schema is not None:
        body["response_format"] = response_format(request.schema)
    for ours, theirs in _OPTIONS.items():
        if request.options.get(ours) is not None:
            body[theirs] = request.options[ours]
    if request.options.get("max_tokens") is not None:
        body[max_tokens_field] = request.options["max_tokens"]
    return body


def tool_definition(spec: ToolSpec) -> dict[str, Any]:
    """A tool as Chat Completions offers it to the model."""
    function = {"name": spec.name, "description": spec.description, "parameters": plain(spec.parameters)}
    return {"type": "function", "function": function}


def response_format(schema: Mapping[str, Any]) -> dict[str, Any]:
    """Structured output: the answer must follow `schema`.

    Not `strict`: strict mode accepts only a subset of JSON Schema (every
    property required, no `additionalProperties`), and orch validates the
    answer against the whole schema itself.
    """
    return {"type": "json_schema", "json_schema": {"name": SCHEMA_NAME, "schema": plain(schema), "strict": False}}


def _messages(round_: Round) -> list[dict[str, Any]]:
    if round_.role == "tool":
        return [_tool_result(part) for part in round_.parts if part.kind == "tool_result"]
    if round_.role == "assistant":
        return [_assistant(round_)]
    return [{"role": round_.role, "content": _user_content(round_)}]


def _assistant(round_: Round) -> dict[str, Any]:
    calls = [_tool_call(part) for part in round_.parts if part.kind == "tool_call"]
    if not calls:
        return {"role": "assistant", "content": round_.text}
    # The API wants `null` rather than "" beside calls when the model said nothing.
    return {"role": "assistant", "content": round_.text or None, "tool_calls": calls}


def _tool_call(part: Part) -> dict[str, Any]:
    arguments = json.dumps(plain(part.arguments or {}), ensure_ascii=False, separators=(",", ":"))
    return {"id": part.call_id, "type": "function", "function": {"name": part.name, "arguments": arguments}}


def _tool_result(part: Part) -> dict[str, Any]:
    content = f"Error: {part.text}" if part.is_error else part.text
    return {"role": "tool", "tool_call_id": part.call_id, "content": content}


def _user_content(round_: Round) -> str | list[dict[str, Any]]:
    """Plain text when the round is only text; else its parts in order."""
    if all(part.kind == "text" for part in round_.parts):
        return round_.text
    content = []
    for part in round_.parts:
        if part.kind == "text":
            content.append({"type": "text", "text": part.text})
        elif part.kind == "file":
            content.append({"type": "text", "text": f"--- file: {part.name or 'attachment'} ---\n{part.text}"})
        elif part.kind == "image" and part.data is not None:
            content.append({"type": "image_url", "image_url": {"url": data_url(part.media_type, part.data)}})
    return content


def data_url(media_type: str | None, data: bytes) -> str:
    """`data` as a base64 `data:` URL, the way Chat Completions takes an image."""
    return f"data:{media_type or 'application/octet-stream'};base64,{base64.b64encode(data).decode('ascii')}"


def plain(value: Any) -> Any:
    """`value` with every Mapping made a dict and every tuple a list, so that it is JSON as it is."""
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value
