"""`/compare` on screen: several answers side by side, or stacked when the terminal is narrow."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.live import Live
from rich.panel import Panel
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from app.chat import CompareEvent
from app.types import AnswerRecord, Retry, TextDelta
from app.ui.answer_view import retry_line
from app.ui.sanitize import visible

if TYPE_CHECKING:
    from app.chat import Chat, CompareRecord
    from app.config import ModelConfig

SIDE_BY_SIDE_MIN_WIDTH = 100
# A pane's state, by how its answer is going or went.
_STYLES = {
    "waiting": "chain.step.waiting",
    "running": "chain.step.running",
    "complete": "chain.step.done",
    "truncated": "chain.step.done",
    "refused": "chain.step.failed",
    "error": "chain.step.failed",
    "interrupted": "chain.step.skipped",
}


class Pane:
    """One model's answer as the view knows it: the text so far, then its record."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.record: AnswerRecord | None = None
        self._pieces: list[str] = []
        self.running = False
        self.retrying: str | None = None  # `retrying in 2 s (429)` until text arrives

    @property
    def text(self) -> str:
        if self.record is not None:
            return self.record.text
        if len(self._pieces) > 1:
            self._pieces[:] = ["".join(self._pieces)]
        return self._pieces[0] if self._pieces else ""

    @property
    def state(self) -> str:
        if self.record is not None:
            return self.record.status
        return "running" if self.running else "waiting"

    def add(self, text: str) -> None:
        self.running = True
        self._pieces.append(text)


class CompareView:
    """Answers side by side (or stacked when narrower than `SIDE_BY_SIDE_MIN_WIDTH`), each with its footer.

    While `live` is true each answer shows only its tail, so that the view
    fits the screen; once it is false, the answers are shown whole.

    Args:
        models: the model names, in the order asked.
        markdown: render finished answers as markdown (on a terminal).
        code_theme: the Pygments theme of code blocks.
    """

    def __init__(self, models: Sequence[str], *, markdown: bool = False, code_theme: str = "monokai") -> None:
        self.panes = [Pane(name) for name in models]
        self.live = True
        self.markdown = markdown
        self.code_theme = code_theme

    def apply(self, index: int, event: CompareEvent) -> None:
        pane = self.panes[index]
        if isinstance(event, TextDelta):
            pane.add(event.text)
            pane.retrying = None
        elif isinstance(event, Retry):
            pane.retrying = retry_line(event)
        elif isinstance(event, AnswerRecord):
            pane.record = event

    def side_by_side(self, width: int) -> bool:
        return len(self.panes) > 1 and width >= SIDE_BY_SIDE_MIN_WIDTH

    def _body(self, pane: Pane, console: Console, width: int, max_lines: int | None) -> RenderableType:
        record = pane.record
        if record is not None and record.status == "error":
            return Text(f"failed: {visible(record.error or '')}", style="chain.step.failed")
        text = pane.text
        if not text:
            waiting = pane.retrying or "…"
            return Text("(no answer)" if record is not None else waiting, style="chat.footer")
        if max_lines is not None:
            return _LiveTail(text, max_lines, self._markdown_of if self._rendered(console) else None)
        return self._markdown_of(visible(text)) if self._rendered(console) else Text(visible(text))

    def _rendered(self, console: Console) -> bool:
        return self.markdown and console.is_terminal

    def _markdown_of(self, text: str) -> RenderableType:
        from rich.markdown import Markdown

        return Markdown(text, code_theme=self.code_theme)

    def _panel(self, index: int, console: Console, width: int, max_lines: int | None) -> Panel:
        pane = self.panes[index]
        state = pane.state
        style = _STYLES[state]
        footer = pane_footer(pane.record, width - 6) if pane.record is not None else ""
        return Panel(
            self._body(pane, console, width - 4, max_lines),
            title=Text(f"[{index + 1}] {pane.model}", style="bold"),
            title_align="left",
            subtitle=Text(footer, style=style),
            subtitle_align="right",
            border_style=style,
        )

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        count = len(self.panes)
        side = self.side_by_side(width)
        max_lines = None
        if self.live:
            room = max((options.height or console.height) - 2, 6)
            max_lines = max(room - 2, 3) if side else max(room // count - 2, 2)
        if side:
            grid = Table.grid(expand=True, padding=(0, 1))
            for _ in range(count):
                grid.add_column(ratio=1)
            column = (width - (count - 1)) // count
            grid.add_row(*[self._panel(i, console, column, max_lines) for i in range(count)])
            yield grid
        else:
            yield Group(*[self._panel(i, console, width, max_lines) for i in range(count)])


class _LiveTail:
    """The last `max_lines` lines of a pane's text while it streams, rendered as markdown when asked.

    Only the end of the text is rendered (a few screens' worth, from a line start), so a frame
    costs the same however long the answer grows; a fence or list cut at that point shows as text.
    """

    def __init__(self, text: str, max_lines: int, markdown: Callable[[str], RenderableType] | None) -> None:
        self._text = text
        self._max_lines = max_lines
        self._markdown = markdown

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width, 1)
        text = self._text
        window = width * self._max_lines * 2
        if len(text) > window:
            text = text[-window:]
            text = text[text.find("\n") + 1 :] if "\n" in text else text
        text = visible(text)
        renderable = self._markdown(text) if self._markdown else Text(text)
        lines = console.render_lines(renderable, options.update(width=width, height=None), pad=False)
        for index, line in enumerate(lines[-self._max_lines :]):
            if index:
                yield Segment.line()
            yield from line


def pane_footer(record: AnswerRecord, width: int) -> str:
    """A pane's footer that fits `width` columns: seconds go first, then the cost, then the tokens.

    A part is left out whole, never cut: `12→340 tokens · $0.0051 · 2.3s`, `12→340 tokens`.
    Unknown usage is `n/a`; a pane that did not complete says how it ended first.
    """
    label = "" if record.status == "complete" else _ENDINGS.get(record.status, record.status)
    tokens = (f"{_count(record.input_tokens)}→{_count(record.output_tokens)} tokens" if record.counted
              else "tokens n/a")  # fmt: skip
    if record.cost is None:
        cost = "cost n/a"
    else:
        cost = "<$0.0001" if 0 < record.cost < 0.00005 else f"${record.cost:.4f}"
    seconds = f"{record.seconds:.1f}s" if record.seconds is not None else ""
    parts = [part for part in (label, tokens, cost, seconds) if part]
    while len(parts) > 1 and len(" · ".join(parts)) > width:
        parts.pop()
    shown = " · ".join(parts)
    if len(shown) > width:
        shown = shown.removesuffix(" tokens")  # the numbers alone, rather than nothing
    return shown if len(shown) <= width else ""


_ENDINGS = {"error": "failed", "interrupted": "cancelled"}


def _count(tokens: int | None) -> str:
    return "?" if tokens is None else str(tokens)


async def run_compare_live(console: Console, chat: Chat, models: Sequence[ModelConfig], prompt: str) -> CompareRecord:
    """`/compare`: `prompt` (after the conversation so far) to every model, drawn live, then printed in
    full; `/pick N` may then continue with one.

    Raises:
        asyncio.CancelledError: cancelled; the answers so far are printed first, nothing is kept for /pick.
    """
    ui = chat.runtime.config.ui
    view = CompareView([m.name for m in models], markdown=ui.markdown, code_theme=ui.code_theme)
    live = Live(view, console=console, refresh_per_second=12, transient=True, redirect_stdout=False,
                redirect_stderr=False, vertical_overflow="crop")  # fmt: skip
    try:
        with live:
            record = await chat.compare(models, prompt, listener=view.apply)
    finally:
        view.live = False
        console.print(view)
    if any(a.status == "complete" for a in record.answers):
        console.print(Text(f"/pick 1…{len(record.answers)} continues the conversation with that answer", style="chat.footer"))
    return record
