"""The body of a Gemini `streamGenerateContent` request.

The conversation goes out as `contents` built from `rounds()`: a user round
is a `user` content (text, files as text, images as `inlineData`), an
answer's round a `model` content (text and `functionCall` parts), and the
results of its calls a `user` content of `functionResponse` parts. Gemini
wants each `thoughtSignature` back on the part it came with; thought
summaries themselves are not sent back.

Gemini 3 refuses a step whose first `functionCall` has no signature, which
is what a call made by another provider (a conversation resumed on a new
model) or a history without signatures looks like: that call carries the
sentinel Google documents for it (`skip_thought_signature_validator`).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from typing import Any

from app.providers._rounds import Round, rounds
from app.providers.base import ChatRequest, Message
from app.types import Part, ToolSpec

# ChatRequest.options -> generationConfig fields; thinking_budget and
# reasoning_effort go into thinkingConfig (see `generation_config`).
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
_ROLES = {"user": "user", "assistant": "model", "tool": "user"}
_UNSIGNED = "skip_thought_signature_validator"
_GENERATION = re.compile(r"gemini-(\d+)")


def generate_body(request: ChatRequest) -> dict[str, Any]:
    """The JSON body of a `streamGenerateContent` request.

    Roles are `user` and `model`; the system prompt (and any system messages)
    become `systemInstruction`. `request.tools` become one `functionDeclarations`
    tool; `request.schema` asks for JSON following it (`responseJsonSchema`,
    which takes a full JSON Schema, unlike the OpenAPI subset of `responseSchema`).
    """
    system = [request.system] if request.system else []
    system += [m.content for m in request.messages if m.role == "system"]
    messages = (m for m in request.messages if m.role != "system")
    body: dict[str, Any] = {"contents": contents(messages, signed=_wants_signatures(request.model_id))}
    if system:
        body["systemInstruction"] = {"parts": [{"text": "\n\n".join(system)}]}
    if request.tools:
        body["tools"] = [{"functionDeclarations": [declaration(tool) for tool in request.tools]}]
    config = generation_config(request)
    if config:
        body["generationConfig"] = config
    return body


def contents(messages: Iterable[Message], *, signed: bool = False) -> list[dict[str, Any]]:
    """The conversation as Gemini `contents`, one per wire round.

    Args:
        messages: the conversation, without system messages.
        signed: the model validates signatures (Gemini 3 and later): the first call of
            each step that has none gets the documented sentinel.
    """
    return [_content(r, signed) for r in rounds(messages)]


def declaration(tool: ToolSpec) -> dict[str, Any]:
    """A tool as a `FunctionDeclaration`; `parametersJsonSchema` takes the JSON Schema as MCP gives it."""
    return {"name": tool.name, "description": tool.description, "parametersJsonSchema": dict(tool.parameters)}


def generation_config(request: ChatRequest) -> dict[str, Any]:
    """`generationConfig`: the sampling options, thinking, and the answer's schema.

    `thinking_budget` maps to `thinkingConfig.thinkingBudget`, else
    `reasoning_effort` to `thinkingLevel`; either asks for thought summaries
    unless the budget is 0.
    """
    options = request.options
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
    if request.schema is not None:
        config["responseMimeType"] = "application/json"
        config["responseJsonSchema"] = dict(request.schema)
    return config


def _wants_signatures(model_id: str) -> bool:
    generation = _GENERATION.search(model_id)
    return generation is not None and int(generation.group(1)) >= 3


def _content(round_: Round, signed: bool) -> dict[str, Any]:
    parts = [wire for part in round_.parts if (wire := _part(part)) is not None]
    first_call = next((p for p in parts if "functionCall" in p), None)
    if signed and first_call is not None and "thoughtSignature" not in first_call:
        first_call["thoughtSignature"] = _UNSIGNED
    # A round with nothing Gemini takes back (only thoughts, or an empty message) still holds its turn.
    return {"role": _ROLES[round_.role], "parts": parts or [{"text": ""}]}


def _part(part: Part) -> dict[str, Any] | None:
    """One part in Gemini's shape; None for what is not sent back (thought summaries)."""
    if part.kind == "text":
        if not part.text and not part.signature:
            return None
        wire: dict[str, Any] = {"text": part.text}
    elif part.kind == "file":
        wire = {"text": f"--- file: {part.name or 'attachment'} ---\n{part.text}"}
    elif part.kind == "image":
        data = base64.b64encode(part.data or b"").decode("ascii")
        wire = {"inlineData": {"mimeType": part.media_type or "application/octet-stream", "data": data}}
    elif part.kind == "tool_call":
        call = {"name": part.name or "", "args": dict(part.arguments or {})}
        wire = {"functionCall": {**call, "id": part.call_id} if part.call_id else call}
    elif part.kind == "tool_result":
        response = {"error" if part.is_error else "result": part.text}
        result = {"name": part.name or "", "response": response}
        wire = {"functionResponse": {**result, "id": part.call_id} if part.call_id else result}
    else:
        return None
    if part.signature and part.kind in ("text", "tool_call"):
        wire["thoughtSignature"] = part.signature
    return wire
