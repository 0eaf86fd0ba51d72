"""The calls of one round: each approved (or refused), the approved ones run side by side, a result for every one.

A tool result is data for the model: orch passes its text on and never reads
it as anything else. A result the tools layer cut to its limit keeps its note.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from app.errors import OrchError
from app.types import Part, ToolCall, ToolResult

if TYPE_CHECKING:
    from app.tools import Decision, Offer, ToolInfo  # noqa: F401 (Decision: named in Approver)

# Named as strings: app.tools (and its records) is imported only by a session that has tools.
Approver = Callable[["ToolInfo", ToolCall], Awaitable["Decision"]]
"""Asks the user whether a call may run: `run? [y]es / [n]o / [a]lways for this tool`."""

REFUSED = "refused by the user"
NO_ONE_TO_ASK = "refused: the call needs approval and there is no one to ask (-y, or tools.auto_approve, lets it run)"


class ToolRoundsExceeded(OrchError):
    """The model still called tools after `tools.max_rounds` rounds: the answer ends there."""

    def __init__(self, rounds: int) -> None:
        super().__init__(
            f"the model was still calling tools after {rounds} round{'s' if rounds != 1 else ''} "
            "(tools.max_rounds); its last calls were not run",
            "Raise tools.max_rounds in config.yaml, or ask for less at once.",
        )


def unanswered(parts: Sequence[Part], status: str) -> list[ToolResult]:
    """Results for the calls in `parts` that have none: the answer ended `status` before they ran or
    finished (Ctrl-C, a failure, the budget), or they came with no tools offered. No wire format takes
    a call left unanswered, and a conversation that goes on should tell the model what became of each."""
    answered = {p.call_id for p in parts if p.kind == "tool_result"}
    reason = {"interrupted": "cancelled by the user", "complete": "not run: no tools are on"}.get(
        status, f"not run: the answer ended ({status})")
    return [ToolResult(p.call_id or "", p.name or "", reason, is_error=True, seconds=0.0)
            for p in parts if p.kind == "tool_call" and p.call_id not in answered]  # fmt: skip


def not_run(calls: Sequence[ToolCall], rounds: int) -> list[ToolResult]:
    """The results of calls the loop will not run, past `tools.max_rounds`."""
    reason = f"not run: tools.max_rounds ({rounds}) was reached"
    return [ToolResult(call.call_id, call.name, reason, is_error=True, seconds=0.0) for call in calls]


async def run_calls(offer: Offer, calls: Sequence[ToolCall], approver: Approver | None) -> AsyncIterator[ToolResult]:
    """A result for each of `calls`, as each is known: refusals and unknown tools first, then as the runs end.

    Approval is asked call by call, in order, before any runs; the approved
    calls then run concurrently. Leaving early (Ctrl-C) cancels the runs still
    going and waits for them to stop.
    """
    approved: list[tuple[ToolCall, ToolInfo]] = []
    for call in calls:
        tool = offer.tool(call.name)
        if tool is None:
            yield ToolResult(call.call_id, call.name, f"no tool '{call.name}' is offered", is_error=True, seconds=0.0)
            continue
        refusal = await _refusal(offer, tool, call, approver)
        if refusal is not None:
            yield ToolResult(call.call_id, call.name, refusal, is_error=True, seconds=0.0)
            continue
        approved.append((call, tool))
    if not approved:
        return
    tasks = [asyncio.ensure_future(_run(offer, call, tool)) for call, tool in approved]
    try:
        for next_done in asyncio.as_completed(tasks):
            yield await next_done
    finally:
        for task in tasks:
            task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.gather(*tasks, return_exceptions=True)


async def _refusal(offer: Offer, tool: ToolInfo, call: ToolCall, approver: Approver | None) -> str | None:
    """Why `call` may not run, or None when it may."""
    if not offer.policy.needs_asking(tool.qualified):
        return None
    if approver is None:
        return NO_ONE_TO_ASK
    return None if offer.policy.answer(tool.qualified, await approver(tool, call)) else REFUSED


async def _run(offer: Offer, call: ToolCall, tool: ToolInfo) -> ToolResult:
    began = time.perf_counter()
    result = await offer.call(tool, call.arguments)
    return ToolResult(call.call_id, call.name, result.text, result.is_error, time.perf_counter() - began)
