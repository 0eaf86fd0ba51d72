"""The three wire formats as SSE events, for the loopback server and for tests.

Each builder streams a text one word-sized token per event, the way the
services frame them (see ../shared/fixtures/providers for real recordings).
"""

from __future__ import annotations

import json
import re
from itertools import zip_longest
from typing import Any

_TOKEN = re.compile(r"\S+\s*|\s+")
_LOREM = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore "
    "magna aliqua ut enim ad minim veniam quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo"
).split()


def split_tokens(text: str) -> list[str]:
    """`text` cut into word-sized pieces that join back into it exactly."""
    return _TOKEN.findall(text)


def lorem(n_tokens: int) -> str:
    """A deterministic text of exactly `n_tokens` pieces for `split_tokens`."""
    return " ".join(_LOREM[i % len(_LOREM)] for i in range(n_tokens))


def _data(payload: Any, event: str | None = None, newline: str = "\n") -> str:
    head = f"event: {event}{newline}" if event else ""
    return f"{head}data: {json.dumps(payload)}{newline}{newline}"


def openai_events(text: str, *, thinking: str = "", finish: str = "stop", input_tokens: int = 10) -> list[str]:
    """Chat Completions chunks streaming `text`, then usage, then `[DONE]`."""
    base = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": "test-model"}

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
        return _data({**base, "choices": [choice], "usage": None})

    tokens = split_tokens(text)
    events = [chunk({"role": "assistant", "content": ""})]
    events += [chunk({"reasoning": piece}) for piece in split_tokens(thinking)]
    events += [chunk({"content": piece}) for piece in tokens]
    events.append(chunk({}, finish))
    produced = len(tokens)
    usage = {"prompt_tokens": input_tokens, "completion_tokens": produced, "total_tokens": input_tokens + produced}
    events.append(_data({**base, "choices": [], "usage": usage}))
    events.append("data: [DONE]\n\n")
    return events


_JSON_PIECE = re.compile(r"\w+|\s+|.", re.DOTALL)
_OPENAI_CHUNK = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 0, "model": "test-model"}


def openai_tool_call_events(
    calls: list[tuple[str, str, dict[str, Any]]],
    *,
    text: str = "",
    interleave: bool = False,
    finish: str = "tool_calls",
    input_tokens: int = 10,
) -> list[str]:
    """Chat Completions chunks in which the model calls tools: `calls` are (id, name, arguments).

    Any `text` streams first; then each call's first piece (index, id, name, empty arguments), then
    its arguments as JSON one token per event. With `interleave`, the calls' pieces alternate (all
    first pieces, then one argument token of each call in turn), as a server streaming calls in
    parallel may send them.
    """
    starts = [
        _tool_piece(i, id=call_id, type="function", function={"name": name, "arguments": ""})
        for i, (call_id, name, _) in enumerate(calls)
    ]
    arguments = [
        [_tool_piece(i, function={"arguments": token}) for token in _JSON_PIECE.findall(json.dumps(args))]
        for i, (_, _, args) in enumerate(calls)
    ]
    events = [_openai_chunk({"role": "assistant", "content": "" if text else None})]
    events += [_openai_chunk({"content": piece}) for piece in split_tokens(text)]
    if interleave:
        events += starts
        events += [token for row in zip_longest(*arguments) for token in row if token is not None]
    else:
        for start, tokens in zip(starts, arguments, strict=True):
            events += [start, *tokens]
    events.append(_openai_chunk({}, finish))
    produced = len(split_tokens(text)) + sum(map(len, arguments))
    usage = {"prompt_tokens": input_tokens, "completion_tokens": produced, "total_tokens": input_tokens + produced}
    return [*events, _data({**_OPENAI_CHUNK, "choices": [], "usage": usage}), "data: [DONE]\n\n"]


def _openai_chunk(delta: dict[str, Any], finish_reason: str | None = None) -> str:
    choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
    return _data({**_OPENAI_CHUNK, "choices": [choice], "usage": None})


def _tool_piece(index: int, **fields: Any) -> str:
    return _openai_chunk({"tool_calls": [{"index": index, **fields}]})


def anthropic_events(text: str, *, thinking: str = "", finish: str = "end_turn", input_tokens: int = 10) -> list[str]:
    """Messages stream events for `text` (after a thinking block when `thinking` is given)."""
    tokens = split_tokens(text)
    message = {"id": "msg_test", "type": "message", "role": "assistant", "model": "test-model", "content": []}
    start = {**message, "stop_reason": None, "usage": {"input_tokens": input_tokens, "output_tokens": 1}}
    events = [_data({"type": "message_start", "message": start}, "message_start")]
    index = 0
    if thinking:
        events.append(_block_start(0, {"type": "thinking", "thinking": ""}))
        for piece in split_tokens(thinking):
            events.append(_block_delta(0, {"type": "thinking_delta", "thinking": piece}))
        events.append(_block_delta(0, {"type": "signature_delta", "signature": "c2lnbmF0dXJl"}))
        events.append(_data({"type": "content_block_stop", "index": 0}, "content_block_stop"))
        index = 1
    events.append(_block_start(index, {"type": "text", "text": ""}))
    events.append(_data({"type": "ping"}, "ping"))
    events += [_block_delta(index, {"type": "text_delta", "text": piece}) for piece in tokens]
    events.append(_data({"type": "content_block_stop", "index": index}, "content_block_stop"))
    delta = {"type": "message_delta", "delta": {"stop_reason": finish, "stop_sequence": None}}
    events.append(_data({**delta, "usage": {"output_tokens": len(tokens)}}, "message_delta"))
    events.append(_data({"type": "message_stop"}, "message_stop"))
    return events


def anthropic_tool_events(
    calls: list[tuple[str, str, dict[str, Any]]], *, text: str = "", input_tokens: int = 10
) -> list[str]:
    """Messages stream events for `text` (if any), then one `tool_use` block per (id, name, arguments) call.

    Each call's arguments stream as JSON one token per `input_json_delta`, after the
    empty first piece the service sends; the answer stops with `tool_use`.
    """
    start = {"id": "msg_test", "type": "message", "role": "assistant", "model": "test-model", "content": [],
             "stop_reason": None, "usage": {"input_tokens": input_tokens, "output_tokens": 1}}  # fmt: skip
    events = [_data({"type": "message_start", "message": start}, "message_start")]
    blocks: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    if text:
        blocks.append(({"type": "text", "text": ""}, [{"type": "text_delta", "text": t} for t in split_tokens(text)]))
    for call_id, name, arguments in calls:
        pieces = ["", *split_tokens(json.dumps(arguments))]
        head = {"type": "tool_use", "id": call_id, "name": name, "input": {}}
        blocks.append((head, [{"type": "input_json_delta", "partial_json": p} for p in pieces]))
    for index, (head, deltas) in enumerate(blocks):
        events.append(_block_start(index, head))
        events += [_block_delta(index, delta) for delta in deltas]
        events.append(_data({"type": "content_block_stop", "index": index}, "content_block_stop"))
    delta = {"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": None}}
    events.append(_data({**delta, "usage": {"output_tokens": len(events)}}, "message_delta"))
    events.append(_data({"type": "message_stop"}, "message_stop"))
    return events


def _block_start(index: int, block: dict[str, Any]) -> str:
    return _data({"type": "content_block_start", "index": index, "content_block": block}, "content_block_start")


def _block_delta(index: int, delta: dict[str, Any]) -> str:
    return _data({"type": "content_block_delta", "index": index, "delta": delta}, "content_block_delta")


def gemini_events(
    text: str, *, thinking: str = "", finish: str = "STOP", input_tokens: int = 10, crlf: bool = True
) -> list[str]:
    """streamGenerateContent?alt=sse chunks for `text`, CRLF-separated like Google's."""
    newline = "\r\n" if crlf else "\n"
    parts = [{"text": piece, "thought": True} for piece in split_tokens(thinking)]
    parts += [{"text": piece} for piece in split_tokens(text)]
    events, produced = [], 0
    for i, part in enumerate(parts or [{"text": ""}]):
        produced += 0 if part.get("thought") else 1
        candidate: dict[str, Any] = {"content": {"parts": [part], "role": "model"}, "index": 0}
        if i == max(len(parts), 1) - 1:
            candidate["finishReason"] = finish
        usage = {"promptTokenCount": input_tokens, "candidatesTokenCount": produced}
        events.append(_data({"candidates": [candidate], "usageMetadata": usage}, newline=newline))
    return events


def gemini_tool_call_events(
    calls: list[dict[str, Any]], *, text: str = "", signature: str | None = "c2lnbmF0dXJl", input_tokens: int = 10,
    crlf: bool = True,
) -> list[str]:
    """streamGenerateContent?alt=sse chunks: `text` one token per event, then each call whole in its own event.

    Each of `calls` is a `functionCall` (`name`, `args`, and `id` if wanted); the first carries
    `signature` as its `thoughtSignature`, as Gemini puts it on the first call of a step. The last
    event says `STOP`, as Gemini does when it stops to have functions called.
    """
    newline = "\r\n" if crlf else "\n"
    parts: list[dict[str, Any]] = [{"text": piece} for piece in split_tokens(text)]
    for i, call in enumerate(calls):
        part: dict[str, Any] = {"functionCall": call}
        if i == 0 and signature:
            part["thoughtSignature"] = signature
        parts.append(part)
    events = []
    for i, part in enumerate(parts):
        candidate: dict[str, Any] = {"content": {"parts": [part], "role": "model"}, "index": 0}
        if i == len(parts) - 1:
            candidate["finishReason"] = "STOP"
        usage = {"promptTokenCount": input_tokens, "candidatesTokenCount": i + 1}
        events.append(_data({"candidates": [candidate], "usageMetadata": usage}, newline=newline))
    return events


WIRE = {"openai": openai_events, "anthropic": anthropic_events, "gemini": gemini_events}


def kind_for_path(path: str) -> str:
    """The wire format a request path asks for."""
    if ":streamGenerateContent" in path or ":generateContent" in path:
        return "gemini"
    if path.rstrip("/").endswith("/messages"):
        return "anthropic"
    return "openai"


def answer_start(kind: str, thinking: str) -> int:
    """How many events come before the first answer token."""
    thoughts = len(split_tokens(thinking))
    if kind == "openai":
        return 1 + thoughts  # the role chunk, then reasoning
    if kind == "anthropic":  # message_start, [thinking block], text block start, ping
        return 3 + (thoughts + 3 if thinking else 0)
    return thoughts
