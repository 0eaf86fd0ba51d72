"""What command handlers return: plain data the UI knows how to show or do.

They are NamedTuples rather than dataclasses: immutable all the same, and
about five times cheaper to define, which the REPL's start-up notices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple


class Notice(NamedTuple):
    """A line or a few for the user. `style` names a theme style (chat.notice, chat.error…)."""

    text: str
    style: str = "chat.notice"


class Table(NamedTuple):
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    title: str | None = None
    note: str | None = None


class MarkdownText(NamedTuple):
    """Text to render as markdown (an export preview, the last answer…)."""

    text: str


class Ask(NamedTuple):
    """Send `text` to the model as the user's next message (or, with `retry`, answer again)."""

    text: str = ""
    retry: bool = False


class RunChain(NamedTuple):
    name: str
    input: str
    variables: Mapping[str, Any] = MappingProxyType({})
    dry_run: bool = False


class Compare(NamedTuple):
    models: Sequence[str]
    prompt: str


class PickModel(NamedTuple):
    """Let the user pick a model from a menu, then switch to it."""

    choices: Sequence[str]


class EditInput(NamedTuple):
    """Put `text` in the input line to be edited; what is sent replaces message `message_index`."""

    text: str
    message_index: int


class Confirm(NamedTuple):
    """Ask yes/no; on yes run `action` (a zero-argument coroutine function) and show its result."""

    question: str
    action: Any


class Clipboard(NamedTuple):
    """Put `text` on the clipboard (a clipboard tool, else the terminal's OSC 52)."""

    text: str


class Exit(NamedTuple):
    """Leave the REPL."""


class Results(NamedTuple):
    """Several results shown in order."""

    items: Sequence[Any]


Result = Notice | Table | MarkdownText | Ask | RunChain | Compare | PickModel | EditInput | Confirm | Clipboard | Exit | Results | None
