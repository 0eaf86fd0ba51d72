"""`orch [PROMPT]`: with a prompt, one answer to stdout; without one, the REPL.

A one-shot answer is a turn of a conversation like any other: it is saved in
history (unless `--no-save`), and `-c` / `--resume ID` add it to a stored
conversation. stdout gets the answer only; on a terminal it is rendered as
markdown while it arrives, to a pipe it is the model's text as it comes
(with its control characters made visible under `--sanitize`). An answer the
provider cut short (`max_tokens`, a content filter, a refusal) still exits 0,
and one line on stderr says so.

`-r ROLE` takes a role up for the conversation (its model unless `-m` names
one); `--schema` asks for JSON following a schema, and an answer that does
not follow it exits 1 naming the field, its text kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from app.cli import _startup
from app.errors import EXIT_FAILURE, EXIT_OK, ProviderError, UsageError

if TYPE_CHECKING:
    from app.chat import Chat
    from app.cli.wiring import Invocation, Wiring
    from app.types import AnswerRecord, Part

View = Callable[["Chat"], Awaitable[None]]

PARTIAL_KEPT = "The partial answer above was kept."


def run_default(wiring: Wiring) -> int:
    """Answer the invocation's prompt, or open the REPL when there is none."""
    invocation = wiring.invocation
    if invocation.prompt.strip():
        return answer_once(wiring, invocation.prompt)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError("no prompt given", 'Try: orch "your question", or run orch in a terminal for the REPL.')
    return _repl(wiring)


def answer_once(wiring: Wiring, prompt: str) -> int:
    """Add `prompt` to the conversation and stream the answer to stdout; returns the exit code.

    Raises:
        ProviderError: the answer failed; a partial answer was shown and kept (the hint says so).
    """
    from app.ui.oneshot_view import show_on_terminal, write_plain

    invocation = wiring.invocation
    chat, _ = _chat(wiring)
    chat.runtime.prepare([chat.model])  # the key (and the vault password) before the question is stored
    view: View = show_on_terminal
    if not sys.stdout.isatty():
        view = functools.partial(write_plain, sanitize=wiring.invocation.sanitize)
    _startup.ready()
    try:
        asyncio.run(_answer(chat, view, prompt, invocation))
    except ProviderError as exc:
        last = chat.messages[-1] if chat.messages else None
        if last is not None and last.role == "assistant" and last.status == "error":  # its partial answer
            exc.hint = f"{exc.hint} {PARTIAL_KEPT}" if exc.hint else PARTIAL_KEPT
        raise
    finally:
        for notice in chat.runtime.budget.take_notices():
            print(f"orch: {notice}", file=sys.stderr)
    last = chat.messages[-1] if chat.messages else None
    if last is not None and last.record is not None:
        note = cut_short_note(last.record)
        if note:
            print(f"orch: {note}", file=sys.stderr)
        if last.record.finish_reason == BUDGET_STOP:
            return EXIT_FAILURE
    return EXIT_OK


def _chat(wiring: Wiring, *, interactive: bool = False) -> tuple[Chat, str | None]:
    """The invocation's conversation, in the role `-r` names (with the role's model unless `-m` gave one),
    each answer within `--max-cost`."""
    chat, resumed = wiring.chat(interactive=interactive)
    invocation = wiring.invocation
    if invocation.role:
        chat.use_role(invocation.role, switch_model=invocation.model is None)
    chat.runtime.budget.max_answer_usd = invocation.max_cost
    return chat, resumed


BUDGET_STOP = "budget"
"""The finish reason of an answer the budget stopped (the runtime's word)."""


def cut_short_note(record: AnswerRecord) -> str | None:
    """The line that says an answer was cut short (by the provider or the budget), or None when it was not."""
    if record.finish_reason == BUDGET_STOP and record.error:
        return f"{record.error}; the partial answer above was kept"
    reason = f" ({record.finish_reason})" if record.finish_reason else ""
    if record.status == "truncated":
        return f"the answer was cut short by the provider{reason}"
    if record.status == "refused":
        return f"the provider refused the answer{reason}"
    return None


async def _collect(chat: Chat, invocation: Invocation) -> list[Part]:
    from pathlib import Path

    from app.attachments import Limits, collect

    limits = Limits.of(invocation.max_files, invocation.max_mb)
    tools = chat.tools
    return await collect(invocation.attach, base_dir=Path.cwd(), fetch=chat.runtime.client(), limits=limits,
                         resource=tools.resource_part if tools is not None else None)  # fmt: skip


async def _answer(chat: Chat, view: View, prompt: str, invocation: Invocation) -> None:
    """Attach what `-a` names, add the question, and show the answer: in one event loop, which the
    shared HTTP client and the tools' servers belong to."""
    try:
        if invocation.attach:
            chat.attach(await _collect(chat, invocation))
        chat.add_user_message(prompt)
        await view(chat)
    finally:
        await chat.runtime.aclose()


def _repl(wiring: Wiring) -> int:
    from app.store import DB_NAME, disk_problem
    from app.ui import greeting
    from app.ui.repl import run_repl

    home = wiring.home
    with contextlib.suppress(OSError):  # a home that cannot be made is told below, and the REPL runs on
        wiring.private_home()
    # A read-only or full home is said once, in the greeting; the chat then keeps its history (and
    # input) in memory.
    problem = disk_problem(home / DB_NAME)
    not_saved = [f"History is not saved in this session: {problem}."] if problem else []
    history_path = None if problem else wiring.input_history()
    if history_path is not None and disk_problem(history_path):
        history_path = None

    def wired() -> tuple[Chat, list[str]]:
        chat, resumed = _chat(wiring, interactive=True)
        if problem is not None and chat.store is not None:
            chat.store.close()
            chat.store = None
        _startup.ready()
        return chat, greeting.notes(chat) + ([resumed] if resumed else [])

    label = None if wiring.invocation.resuming else wiring.early_model_name()
    if label is not None:
        # The prompt first, named from -m or the config's plain default_model line; the rest is
        # wired while it is on the screen (app.ui.pending).
        from app.ui.pending import PendingChat

        return run_repl(PendingChat(label, wired), history_path=history_path, vi_mode=False,
                        greeting=[greeting.first_line(label), *not_saved])
    chat, notes = wired()  # resuming: the greeting names the conversation resumed, so it waits
    lines = [greeting.first_line(chat.model.name), *notes, *not_saved]
    return run_repl(chat, history_path=history_path, vi_mode=chat.runtime.config.ui.vi_mode, greeting=lines)
