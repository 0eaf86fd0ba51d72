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
    """Rows under their column names; `paged`: taller than the screen, shown through the user's pager
    on a terminal when there is one."""

    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    title: str | None = None
    note: str | None = None
    paged: bool = False


class MarkdownText(NamedTuple):
    """Text to render as markdown (an export preview, the last answer…)."""

    text: str


class Ask(NamedTuple):
    """Send `text` to the model as the user's next message; with none, answer the conversation as it stands."""

    text: str = ""


class RunChain(NamedTuple):
    """Run chain `name` live on `input`; its final output joins the conversation."""

    name: str
    input: str
    variables: Mapping[str, Any] = MappingProxyType({})


class Compare(NamedTuple):
    """Ask `models` the same `prompt` at once, side by side."""

    models: Sequence[str]
    prompt: str


class PickModel(NamedTuple):
    """Let the user pick a model from a menu (the completion of `/model`), then switch to it."""


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
