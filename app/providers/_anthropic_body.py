"""The body of an Anthropic Messages request: messages as content blocks, tools, structured output, caching.

A conversation is written from its wire rounds (`app.providers._rounds`):
a user round and an assistant round become messages of content blocks, and
a `tool` round becomes a user message of `tool_result` blocks, merged with
the user round after it, since the API wants user and assistant to
alternate. A message that is one text block is sent as a plain string, as
it always was.

With `request.cache`, `cache_control` marks the prefix that stays the same
from one request to the next: the system prompt, the last tool definition
and the last block before the newest user message (three breakpoints; the
API allows four).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any

from app.providers._rounds import Round, rounds
from app.providers.base import ChatRequest
from app.types import REDACTED_THINKING, Part, ToolSpec

DEFAULT_MAX_TOKENS = 4096
"""The API requires max_tokens; this is sent when the model's options give none."""

ANSWER_TOOL = "answer"
"""The tool a structured answer is forced through: its input is the answer."""

_ANSWER_TOOL_DESCRIPTION = "Give the answer as the input of this tool, following its schema exactly."
_ANSWER_TOOL_INSTRUCTION = f"Give your answer only by calling the `{ANSWER_TOOL}` tool, once, with the answer as its input."

# ChatRequest.options -> Messages fields; seed and the penalties have no
# equivalent and are dropped. thinking_budget, reasoning_effort and
# max_tokens are shaped in `messages_body`.
_OPTIONS = {"temperature": "temperature", "top_p": "top_p", "top_k": "top_k", "stop": "stop_sequences"}

_EPHEMERAL = {"type": "ephemeral"}
_THINKING_BLOCKS = ("thinking", "redacted_thinking")
MAX_CACHE_BREAKPOINTS = 4
"""The API refuses a request with more `cache_control` blocks than this."""


def messages_body(request: ChatRequest) -> dict[str, Any]:
    """The JSON body of a streaming Messages request.

    The system prompt (and any system messages) go in the top-level `system`;
    `thinking_budget` turns extended thinking on, and then the default
    `max_tokens` leaves room for the answer after the thinking. A schema
    adds the `answer` tool (see `ANSWER_TOOL`), forced; while thinking, which
    the API does not allow with a forced tool, offered and asked for.
    """
    options = request.options
    system = [request.system] if request.system else []
    system += [m.content for m in request.messages if m.role == "system"]
    budget = options.get("thinking_budget") or 0
    messages = conversation(r for r in rounds(request.messages) if r.role != "system")
    body: dict[str, Any] = {
        "model": request.model_id,
        "max_tokens": options.get("max_tokens") or DEFAULT_MAX_TOKENS + budget,
        "messages": messages,
        "stream": True,
    }
    if system:
        body["system"] = "\n\n".join(system)
    tools = [tool_definition(spec) for spec in request.tools]
    if request.schema is not None:
        tools.append({"name": ANSWER_TOOL, "description": _ANSWER_TOOL_DESCRIPTION,
                      "input_schema": dict(request.schema)})  # fmt: skip
        if budget:
            # The API refuses a forced tool while thinking: the tool is offered, and asked for.
            body["tool_choice"] = {"type": "auto"}
            body["system"] = "\n\n".join([*system, _ANSWER_TOOL_INSTRUCTION])
        else:
            body["tool_choice"] = {"type": "tool", "name": ANSWER_TOOL}
    if tools:
        body["tools"] = tools
    for ours, theirs in _OPTIONS.items():
        if options.get(ours) is not None:
            body[theirs] = options[ours]
    if budget:
        body["thinking"] = {"type": "enabled", "budget_tokens": budget}
    effort = options.get("reasoning_effort")
    if effort:
        body["output_config"] = {"effort": "low" if effort == "minimal" else effort}
    if request.cache:
        mark_cache(body)
    _collapse(messages)
    return body


def tool_definition(spec: ToolSpec) -> dict[str, Any]:
    """A tool as the model is offered it."""
    return {"name": spec.name, "description": spec.description, "input_schema": dict(spec.parameters)}


def conversation(wire_rounds: Iterable[Round]) -> list[dict[str, Any]]:
    """The rounds as Messages, each `content` a list of blocks; same-role neighbours merged.

    A `tool` round is a user message, so the results of a round and the
    question after them go as one message, results first.
    """
    messages: list[dict[str, Any]] = []
    for wire_round in wire_rounds:
        role = "assistant" if wire_round.role == "assistant" else "user"
        blocks = content_blocks(wire_round)
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"] += blocks
        else:
            messages.append({"role": role, "content": blocks})
    return messages


def content_blocks(wire_round: Round) -> list[dict[str, Any]]:
    """One round's parts as content blocks; an assistant's signed thinking comes first, as the API wants."""
    blocks = [block for part in wire_round.parts if (block := _block(part)) is not None]
    thinking = [b for b in blocks if b["type"] in _THINKING_BLOCKS]
    return thinking + [b for b in blocks if b["type"] not in _THINKING_BLOCKS]


def _block(part: Part) -> dict[str, Any] | None:
    """One part as a content block; None for what the API must not be sent back."""
    if part.kind == "text":
        return {"type": "text", "text": part.text} if part.text else None
    if part.kind == "thinking":
        # Only a signed block may be replayed; unsigned reasoning is the model's own and stays here.
        if not part.signature:
            return None
        if part.name == REDACTED_THINKING:
            return {"type": "redacted_thinking", "data": part.signature}
        return {"type": "thinking", "thinking": part.text, "signature": part.signature}
    if part.kind == "file":
        return {"type": "text", "text": f"--- file: {part.name or 'unnamed'} ---\n{part.text}"}
    if part.kind == "image":
        data = base64.b64encode(part.data or b"").decode("ascii")
        return {"type": "image", "source": {"type": "base64", "media_type": part.media_type, "data": data}}
    if part.kind == "tool_call":
        return {"type": "tool_use", "id": part.call_id, "name": part.name, "input": dict(part.arguments or {})}
    if part.kind == "tool_result":
        result: dict[str, Any] = {"type": "tool_result", "tool_use_id": part.call_id}
        if part.text:
            result["content"] = part.text
        if part.is_error:
            result["is_error"] = True
        return result
    return None


def mark_cache(body: dict[str, Any]) -> None:
    """Put `cache_control` on the stable prefix of `body`: system, last tool, last block before the newest user turn."""
    if body.get("system"):
        body["system"] = [{"type": "text", "text": body["system"], "cache_control": _EPHEMERAL}]
    if body.get("tools"):
        body["tools"][-1] = {**body["tools"][-1], "cache_control": _EPHEMERAL}
    messages = body["messages"]
    newest_user = max((i for i, m in enumerate(messages) if m["role"] == "user"), default=None)
    if newest_user:  # at 0 nothing comes before it
        cacheable = [b for b in messages[newest_user - 1]["content"] if b["type"] not in _THINKING_BLOCKS]
        if cacheable:
            cacheable[-1]["cache_control"] = _EPHEMERAL


def cache_breakpoints(body: dict[str, Any]) -> int:
    """How many `cache_control` marks `body` holds (never more than `MAX_CACHE_BREAKPOINTS`)."""
    system = body.get("system")
    blocks = [*(system if isinstance(system, list) else []), *body.get("tools", ())]
    for message in body["messages"]:
        content = message["content"]
        blocks += content if isinstance(content, list) else []
    return sum("cache_control" in block for block in blocks)


def _collapse(messages: list[dict[str, Any]]) -> None:
    """A message that is one unmarked text block (or nothing) is sent as a plain string."""
    for message in messages:
        content = message["content"]
        if not content:
            message["content"] = ""
        elif len(content) == 1 and content[0]["type"] == "text" and "cache_control" not in content[0]:
            message["content"] = content[0]["text"]
