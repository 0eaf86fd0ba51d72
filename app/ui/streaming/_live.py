"""An answer on a terminal, live: finished blocks printed once, the unfinished tail in a transient `Live`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.live import Live
from rich.segment import Segment
from rich.text import Text

from app.ui.blocks import BlockSplitter
from app.ui.streaming._markdown import AnswerMarkdown, Block
from app.ui.streaming._tail import Tail, tail_for

__all__ = ["LiveAnswer"]


class _BottomLines:
    """The last lines of a renderable that fit on the screen, without the blanks that end them.

    A live region taller than the screen cannot be redrawn in place (rich
    would repeat it); while the tail streams, its newest lines matter most.
    A line padded to the screen's width with spaces would take two rows once
    the window is made narrower, and leave a copy behind: the padding goes.
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
            yield from _without_trailing_spaces(line)


def _without_trailing_spaces(line: list[Segment]) -> list[Segment]:
    end = len(line)
    while end and not line[end - 1].control and not line[end - 1].text.strip(" "):
        end -= 1
    if end and not line[end - 1].control:
        text, style, control = line[end - 1]
        return [*line[: end - 1], Segment(text.rstrip(" "), style, control)]
    return line[:end]


class LiveAnswer:
    """Finished blocks printed once; the unfinished tail live, at a cost that does not grow with it.

    Args:
        console: a terminal.
        code_theme: the pygments theme for code blocks.
        interval: seconds at least between two redraws of the tail.
        clock: monotonic seconds.
    """

    def __init__(self, console: Console, code_theme: str, interval: float, clock: Callable[[], float]) -> None:
        self._console = console
        self._code_theme = code_theme
        self._interval = interval
        self._clock = clock
        self._splitter = BlockSplitter()
        self._tail_view: Tail | None = None
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
        self._show(done + self._finished(self._splitter.feed(text)))

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
        done = self._end_thinking() + self._finished(self._splitter.close())
        self._closed = True  # the tail is empty now: stopping leaves no trace of it
        self._live.stop()
        if done:
            self._console.print(Group(*done))

    def _finished(self, blocks: list[str]) -> list[RenderableType]:
        """The renderables of blocks just finished; the first may be the tail, partly printed already."""
        done: list[RenderableType] = []
        for block in blocks:
            view, self._tail_view = self._tail_view, None
            if view is None:
                done.append(Block(AnswerMarkdown(block, code_theme=self._code_theme), self._shown))
            else:
                done += view.finish(block)
            self._shown = True
        return done

    def _advance_tail(self) -> list[RenderableType]:
        """What of the tail became final since the last redraw, now that one is due."""
        if self._section != "answer":
            return []
        view = self._tail_view
        if view is None or not view.locked:
            size = (self._console.width, self._console.height)
            view = self._tail_view = tail_for(self._splitter, self._code_theme, self._shown, size)
        done = view.advance()
        if done:
            self._shown = True
        return done

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
        if self._tail_view is None:
            return None
        return self._tail_view.live()

    def _show(self, done: list[RenderableType], *, due: bool = False) -> None:
        """Print `done` above the tail, and redraw the tail if it is time."""
        due = due or self._clock() - self._last_refresh >= self._interval
        if due or done:
            # Printing while live redraws the tail too: it may as well be current.
            done += self._advance_tail()
        if done:
            self._console.print(Group(*done))
            self._refreshed()
        elif due:
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
        self._deferred = loop.call_later(max(0.0, delay), self._deferred_refresh)

    def _deferred_refresh(self) -> None:
        self._deferred = None
        if not self._closed:
            self._show([], due=True)
