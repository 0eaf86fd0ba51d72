"""One streaming answer on the screen: markdown laid out block by block while it arrives, then its footer.

An answer comes as many small `TextDelta`s. On a terminal, finished markdown
blocks are printed once into scrollback and only the unfinished tail is live
(`app.ui.streaming`), redrawn at most ~15 times a second at a cost that does
not grow with the answer, so an answer costs time linear in its length and
one taller than the screen is never cut or repeated. Without markdown
(`ui.markdown: false`, or output that is not a terminal) the text is written
as it arrives. `NO_COLOR` takes the colour away, not the layout.

Either way the text is a model's: every control character in it is made
visible first (`app.ui.sanitize`), so an answer cannot move the cursor, set
the window title or write the clipboard.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from rich.console import Console, Group, RenderableType
from rich.status import Status
from rich.text import Text

from app.types import AnswerRecord, Event, Retry, TextDelta, ThinkingDelta, ToolCall, ToolResult
from app.ui.footer import Footer
from app.ui.sanitize import visible
from app.ui.streaming import LiveAnswer

__all__ = ["AnswerView", "retry_line"]


def retry_line(event: Retry) -> str:
    """`retrying in 2 s (429)`."""
    seconds = f"{event.delay_s:.1f}".removesuffix(".0")
    return f"retrying in {seconds} s ({visible(event.reason)})"


class _Output(Protocol):
    def text(self, text: str) -> None: ...
    def thinking(self, text: str) -> None: ...
    def close(self) -> None: ...


class _PlainOutput:
    """Answer text written as it arrives; thinking before it, apart."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._last = ""  # the last character written, "" before any
        self._thinking = False

    def text(self, text: str) -> None:
        if self._thinking:
            self._thinking = False
            self._write("\n\n" if self._last != "\n" else "\n")
        self._write(text)

    def thinking(self, text: str) -> None:
        self._thinking = True
        self._console.print(Text(text, style="chat.thinking"), end="", soft_wrap=True)
        self._last = text[-1]

    def close(self) -> None:
        if self._last not in ("", "\n"):
            self._write("\n")

    def _write(self, text: str) -> None:
        self._console.file.write(text)
        self._console.file.flush()
        self._last = text[-1]


class AnswerView:
    """Shows one answer while it streams, then what became of it.

    Call `start()` when the request goes out, `feed()` with every event, and
    `end(record)` (or `finish()`) once, also when the stream failed or was
    cancelled (from a `finally`). Nothing blocks and no thread is started,
    but for rich's spinner while waiting for the first token.

    Args:
        console: where to print.
        model: the model's name, for the status line and the footer.
        markdown: render markdown (`ui.markdown`).
        code_theme: the pygments theme for code blocks (`ui.code_theme`).
        show_thinking: show reasoning text; None shows it on a terminal only,
            so piped output carries the answer alone.
        refresh_per_second: how often at most the live tail is redrawn.
        clock: monotonic seconds; tests pass a fake.
    """

    def __init__(
        self,
        console: Console,
        *,
        model: str,
        markdown: bool = True,
        code_theme: str = "monokai",
        show_thinking: bool | None = None,
        refresh_per_second: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._console = console
        self._model = model
        self._code_theme = code_theme
        self._interval = 1 / refresh_per_second
        self._clock = clock
        self._live = markdown and console.is_terminal and not console.is_dumb_terminal
        self._show_thinking = console.is_terminal if show_thinking is None else show_thinking
        self._status: Status | None = None
        self._output: _Output | None = None
        self._answer_begun = False
        self._late_thinking: list[str] = []
        self._finished = False
        self.tool_names: Callable[[str], str] = str  # set to the turn's `tool_name` once it is known

    @property
    def live(self) -> bool:
        """Whether markdown is laid out live (else the text goes out as it comes)."""
        return self._live

    def start(self) -> None:
        """On a terminal, show "waiting for MODEL…" until the first text."""
        if self._live:
            text = Text(f"waiting for {self._model}…", style="chat.status")
            self._status = Status(text, console=self._console, spinner_style="chat.status")
            self._status.start()

    def feed(self, event: Event) -> None:
        """Show one event of the stream; after `finish()`, nothing."""
        if self._finished:
            return
        if isinstance(event, TextDelta) and event.text:
            self._answer_begun = True
            self._out().text(visible(event.text))
        elif isinstance(event, ThinkingDelta) and event.text and self._show_thinking:
            if self._answer_begun:  # never mixed into the answer: shown after it
                self._late_thinking.append(visible(event.text))
            else:
                self._out().thinking(visible(event.text))
        elif isinstance(event, ToolCall | ToolResult):
            from app.ui import tool_view

            self.pause()
            tool_view.show(self._console, event, self.tool_names)
        elif isinstance(event, Retry):
            self._retrying(event)

    def pause(self) -> None:
        """End the live part here (the text so far stays printed), to show a tool call or ask about it;
        text that comes next starts below."""
        self._stop_status()
        if self._output is not None:
            self._output.close()
            self._output = None

    def end(self, record: AnswerRecord, *, footer: bool = True) -> None:
        """End the answer as `record` says it ended: marked when cut short, then its footer."""
        self.finish(Footer.of(record) if footer else None, interrupted=record.status == "interrupted")

    def finish(self, footer: Footer | None = None, *, interrupted: bool = False, error: str | None = None) -> None:
        """End the answer: print what is still open, then the markers and the footer.

        Calling it again does nothing.

        Args:
            footer: the line to print under the answer; None prints none
                (one-shot output that is piped).
            interrupted: the answer was cut short by the user.
            error: what went wrong, for the user, if the stream failed.
        """
        if self._finished:
            return
        self._finished = True
        self._stop_status()
        if self._output is not None:
            self._output.close()
        lines: list[RenderableType] = []
        if self._late_thinking:
            lines += [Text(), Text("".join(self._late_thinking).strip(), style="chat.thinking")]
        if interrupted:
            lines.append(Text("[interrupted]", style="chat.interrupted"))
        if error:
            lines.append(Text(visible(error), style="chat.error"))
        if footer is not None:
            lines.append(Text(str(footer), style="chat.footer"))
        if lines:
            self._console.print(Group(*lines))

    def _retrying(self, event: Retry) -> None:
        """Said in the waiting line on a terminal, else as a dim line of its own (it comes before any text)."""
        if self._status is not None:
            self._status.update(Text(f"waiting for {self._model}… {retry_line(event)}", style="chat.status"))
        elif self._output is None:
            self._console.print(Text(retry_line(event), style="chat.status"))

    def _out(self) -> _Output:
        if self._output is None:
            self._stop_status()
            if self._live:
                self._output = LiveAnswer(self._console, self._code_theme, self._interval, self._clock)
            else:
                self._output = _PlainOutput(self._console)
        return self._output

    def _stop_status(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
