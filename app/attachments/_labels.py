"""A message's parts as a reader is shown them: attachments by name and size, tool calls in one line.

Never an image's bytes or a file's whole text: /history and the exports show what
was sent, not the sending itself (the store keeps that).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from app.attachments._limits import human_size
from app.types import Part

ARGUMENTS_WIDTH = 60


def part_size(part: Part) -> int:
    """The bytes an attachment holds: an image's data, a file's text in UTF-8."""
    return len(part.data) if part.data is not None else len(part.text.encode("utf-8"))


def part_label(part: Part, show: Callable[[str], str] = str) -> str:
    """One part as one bracketed line; a text part is its own text.

    `[file notes.txt · 16 B]`, `[image cat.png · 41.0 KB]`, `[call add {"a": 1, "b": 1}]`,
    `[result add · 2 chars]`, `[result add · error · 9 chars]`, `[thinking · 120 chars]`.

    Args:
        part: the part.
        show: what names and arguments go through before they are shown (the UI's `visible`).
    """
    name = show(part.name or "")
    if part.kind == "text":
        return part.text
    if part.kind in ("file", "image"):
        return f"[{part.kind} {name or part.kind} · {human_size(part_size(part))}]"
    if part.kind == "tool_call":
        arguments = json.dumps(dict(part.arguments or {}), ensure_ascii=False)
        if len(arguments) > ARGUMENTS_WIDTH:
            arguments = arguments[: ARGUMENTS_WIDTH - 1] + "…"
        return f"[call {name} {show(arguments)}]"
    if part.kind == "tool_result":
        return f"[result {name}{' · error' if part.is_error else ''} · {_chars(part.text)}]"
    return f"[{part.kind} · {_chars(part.text)}]"


def _chars(text: str) -> str:
    return f"{len(text):,} char{'' if len(text) == 1 else 's'}"


def parts_text(parts: tuple[Part, ...], show: Callable[[str], str] = str) -> str:
    """The parts one after another, a line each (see `part_label`)."""
    return "\n".join(label for label in (part_label(part, show) for part in parts) if label)
