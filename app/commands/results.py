"""What command handlers return: plain data the UI knows how to show or do."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Notice:
    """A line or a few for the user. `style` names a theme style (chat.notice, chat.error…)."""

    text: str
    style: str = "chat.notice"


@dataclass(frozen=True)
class Table:
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    title: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class MarkdownText:
    """Text to render as markdown (an export preview, the last answer…)."""

    text: str


@dataclass(frozen=True)
class Ask:
    """Send `text` to the model as the user's next message (or, with `retry`, answer again)."""

    text: str = ""
    retry: bool = False


@dataclass(frozen=True)
class RunChain:
    name: str
    input: str
    variables: Mapping[str, Any] = field(default_factory=dict)
    dry_run: bool = False


@dataclass(frozen=True)
class Compare:
    models: Sequence[str]
    prompt: str


@dataclass(frozen=True)
class PickModel:
    """Let the user pick a model from a menu, then switch to it."""

    choices: Sequence[str]


@dataclass(frozen=True)
class EditInput:
    """Put `text` in the input line for the user to edit; `on_submit` is told the result."""

    text: str
    message_index: int


@dataclass(frozen=True)
class Confirm:
    """Ask yes/no; on yes run `action` (a zero-argument coroutine function) and show its result."""

    question: str
    action: Any


@dataclass(frozen=True)
class Clipboard:
    """Put `text` on the clipboard (a clipboard tool, else the terminal's OSC 52)."""

    text: str


@dataclass(frozen=True)
class Exit:
    pass


@dataclass(frozen=True)
class Results:
    """Several results shown in order."""

    items: Sequence[Any]


Result = Notice | Table | MarkdownText | Ask | RunChain | Compare | PickModel | EditInput | Confirm | Clipboard | Exit | Results | None
