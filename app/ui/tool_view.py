"""Tool calls on the screen: the call (its tool and arguments, pretty-printed), then its result's size and time
or its error, and the question `run? [y]es / [n]o / [a]lways for this tool`.

Everything a model or a tool said goes through `visible` first: a tool's
output cannot move the cursor or set the window title.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from app.tools import Decision
from app.ui.sanitize import visible

if TYPE_CHECKING:
    from rich.console import Console

    from app.tools import ToolInfo
    from app.types import ToolCall, ToolResult

MAX_ARGUMENT_LINES = 20
QUESTION = "run? [y]es / [n]o / [a]lways for this tool "
_ANSWERS = {"y": Decision.YES, "yes": Decision.YES, "a": Decision.ALWAYS, "always": Decision.ALWAYS}


Names = Callable[[str], str]
"""From the name a call carries (the wire name, `server__tool`) to the one shown (`server.tool`)."""


def call_block(call: ToolCall, names: Names = str) -> RenderableType:
    """`tool SERVER.TOOL` and its arguments as indented JSON (cut after a screenful)."""
    head = Text.assemble(("tool ", "chat.notice"), (visible(names(call.name)), "bold"))
    if not call.arguments:
        return head
    lines = json.dumps(call.arguments, indent=2, ensure_ascii=False, default=str).splitlines()
    if len(lines) > MAX_ARGUMENT_LINES:
        lines = [*lines[:MAX_ARGUMENT_LINES], f"… {len(lines) - MAX_ARGUMENT_LINES} more lines"]
    return Group(head, Padding(Text(visible("\n".join(lines)), style="chat.footer"), (0, 0, 0, 2), expand=False))


def result_line(result: ToolResult, names: Names = str) -> Text:
    """`  ✓ SERVER.TOOL: 120 characters · 0.4 s`, or the error's first line."""
    name = names(result.name)
    took = f" · {result.seconds:.1f} s" if result.seconds is not None else ""
    if result.is_error:
        first = result.text.strip().split("\n", 1)[0]
        return Text(visible(f"  ✗ {name}: {first}{took}"), style="chat.error")
    size = len(result.text)
    return Text(visible(f"  ✓ {name}: {size} character{'s' if size != 1 else ''}{took}"), style="chat.notice")


def show(console: Console, event: ToolCall | ToolResult, names: Names = str) -> None:
    """Print a call or a result, its tool named through `names` (a turn's `tool_name`)."""
    from app.types import ToolCall

    block = call_block(event, names) if isinstance(event, ToolCall) else result_line(event, names)
    console.print(block, highlight=False)


def decision(answer: str) -> Decision:
    """What a typed answer means: y / yes, a / always; anything else (Enter too) is no."""
    return _ANSWERS.get(answer.strip().lower(), Decision.NO)


Ask = Callable[[str], Awaitable[str]]


def approver(ask: Ask) -> Callable[[ToolInfo, ToolCall], Awaitable[Decision]]:
    """An approver for `runtime.answer()` that asks through `ask(question) -> typed answer`.

    Ctrl-C or Ctrl-D at the question refuse the call; the answer goes on.
    """

    async def approve(tool: ToolInfo, call: ToolCall) -> Decision:
        try:
            return decision(await ask(f"{visible(tool.qualified)}: {QUESTION}"))
        except (KeyboardInterrupt, EOFError):
            return Decision.NO

    return approve
