"""What the session has used: `/usage`, the toolbar's summary, and one way to write unknown usage.

The chat adds every answer's record to `chat.totals`: replies, each /compare
pane (picked or not), each chain step under its own model, interrupted
answers. `track_usage` makes those totals a `SessionUsage`, which also keeps
a row per model; it belongs to the session, so the rows outlive `/clear` and
`/load`. Usage a provider did not report is unknown: shown as `n/a` (or as a
known part with `+` after it), never as 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.chat import Totals
from app.commands.registry import CommandContext, CommandFamily, Registry
from app.commands.results import Result, Table

if TYPE_CHECKING:
    from app.chat import Chat
    from app.types import AnswerRecord

__all__ = ["ModelUsage", "SessionUsage", "format_cost", "format_tokens", "summary", "track_usage"]


@dataclass
class ModelUsage(Totals):
    """Totals that also count the answers whose tokens or cost are unknown."""

    uncounted: int = 0  # answers whose tokens the provider did not report
    unpriced: int = 0  # answers whose cost is unknown
    stood_in_for: set[str] = field(default_factory=set)  # the models asked, when this one answered as a fallback

    def add(self, record: AnswerRecord) -> None:
        super().add(record)
        self.uncounted += not record.counted
        self.unpriced += record.cost is None
        if record.requested_model is not None:
            self.stood_in_for.add(record.requested_model)

    @property
    def tokens(self) -> str:
        return format_tokens(self.input_tokens + self.output_tokens, self.answers, self.uncounted)

    @property
    def priced_cost(self) -> str:
        return format_cost(self.cost, self.answers, self.unpriced)


@dataclass
class SessionUsage(ModelUsage):
    """The chat's totals for the whole session, with a `ModelUsage` per model."""

    per_model: dict[str, ModelUsage] = field(default_factory=dict)

    def add(self, record: AnswerRecord) -> None:
        super().add(record)
        self.per_model.setdefault(record.model, ModelUsage()).add(record)


def track_usage(chat: Chat) -> SessionUsage:
    """The chat's totals as a `SessionUsage`, made one (keeping what they hold) if they are not yet."""
    totals = chat.totals
    if not isinstance(totals, SessionUsage):
        unpriced = 0 if totals.priced else totals.answers
        totals = SessionUsage(totals.input_tokens, totals.output_tokens, totals.cost, totals.answers, totals.priced,
                              unpriced=unpriced)  # fmt: skip
        chat.totals = totals
    return totals


def format_tokens(tokens: int, answers: int, uncounted: int) -> str:
    """`1,234`; `1,234+` when some answers' tokens are unknown; `n/a` when none are known."""
    if answers and uncounted == answers:
        return "n/a"
    return f"{tokens:,}" + ("+" if uncounted else "")


def format_cost(cost: float, answers: int, unpriced: int) -> str:
    """`$0.0123` (`<$0.0001` for less); `$0.0123+` when some answers' cost is unknown; `n/a` when none is."""
    if answers and unpriced == answers:
        return "n/a"
    shown = "<$0.0001" if 0 < cost < 0.00005 else f"${cost:.4f}"
    return shown + ("+" if unpriced else "")


def summary(chat: Chat) -> str:
    """The toolbar's `12 tokens · $0.0012`: empty before the first answer, `n/a` for what is unknown."""
    usage = track_usage(chat)
    if not usage.answers:
        return ""
    return f"{usage.tokens} tokens · cost {usage.priced_cost}"


COMMANDS = CommandFamily("general")


@COMMANDS.command("usage", help="tokens and cost of this session, per model (n/a: not reported)")
async def usage(ctx: CommandContext, argument: str) -> Result:
    tracked = track_usage(ctx.chat)

    def row(name: str, used: ModelUsage) -> list[str]:
        return [name, str(used.answers), format_tokens(used.input_tokens, used.answers, used.uncounted),
                format_tokens(used.output_tokens, used.answers, used.uncounted), used.priced_cost]  # fmt: skip

    rows = [row(_answered_by(name, used), used) for name, used in tracked.per_model.items()]
    rows.append(row("session total", tracked))
    note = "every answer counts: /compare panes, chain steps, interrupted answers, under the model that answered"
    budget = ctx.chat.runtime.budget
    if budget.left is not None:
        note += f"; {format_cost(budget.left, 1, 0)} left of the budget (/budget)"
    return Table(["model", "answers", "input tokens", "output tokens", "cost"], rows, note=note)


def _answered_by(name: str, used: ModelUsage) -> str:
    """`gpt-5`, or `gpt-5 (fallback for sonnet)` when it answered for another model."""
    return f"{name} (fallback for {', '.join(sorted(used.stood_in_for))})" if used.stood_in_for else name


def register(registry: Registry) -> None:
    """Add /usage to `registry`."""
    registry.include(COMMANDS)
