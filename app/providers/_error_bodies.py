"""The error bodies of OpenAI, Anthropic, Gemini, OpenRouter and smaller servers: their message and retry delay."""

from __future__ import annotations

import json
from typing import Any


def provider_detail(body: bytes, content_type: str = "") -> tuple[str, float | None]:
    """The message (and any retry delay, in seconds) in an error response's body.

    A body that is not JSON is quoted as text, unless it is an HTML page.
    """
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        if "html" in content_type.lower() or text.startswith("<"):
            return "", None
        return text, None
    message, delay = error_detail(data)
    return message or text, delay


def retry_delay_s(body: bytes) -> float | None:
    """The wait an error body asks for (Gemini's `retryDelay`): the retry loop's `retry_delay` hook."""
    return provider_detail(body)[1]


def error_detail(data: Any) -> tuple[str, float | None]:
    """The message (and any retry delay) in a parsed error of a known shape.

    Shapes: OpenAI `{"error": {"message"}}`, Anthropic `{"type": "error",
    "error": {"type", "message"}}`, Gemini `{"error": {"code", "message",
    "status", "details"}}` (possibly inside a list), OpenRouter `{"error":
    {"message", "metadata": {"raw"}}}` (raw preferred), and the plain
    `{"error": "..."}` / `{"message"}` / `{"detail"}` of smaller servers.
    """
    if isinstance(data, list) and data:
        data = data[0]
    if not isinstance(data, dict):
        return "", None
    err = data.get("error", data)
    if isinstance(err, str):
        return err, None
    if not isinstance(err, dict):
        return "", None
    metadata = err.get("metadata")
    raw = metadata.get("raw") if isinstance(metadata, dict) else None
    message = raw if isinstance(raw, str) and raw.strip() else err.get("message") or err.get("detail")
    if message is not None and not isinstance(message, str):
        message = json.dumps(message)
    return message or "", _gemini_retry_delay(err.get("details"))


def _gemini_retry_delay(details: Any) -> float | None:
    for item in details if isinstance(details, list) else ():
        delay = item.get("retryDelay") if isinstance(item, dict) else None
        if isinstance(delay, str) and delay.endswith("s"):
            try:
                return max(0.0, float(delay[:-1]))
            except ValueError:
                return None
    return None
