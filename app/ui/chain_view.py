"""Chains on screen: one live line per step.

`StepLines` draws a chain's progress, one line a step — waiting, running
(with the tail of its streaming text), done (seconds, tokens, cost),
skipped, failed, cancelled — fed by the executor's events.
`run_chain_live` is what the REPL calls; `orch chain` uses `StepLines` and
`PlainProgress` on stderr.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

from rich.console import Console, ConsoleOptions, RenderResult
from rich.live import Live
from rich.text import Text

from app import chains
from app.ui.answer_view import retry_line
from app.ui.render import Footer
from app.ui.sanitize import visible

if TYPE_CHECKING:
    from app.chat import Chat
    from app.types import AnswerRecord

__all__ = ["PlainProgress", "StepLines", "live_lines", "run_chain_live", "show_final"]

# Each step-ending event, as the state its line shows.
_ENDED = {chains.StepDone: "done", chains.StepSkipped: "skipped", chains.StepFailed: "failed",
          chains.StepCancelled: "cancelled"}  # fmt: skip
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
    return " ".join(visible(text).split())


# A `when` condition as it describes itself (`check contains 'x'`), and what is true when it did not hold.
_CONDITION = re.compile(r"(?P<step>\S+) (?P<verb>does not contain|contains|is|matches) (?P<value>'.*')", re.DOTALL)
_NEGATED = {"contains": "does not contain", "does not contain": "contains", "is": "is not", "matches": "does not match"}


def why_skipped(condition: str | None) -> str:
    """Why a step was skipped, said plainly: `skipped: check does not contain 'NO FLAWS'`.

    Args:
        condition: the step's `when` that did not hold, as the chain describes it.
    """
    match = _CONDITION.fullmatch(condition or "")
    if match is None:
        return f"skipped: not ({_one_line(condition or 'its condition')})"
    return f"skipped: {match['step']} {_NEGATED[match['verb']]} {_one_line(match['value'])}"


# --- a chain's steps ------------------------------------------------------------------


@dataclass
class _StepState:
    id: str
    model: str
    status: str = "waiting"
    started: float | None = None
    text: str = ""
    result: chains.StepResult | None = None
    retrying: str | None = None  # `retrying in 2 s (429)` until text arrives


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
            state.retrying = None
        elif isinstance(event, chains.StepRetry):
            state.retrying = retry_line(event.retry)
        else:
            state.status, state.result = _ENDED[type(event)], event.result

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
        record = result.record if result is not None else None
        if state.status == "waiting":
            line.append(f"{state.model} · waiting", style=style)
        elif state.status == "running":
            line.append(f"{state.model} · running {elapsed:.1f}s", style=style)
            if state.retrying:
                line.append(f" · {state.retrying}", style="chat.footer")
            room = width - line.cell_len - 2
            if self.stream_text and state.text and room > 8:
                line.append("  " + _one_line(state.text[-room * 2 :])[-room:], style="chat.footer")
        elif record is not None and state.status == "done":
            line.append(str(Footer.of(record)), style=style)
        elif result is not None and state.status == "skipped":
            line.append(why_skipped(result.skipped_because), style=style)
        elif record is not None and state.status == "failed":
            line.append(f"{record.model} · failed after {record.seconds or 0:.1f}s: {_one_line(record.error or '')}",
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
        elif isinstance(event, chains.StepRetry):
            what = retry_line(event.retry)
        elif isinstance(event, chains.StepSkipped):
            what = why_skipped(event.result.skipped_because)
        elif isinstance(event, chains.StepCancelled):
            what = "cancelled"
        else:
            record = event.result.record
            seconds = record.seconds or 0.0
            what = (f"done {seconds:.1f}s" + _usage_suffix(record) if isinstance(event, chains.StepDone)
                    else f"failed after {seconds:.1f}s: {_one_line(record.error or '')}")  # fmt: skip
        self.out.write(f"[{event.step}] {what}\n")
        self.out.flush()


@contextmanager
def live_lines(console: Console, lines: StepLines) -> Iterator[Live]:
    """Draw `lines` live on `console` for the duration of the block, leaving their last state behind."""
    with Live(lines, console=console, refresh_per_second=12, redirect_stdout=False, redirect_stderr=False) as live:
        yield live
    if not console.is_terminal:
        console.line()  # rich leaves the last frame without its line end when it is not a terminal


def _usage_suffix(record: AnswerRecord) -> str:
    return str(Footer("", record.input_tokens, record.output_tokens, record.cost))


def show_final(console: Console, text: str, *, markdown: bool = True, code_theme: str = "monokai") -> None:
    """The chain's final output: markdown on a terminal, the text as it is elsewhere."""
    if markdown and console.is_terminal:
        from rich.markdown import Markdown

        console.print(Markdown(visible(text), code_theme=code_theme))
    else:
        console.print(Text(visible(text)), soft_wrap=True)


async def run_chain_live(console: Console, chat: Chat, name: str, input: str, variables: Mapping[str, str]) -> chains.ChainRun:
    """Run a chain in the conversation with its steps drawn live, then show its final output.

    Raises:
        UsageError, ConfigError: unknown chain, bad variables, a chain with problems.
        StepFailedError: a step failed (the view shows which; `run` has the outputs so far).
        asyncio.CancelledError: the run was cancelled; every step was cancelled.
    """
    config = chat.runtime.config
    plan = chains.plan_chain(config, name)
    plan.bind(variables)  # bad variables fail before anything is drawn
    lines = StepLines(plan, chat.model.name)
    with live_lines(console, lines):
        run = await chat.run_chain(name, input, variables, listener=lines.apply)
    show_final(console, run.output, markdown=config.ui.markdown, code_theme=config.ui.code_theme)
    summary = str(Footer(f"chain {plan.name}", run.input_tokens, run.output_tokens, run.cost, run.seconds))
    console.print(Text(summary, style="chat.footer"))
    return run
