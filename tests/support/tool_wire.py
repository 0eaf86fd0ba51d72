"""Tool rounds over the loopback model server, in each wire format, and what came back in the next request.

    server.script(tool_reply("anthropic", [("c1", "t__add", {"a": 2, "b": 3})]),
                  stream_reply("anthropic", "It is 5."))
    ... take the answer ...
    calls_sent(kind, server.requests[1].json())      # [("c1", "t__add", {"a": 2, "b": 3})]
    results_sent(kind, server.requests[1].json())    # [("c1", "5", False)]

Both readers give each format's own shape back as plain tuples, so one test
can assert the same thing of openai, anthropic and gemini; the tuples are
read from the format's own keys (`tool_calls` / `tool` messages, `tool_use` /
`tool_result` blocks, `functionCall` / `functionResponse` parts).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tests.support.llm_server import Reply
from tests.support.wire import anthropic_tool_events, gemini_tool_call_events, openai_tool_call_events

__all__ = ["Call", "calls_sent", "results_sent", "tool_reply"]

Call = tuple[str, str, dict[str, Any]]
"""(call id, wire name, arguments)."""


def tool_reply(kind: str, calls: Sequence[Call], *, text: str = "", **reply: Any) -> Reply:
    """An answer in wire format `kind` that says `text` (if any), then calls `calls` (several: in parallel).

    `reply` goes to `Reply.sse` (a `gate`, `ttft_s`, …).
    """
    if kind == "openai":
        events = openai_tool_call_events(list(calls), text=text)
    elif kind == "anthropic":
        events = anthropic_tool_events(list(calls), text=text)
    else:
        events = gemini_tool_call_events([{"id": i, "name": n, "args": a} for i, n, a in calls], text=text)
    return Reply.sse(events, **reply)


def calls_sent(kind: str, body: dict[str, Any]) -> list[Call]:
    """Every tool call a request body replays, in order."""
    if kind == "openai":
        return [
            (c["id"], c["function"]["name"], json.loads(c["function"]["arguments"]))
            for m in body["messages"]
            for c in m.get("tool_calls") or ()
        ]
    if kind == "anthropic":
        return [(b["id"], b["name"], b["input"]) for b in _blocks(body) if b.get("type") == "tool_use"]
    return [
        (p["functionCall"].get("id", ""), p["functionCall"]["name"], p["functionCall"]["args"])
        for p in _gemini_parts(body)
        if "functionCall" in p
    ]


def results_sent(kind: str, body: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """Every tool result a request body carries, in order: (call id, text, is_error)."""
    if kind == "openai":
        results = [(m["tool_call_id"], m["content"]) for m in body["messages"] if m["role"] == "tool"]
        return [(i, t.removeprefix("Error: "), t.startswith("Error: ")) for i, t in results]
    if kind == "anthropic":
        return [
            (b["tool_use_id"], _text(b.get("content", "")), bool(b.get("is_error")))
            for b in _blocks(body)
            if b.get("type") == "tool_result"
        ]
    found = []
    for part in _gemini_parts(body):
        if "functionResponse" in part:
            response = part["functionResponse"]
            said = response["response"]
            found.append((response.get("id", ""), said.get("result", said.get("error", "")), "error" in said))
    return found


def _blocks(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for m in body["messages"] if isinstance(m["content"], list) for b in m["content"]]


def _gemini_parts(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for content in body["contents"] for p in content["parts"]]


def _text(content: str | list[dict[str, Any]]) -> str:
    return content if isinstance(content, str) else "".join(b.get("text", "") for b in content)
