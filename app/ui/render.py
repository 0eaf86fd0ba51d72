"""Streaming answers: markdown rendered block by block while it arrives.

An answer comes as many small `TextDelta`s. `BlockSplitter` cuts the growing
text into top-level markdown blocks, looking at each piece once. A block is
finished once a later block has begun: `AnswerView` prints it once into
scrollback, and keeps only the unfinished tail block in a transient rich
`Live`, redrawn at most ~15 times a second. The work per delta is bounded by
the delta and the tail block, so an answer costs time linear in its length,
and one taller than the screen is never cut or repeated.

Without markdown (`ui.markdown: false`, no colour, or output that is not a
terminal) the answer is written unchanged as it arrives.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.live import Live
from rich.markdown import Markdown
from rich.segment import Segment
from rich.status import Status
from rich.text import Text

from app.types import AnswerRecord, Event, TextDelta, ThinkingDelta
from app.ui.blocks import BlockSplitter, split_blocks


__all__ = ["AnswerView", "BlockSplitter", "Footer", "split_blocks"]

@dataclass(frozen=True, slots=True)
class Footer:
    """The line under an answer: `sonnet · 12→340 tokens · $0.0051 · 2.3s`.

    Parts that are None are left out.
    """

    model: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None
    seconds: float | None = None

    @classmethod
    def of(cls, record: AnswerRecord) -> Footer:
        return cls(record.model, record.input_tokens, record.output_tokens, record.cost, record.seconds)

    def __str__(self) -> str:
        parts = [self.model]
        if self.input_tokens is not None or self.output_tokens is not None:
            parts.append(f"{_count(self.input_tokens)}→{_count(self.output_tokens)} tokens")
        if self.cost is not None:
            parts.append("<$0.0001" if 0 < self.cost < 0.00005 else f"${self.cost:.4f}")
        if self.seconds is not None:
            parts.append(f"{self.seconds:.1f}s")
        return " · ".join(parts)


def _count(tokens: int | None) -> str:
    return "?" if tokens is None else str(tokens)


class _Block:
    """A markdown block, after a blank line unless it is the first thing shown.

    Rich starts a list, table or quote with a blank line of its own when it
    is the first element of a document, as each block here is; that line is
    dropped so blocks are spaced alike, as in the whole document.
    """

    def __init__(self, markdown: Markdown, gap: bool) -> None:
        self._markdown = markdown
        self._gap = gap

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        segments = iter(console.render(self._markdown, options))
        first = next(segments, None)
        if self._gap:
            yield Segment.line()
        if first is not None and first != Segment.line():
            yield first
        yield from segments


class _BottomLines:
    """The last lines of a renderable that fit on the screen.

    A live region taller than the screen cannot be redrawn in place (rich
    would repeat it); while the tail streams, its newest lines matter most.
    """

    def __init__(self, current: Callable[[], RenderableType | None]) -> None:
        self._current = current

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        renderable = self._current()
        if renderable is None:
            return
        lines = console.render_lines(renderable, options, pad=False)
        for index, line in enumerate(lines[-max(1, options.size.height - 1) :]):
            if index:
                yield Segment.line()
            yield from line


class _Output(Protocol):
    def text(self, text: str) -> None: ...
    def thinking(self, text: str) -> None: ...
    def close(self) -> None: ...


class _PlainOutput:
    """Answer text written unchanged as it arrives; thinking before it, apart."""

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


class _LiveOutput:
    """Finished blocks printed once; the unfinished tail in a transient `Live`."""

    def __init__(self, console: Console, code_theme: str, interval: float, clock: Callable[[], float]) -> None:
        self._console = console
        self._code_theme = code_theme
        self._interval = interval
        self._clock = clock
        self._splitter = BlockSplitter()
        self._thinking_line: list[str] = []  # pieces of the thinking line being received
        self._thinking_blanks = 0  # blank thinking lines not shown yet
        self._section = ""  # "thinking" or "answer": what the tail holds
        self._shown = False  # anything printed yet: later blocks get a gap
        self._closed = False
        self._last_refresh = float("-inf")  # the first text shows at once
        self._deferred: asyncio.TimerHandle | None = None
        self._live = Live(
            _BottomLines(self._tail),
            console=console,
            auto_refresh=False,
            transient=True,
            vertical_overflow="visible",
        )
        self._live.start()

    def text(self, text: str) -> None:
        done = self._end_thinking() if self._section == "thinking" else []
        self._section = "answer"
        done += [self._block(block) for block in self._splitter.feed(text)]
        self._show(done)

    def thinking(self, text: str) -> None:
        self._section = "thinking"
        *lines, rest = text.split("\n")
        if not lines:
            self._thinking_line.append(rest)
            self._show([])
            return
        lines[0] = "".join(self._thinking_line) + lines[0]
        self._thinking_line = [rest]
        self._show([line for line in map(self._thinking_text, lines) if line is not None])

    def close(self) -> None:
        if self._deferred is not None:
            self._deferred.cancel()
        done = self._end_thinking() + [self._block(block) for block in self._splitter.close()]
        self._closed = True  # the tail is empty now: stopping leaves no trace of it
        self._live.stop()
        if done:
            self._console.print(Group(*done))

    def _block(self, text: str, *, tail: bool = False) -> _Block:
        block = _Block(Markdown(text, code_theme=self._code_theme, style="chat.answer"), gap=self._shown)
        self._shown = self._shown or not tail
        return block

    def _thinking_text(self, line: str) -> Text | None:
        """A complete thinking line to print, or None for a blank one held back."""
        if not line.strip():
            if self._shown:  # blank lines before the first are dropped
                self._thinking_blanks += 1
            return None
        blanks, self._thinking_blanks = self._thinking_blanks, 0
        self._shown = True
        return Text("\n" * blanks + line.rstrip(), style="chat.thinking")

    def _end_thinking(self) -> list[RenderableType]:
        line = self._thinking_text("".join(self._thinking_line))
        self._thinking_line.clear()
        self._thinking_blanks = 0
        return [line] if line is not None else []

    def _tail(self) -> RenderableType | None:
        if self._closed:
            return None
        if self._section == "thinking":
            return Text("".join(self._thinking_line), style="chat.thinking")
        tail = self._splitter.tail
        return self._block(tail, tail=True) if tail.strip() else None

    def _show(self, done: list[RenderableType]) -> None:
        """Print `done` above the tail, else redraw the tail if it is time."""
        if done:
            # Printing while live redraws the tail too: that counts as a refresh.
            self._console.print(Group(*done))
            self._refreshed()
        elif self._clock() - self._last_refresh >= self._interval:
            self._refresh()
        elif self._deferred is None:
            self._defer()

    def _refresh(self) -> None:
        self._deferred = None
        if not self._closed:
            self._live.refresh()
            self._refreshed()

    def _refreshed(self) -> None:
        self._last_refresh = self._clock()
        if self._deferred is not None:
            self._deferred.cancel()
            self._deferred = None

    def _defer(self) -> None:
        """Redraw once the interval is over, in case no delta comes by then."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop: the next delta will redraw
            return
        delay = self._interval - (self._clock() - self._last_refresh)
        self._deferred = loop.call_later(max(0.0, delay), self._refresh)


class AnswerView:
    """Shows one answer while it streams, then what became of it.

    Call `start()` when the request goes out, `feed()` with every event, and
    `finish()` once, also when the stream failed or was cancelled (from a
    `finally`). Nothing blocks and no thread is started, but for rich's
    spinner while waiting for the first token.

    On a terminal with colour and markdown on, finished markdown blocks are
    printed once and the unfinished one is live; otherwise the answer text is
    written unchanged as it arrives.

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
        self._live = (
            markdown
            and console.is_terminal
            and not console.is_dumb_terminal
            and console.color_system is not None
            and not console.no_color
        )
        self._show_thinking = console.is_terminal if show_thinking is None else show_thinking
        self._status: Status | None = None
        self._output: _Output | None = None
        self._answer_begun = False
        self._late_thinking: list[str] = []
        self._finished = False

    @property
    def live(self) -> bool:
        """Whether markdown is rendered live (else the text goes out unchanged)."""
        return self._live

    def start(self) -> None:
        """Start the clock, and on a terminal show "waiting for MODEL…"."""
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
            self._out().text(event.text)
        elif isinstance(event, ThinkingDelta) and event.text and self._show_thinking:
            if self._answer_begun:  # never mixed into the answer: shown after it
                self._late_thinking.append(event.text)
            else:
                self._out().thinking(event.text)

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
            lines.append(Text(error, style="chat.error"))
        if footer is not None:
            lines.append(Text(str(footer), style="chat.footer"))
        if lines:
            self._console.print(Group(*lines))

    def _out(self) -> _Output:
        if self._output is None:
            self._stop_status()
            if self._live:
                self._output = _LiveOutput(self._console, self._code_theme, self._interval, self._clock)
            else:
                self._output = _PlainOutput(self._console)
        return self._output

    def _stop_status(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
