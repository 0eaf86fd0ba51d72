"""Chains and comparisons on screen: one live line per step, answers side by side.

`StepLines` draws a chain's progress, one line a step — waiting, running
(with the tail of its streaming text), done (seconds, tokens, cost),
skipped, failed, cancelled — fed by the executor's events. `CompareView`
draws several answers in columns, or stacked when the terminal is narrow.
`run_chain_live` and `run_compare_live` are what the REPL calls;
the `orch chain` subcommand uses `StepLines` and `PlainProgress`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from app import chains
from app.compare import AnswerEnded, AnswerText, CompareAnswer, CompareEvent, run_compare
from app.ui.render import Footer

if TYPE_CHECKING:
    from app.chat import Chat
    from app.config import ModelConfig
    from app.providers.base import Message
    from app.runtime import Runtime

__all__ = [
    "CompareView",
    "PlainProgress",
    "StepLines",
    "compare_live",
    "live_lines",
    "run_chain_live",
    "run_compare_live",
    "show_final",
]

SIDE_BY_SIDE_MIN_WIDTH = 100
_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_ICONS = {"waiting": "·", "done": "✓", "skipped": "–", "failed": "✗", "cancelled": "✗"}
_STYLES = {
    "waiting": "chain.step.waiting",
    "running": "chain.step.running",
    "done": "chain.step.done",
    "skipped": "chain.step.skipped",
    "failed": "chain.step.failed",
    "cancelled": "chain.step.skipped",
}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _footer(
    model: str,
    seconds: float | None,
    input_tokens: int | None = None,
    output_tokens: int | None = None,
    cost: float | None = None,
) -> str:
    return str(Footer(model, input_tokens, output_tokens, cost, seconds))


# --- a chain's steps ------------------------------------------------------------------


@dataclass
class _StepState:
    id: str
    model: str
    status: str = "waiting"
    started: float | None = None
    text: str = ""
    result: chains.StepResult | None = None


class StepLines:
    """One line per step of a chain, updated by `apply(event)`.

    Args:
        plan: the chain being run.
        default_model: the name shown for steps that name no model.
        stream_text: show the tail of a running step's text on its line.
        clock: for the running time (tests pass a fake).
    """

    def __init__(
        self,
        plan: chains.ChainPlan,
        default_model: str,
        *,
        stream_text: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.steps = {s.id: _StepState(s.id, s.model.name if s.model else default_model) for s in plan.steps}
        self.stream_text = stream_text
        self._clock = clock
        self._id_width = max(len(sid) for sid in self.steps)

    def apply(self, event: chains.ChainEvent) -> None:
        state = self.steps[event.step]
        if isinstance(event, chains.StepStarted):
            state.status, state.started, state.model = "running", self._clock(), event.model
        elif isinstance(event, chains.StepText):
            # Only the tail is ever shown; keeping it short keeps redraws cheap.
            state.text = (state.text + event.text)[-2000:]
        else:
            state.status, state.result = event.result.status, event.result

    def line(self, state: _StepState, width: int) -> Text:
        """The line for one step, cut to `width` columns."""
        style = _STYLES[state.status]
        if state.status == "running":
            elapsed = self._clock() - (state.started or self._clock())
            icon = _SPINNER[int(elapsed * 10) % len(_SPINNER)]
        else:
            icon = _ICONS[state.status]
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        line.append(f"{icon} ", style=style)
        line.append(state.id.ljust(self._id_width), style="bold" if state.status == "running" else style)
        line.append("  ")
        result = state.result
        if state.status == "waiting":
            line.append(f"{state.model} · waiting", style=style)
        elif state.status == "running":
            line.append(f"{state.model} · running {elapsed:.1f}s", style=style)
            room = width - line.cell_len - 2
            if self.stream_text and state.text and room > 8:
                line.append("  " + _one_line(state.text[-room * 2 :])[-room:], style="chat.footer")
        elif result is not None and state.status == "done":
            line.append(_footer(result.model, result.seconds, result.input_tokens, result.output_tokens, result.cost),
                        style=style)  # fmt: skip
        elif result is not None and state.status == "skipped":
            line.append(f"skipped ({result.error})", style=style)
        elif result is not None and state.status == "failed":
            line.append(f"{result.model} · failed after {result.seconds:.1f}s: {_one_line(result.error or '')}",
                        style=style)  # fmt: skip
        else:
            line.append(f"{state.model} · cancelled", style=style)
        line.truncate(width, overflow="ellipsis")
        return line

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = [self.line(state, options.max_width) for state in list(self.steps.values())]
        yield Text("\n").join(lines)


class PlainProgress:
    """Progress as plain lines (`[draft] done 1.2s · 12→40 tokens`), for a stderr that is not a terminal."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def __call__(self, event: chains.ChainEvent) -> None:
        if isinstance(event, chains.StepText):
            return
        if isinstance(event, chains.StepStarted):
            what = f"running ({event.model})"
        else:
            r = event.result
            what = {
                "done": f"done {r.seconds:.1f}s" + _usage_suffix(r),
                "skipped": f"skipped ({r.error})",
                "failed": f"failed after {r.seconds:.1f}s: {_one_line(r.error or '')}",
                "cancelled": "cancelled",
            }[r.status]
        self.out.write(f"[{event.step}] {what}\n")
        self.out.flush()


@contextmanager
def live_lines(console: Console, lines: StepLines) -> Iterator[Live]:
    """Draw `lines` live on `console` for the duration of the block, leaving their last state behind."""
    with Live(lines, console=console, refresh_per_second=12, redirect_stdout=False, redirect_stderr=False) as live:
        yield live
    if not console.is_terminal:
        console.line()  # rich leaves the last frame without its line end when it is not a terminal


def _usage_suffix(result: chains.StepResult) -> str:
    footer = _footer("", None, result.input_tokens, result.output_tokens, result.cost)
    return footer if footer else ""


def show_final(console: Console, text: str, *, markdown: bool = True, code_theme: str = "monokai") -> None:
    """The chain's final output: markdown on a terminal, the text as it is elsewhere."""
    if markdown and console.is_terminal:
        from rich.markdown import Markdown

        console.print(Markdown(text, code_theme=code_theme))
    else:
        console.print(Text(text), soft_wrap=True)


async def run_chain_live(
    console: Console,
    runtime: Runtime,
    chain_name: str,
    input: str,
    variables: Mapping[str, str],
    *,
    chat: Chat | None = None,
    dry_run: bool = False,
) -> chains.ChainRun:
    """Run a chain with its steps drawn live, then show its final output.

    With `chat`, steps that name no model use the chat's model and system
    prompt, and the run joins the conversation (see `ChainRecorder`).

    Raises:
        UsageError, ConfigError: unknown chain, bad variables, a chain with problems.
        StepFailedError: a step failed (the view shows which; `run` has the outputs so far).
        asyncio.CancelledError: the run was cancelled; every step was cancelled.
    """
    config = runtime.config
    plan = chains.plan_chain(config, chain_name)
    default_model = chat.model if chat is not None else runtime.model(config.default_model)
    default_system = chat.system if chat is not None else config.system_prompt
    if dry_run:
        steps = chains.dry_run(plan, input, variables, default_model.name, default_system)
        console.print(Text(chains.describe_dry_run(plan, steps)))
        return chains.ChainRun(plan.name, input, dict(variables))
    plan.bind(variables)  # bad variables fail before anything is drawn or stored
    recorder = None
    if chat is not None:
        from app.commands.chains import ChainRecorder

        recorder = ChainRecorder(chat, plan.name, input)
    lines = StepLines(plan, default_model.name)

    def listener(event: chains.ChainEvent) -> None:
        lines.apply(event)
        if recorder is not None:
            recorder.event(event)

    with live_lines(console, lines):
        run = await chains.run_chain(
            runtime, plan, input, variables, listener=listener, default_model=default_model,
            default_system=default_system,
        )  # fmt: skip
    show_final(console, run.output, markdown=config.ui.markdown, code_theme=config.ui.code_theme)
    summary = _footer(f"chain {plan.name}", run.seconds, run.input_tokens, run.output_tokens, run.cost)
    console.print(Text(summary, style="chat.footer"))
    if recorder is not None:
        recorder.finished(run)
    return run


# --- comparing models --------------------------------------------------------------


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
        self.answers = [CompareAnswer(name) for name in models]
        self.live = True
        self.markdown = markdown
        self.code_theme = code_theme

    def apply(self, event: CompareEvent) -> None:
        if isinstance(event, AnswerText):
            answer = self.answers[event.index]
            answer.status = "running"
            answer.text += event.text
        elif isinstance(event, AnswerEnded):
            self.answers[event.index] = event.answer

    def side_by_side(self, width: int) -> bool:
        return len(self.answers) > 1 and width >= SIDE_BY_SIDE_MIN_WIDTH

    def _body(self, answer: CompareAnswer, console: Console, width: int, max_lines: int | None) -> RenderableType:
        if answer.status == "failed":
            return Text(f"failed: {answer.error}", style="chain.step.failed")
        if not answer.text:
            return Text("…" if answer.status in ("waiting", "running") else "(no answer)", style="chat.footer")
        if max_lines is None:
            if self.markdown and console.is_terminal:
                from rich.markdown import Markdown

                return Markdown(answer.text, code_theme=self.code_theme)
            return Text(answer.text)
        tail = Text(answer.text[-width * max_lines * 2 :]).wrap(console, max(width, 1))
        return Text("\n").join(tail[-max_lines:])

    def _panel(self, index: int, console: Console, width: int, max_lines: int | None) -> Panel:
        answer = self.answers[index]
        style = _STYLES.get(answer.status, "chain.step.running")
        done = answer.status in ("done", "failed", "cancelled")
        label = "" if answer.status == "done" else answer.status
        footer = _footer(label, answer.seconds if done else None, answer.input_tokens, answer.output_tokens, answer.cost)
        footer = footer.removeprefix(" · ")
        return Panel(
            self._body(answer, console, width - 4, max_lines),
            title=Text(f"[{index + 1}] {answer.model}", style="bold"),
            title_align="left",
            subtitle=Text(footer, style=style),
            subtitle_align="right",
            border_style=style,
        )

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        count = len(self.answers)
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


async def compare_live(
    console: Console,
    runtime: Runtime,
    models: Sequence[ModelConfig],
    messages: Sequence[Message],
    system: str | None = None,
) -> list[CompareAnswer]:
    """Stream every model's answer to `messages` at once, drawn live, then print them in full.

    Raises:
        asyncio.CancelledError: cancelled; the answers so far are printed first.
    """
    ui = runtime.config.ui
    view = CompareView([m.name for m in models], markdown=ui.markdown, code_theme=ui.code_theme)
    live = Live(view, console=console, refresh_per_second=12, transient=True, redirect_stdout=False,
                redirect_stderr=False, vertical_overflow="crop")  # fmt: skip
    try:
        with live:
            answers = await run_compare(runtime, models, messages, system, listener=view.apply)
    finally:
        view.live = False
        for answer in view.answers:
            if answer.status in ("waiting", "running"):
                answer.status = "cancelled"
        console.print(view)
    return answers


async def run_compare_live(console: Console, chat: Chat, models: Sequence[ModelConfig], prompt: str) -> list[CompareAnswer]:
    """`/compare`: `prompt` (after the conversation so far) to every model; `/pick N` may then continue with one.

    Raises:
        asyncio.CancelledError: cancelled; nothing is remembered for `/pick`.
    """
    from app.commands.chains import compare_messages, remember_compare

    messages = compare_messages(chat, prompt)
    answers = await compare_live(console, chat.runtime, models, messages, chat.system)
    remember_compare(chat, prompt, answers)
    if any(a.status == "done" for a in answers):
        console.print(Text(f"/pick 1…{len(answers)} continues the conversation with that answer", style="chat.footer"))
    return answers
