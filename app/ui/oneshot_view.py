"""One-shot answers: the reply stream as plain text to a pipe, or as live markdown on a terminal.

Both consume `Chat.reply()`, which keeps the answer (a partial one too) in
the conversation and its store, however the stream ends.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from app.types import Retry, TextDelta, ToolCall, ToolResult
from app.ui.sanitize import visible

if TYPE_CHECKING:
    from app.chat import Chat


class CoalescingWriter:
    """Writes text as it comes, flushing at most every `interval` seconds.

    A burst of tokens costs one write to the pipe instead of one each, and
    no text waits longer than `interval` to be flushed.
    """

    def __init__(self, out: TextIO, interval: float = 0.02) -> None:
        self.out = out
        self.interval = interval
        self._pending: asyncio.TimerHandle | None = None
        self.wrote_any = False
        self.ends_with_newline = True

    def write(self, text: str) -> None:
        self.out.write(text)
        self.wrote_any = True
        self.ends_with_newline = text.endswith("\n")
        if self._pending is None:
            self._pending = asyncio.get_running_loop().call_later(self.interval, self.flush)

    def flush(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        self.out.flush()

    def end(self) -> None:
        """Flush, ending the last line if the answer did not."""
        if self.wrote_any and not self.ends_with_newline:
            self.out.write("\n")
        self.flush()


async def write_plain(chat: Chat, out: TextIO | None = None, *, sanitize: bool = False) -> None:
    """Write the reply's text to `out` (stdout) as it arrives: the model's bytes, nothing else
    (a retry is one dim line on stderr).

    A pipe is not a terminal, so the text goes as it came; `sanitize` makes
    its control characters visible (`--sanitize`, for output bound for one).
    Tool calls and their results are told on stderr; a call that needs
    approval is refused (no one is asked when stdout is not a terminal), unless `-y`.
    """
    writer = CoalescingWriter(out or sys.stdout)
    try:
        async with chat.reply() as turn:
            async for event in turn:
                if isinstance(event, TextDelta) and event.text:
                    writer.write(visible(event.text) if sanitize else event.text)
                elif isinstance(event, ToolCall | ToolResult):
                    _tell_on_stderr(event, turn.tool_name)
                elif isinstance(event, Retry):
                    _say_retry(event)
    finally:
        writer.end()


def _tell_on_stderr(event: ToolCall | ToolResult, names: Callable[[str], str]) -> None:
    from app.ui import tool_view
    from app.ui.style import make_console

    tool_view.show(make_console(stderr=True), event, names)


def _say_retry(event: Retry) -> None:
    from app.ui.answer_view import retry_line
    from app.ui.style import make_console

    make_console(stderr=True).print(f"orch: {retry_line(event)}", style="dim", markup=False)


async def show_on_terminal(chat: Chat) -> None:
    """Stream the reply into the terminal as live markdown, then its footer; a tool call is asked about
    on the terminal when stdin is one (else it is refused, unless `-y`)."""
    from app.ui.present import stream_answer
    from app.ui.style import make_console

    await stream_answer(make_console(), chat, ask_on_terminal if sys.stdin.isatty() else None)


async def ask_on_terminal(question: str) -> str:
    """The line typed on the terminal after `question` (written to stderr: stdout holds the answer only)."""

    def ask() -> str:
        sys.stderr.write(visible(question))
        sys.stderr.flush()
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line

    return await asyncio.to_thread(ask)
