"""`/budget`: what this session has spent, and what is left of each limit.

It reads the runtime's `Budget`, the one object every answer is checked
against and added to (`app.runtime._budget`).
"""

from __future__ import annotations

from app.commands.registry import CommandContext, CommandFamily, Registry
from app.commands.results import Result, Table
from app.runtime import Budget, usd

__all__ = ["budget_rows", "register"]

COMMANDS = CommandFamily("general")


def budget_rows(budget: Budget) -> list[list[str]]:
    """One row per limit set (`limit`, `USD`, `left`), then what was spent."""
    rows = []
    if budget.session_usd is not None:
        rows.append(["budget.session_usd", usd(budget.session_usd), usd(max(budget.session_usd - budget.spent, 0))])
    if budget.max_total_usd is not None:
        rows.append(["--max-cost (this run)", usd(budget.max_total_usd), usd(max(budget.max_total_usd - budget.spent, 0))])
    for name, value in (("budget.answer_usd", budget.answer_usd), ("--max-cost (each answer)", budget.max_answer_usd)):
        if value is not None:
            rows.append([name, usd(value), "each answer"])
    unpriced = f" (+{budget.unpriced} unpriced)" if budget.unpriced else ""
    rows.append(["spent", usd(budget.spent) + unpriced, f"{budget.answers} answers"])
    return rows


@COMMANDS.command("budget", help="what this session has spent, and what is left of its budget")
async def budget(ctx: CommandContext, argument: str) -> Result:
    spending = ctx.chat.runtime.budget
    notes = spending.take_notices()
    if not spending.limited:
        notes.insert(0, "No budget set: budget.session_usd and budget.answer_usd in config.yaml, or --max-cost.")
    return Table(["limit", "USD", "left"], budget_rows(spending), note=" ".join(notes) or None)


def register(registry: Registry) -> None:
    """Add /budget to `registry`."""
    registry.include(COMMANDS)
