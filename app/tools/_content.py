"""An MCP result's content as text for a model or a user, and the cut of what is too long.

The SDK's content types are read by their `type` tag, so that a kind of part
this code does not know yet is named by a note rather than lost or fatal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

DEFAULT_LIMIT = 100_000
"""Characters of a tool result or resource kept by default; the rest is cut with a note."""


def parts_text(parts: Iterable[Any]) -> str:
    """Tool-result or prompt content parts as one text: text as it is, other parts as a note each."""
    return "\n".join(_part_text(part) for part in parts)


def result_text(content: Iterable[Any], structured: Any = None) -> str:
    """A tool result's text; a result with only structured content is that content as JSON."""
    content = list(content)
    if not content and structured is not None:
        return json.dumps(structured, ensure_ascii=False)
    return parts_text(content)


def contents_text(contents: Iterable[Any]) -> str:
    """A resource's contents as one text: text contents as they are, binary ones as a note."""
    return "\n".join(_resource_text(item) for item in contents)


def cut(text: str, limit: int) -> tuple[str, bool]:
    """`text` kept to `limit` characters, with a note saying how much there was; and whether it was cut."""
    if len(text) <= limit:
        return text, False
    note = f"\n[cut: {len(text):,} characters in all, the first {limit:,} kept]"
    return text[:limit] + note, True


def _part_text(part: Any) -> str:
    kind = getattr(part, "type", None)
    if kind == "text":
        return part.text
    if kind in ("image", "audio"):
        return f"[{kind} {part.mime_type}, {_decoded_size(part.data):,} bytes]"
    if kind == "resource":
        return _resource_text(part.resource)
    if kind == "resource_link":
        return f"[resource {part.uri}]"
    return f"[{kind or 'unknown'} content]"


def _resource_text(item: Any) -> str:
    text = getattr(item, "text", None)
    if text is not None:
        return text
    mime = getattr(item, "mime_type", None) or "binary"
    return f"[{mime}, {_decoded_size(getattr(item, 'blob', '')):,} bytes]"


def _decoded_size(base64_text: str) -> int:
    return len(base64_text) * 3 // 4 - base64_text.count("=", -2)
