"""`orch [PROMPT]`: with a prompt, one answer to stdout; without one, the REPL.

A one-shot answer is a turn of a conversation like any other: it is saved in
history (unless `--no-save`), and `-c` / `--resume ID` add it to a stored
conversation. stdout gets the answer only; on a terminal it is rendered as
markdown while it arrives, to a pipe it is the model's text as it comes
(with its control characters made visible under `--sanitize`). An answer the
provider cut short (`max_tokens`, a content filter, a refusal) still exits 0,
and one line on stderr says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from app.cli import _startup
from app.errors import EXIT_OK, ProviderError, UsageError

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
    chat, _ = wiring.chat()
    chat.runtime.prepare([chat.model])  # the key (and the vault password) before the question is stored
    if invocation.attach:
        chat.attach(asyncio.run(_collect(chat, invocation)))
    chat.add_user_message(prompt)
    view: View = show_on_terminal
    if not sys.stdout.isatty():
        view = functools.partial(write_plain, sanitize=wiring.invocation.sanitize)
    _startup.ready()
    try:
        asyncio.run(_answer(chat, view))
    except ProviderError as exc:
        last = chat.messages[-1] if chat.messages else None
        if last is not None and last.role == "assistant" and last.status == "error":  # its partial answer
            exc.hint = f"{exc.hint} {PARTIAL_KEPT}" if exc.hint else PARTIAL_KEPT
        raise
    last = chat.messages[-1] if chat.messages else None
    if last is not None and last.record is not None:
        note = cut_short_note(last.record)
        if note:
            print(f"orch: {note}", file=sys.stderr)
    return EXIT_OK


def cut_short_note(record: AnswerRecord) -> str | None:
    """The line that says an answer was cut short by the provider, or None when it was not."""
    reason = f" ({record.finish_reason})" if record.finish_reason else ""
    if record.status == "truncated":
        return f"the answer was cut short by the provider{reason}"
    if record.status == "refused":
        return f"the provider refused the answer{reason}"
    return None


async def _collect(chat: Chat, invocation: Invocation) -> list[Part]:
    from pathlib import Path

    from app.attachments import Limits

    defaults = Limits()
    limits = Limits(defaults.max_files if invocation.max_files is None else invocation.max_files,
                    defaults.max_bytes if invocation.max_mb is None else int(invocation.max_mb * 1024 * 1024))
    try:
        from app.attachments import collect

        return await collect(invocation.attach, base_dir=Path.cwd(), fetch=chat.runtime.client(), limits=limits)
    finally:
        await chat.runtime.aclose()  # the client belongs to this loop; the answer's loop makes its own


async def _answer(chat: Chat, view: View) -> None:
    try:
        await view(chat)
    finally:
        await chat.runtime.aclose()


def _repl(wiring: Wiring) -> int:
    from app.store import DB_NAME, disk_problem
    from app.ui.greeting import greeting
    from app.ui.repl import run_repl

    chat, resumed = wiring.chat(interactive=True)
    home = wiring.home
    with contextlib.suppress(OSError):  # a home that cannot be made is told below, and the REPL runs on
        wiring.private_home()
    lines = greeting(chat) + ([resumed] if resumed else [])  # after resuming: it names the model the prompt shows
    # A read-only or full home is said once, here; the chat then keeps its history (and input) in memory.
    problem = disk_problem(home / DB_NAME)
    if problem is not None and chat.store is not None:
        chat.store.close()
        chat.store = None
        lines.append(f"History is not saved in this session: {problem}.")
    history_path = None if problem else wiring.input_history()
    if history_path is not None and disk_problem(history_path):
        history_path = None
    _startup.ready()
    return run_repl(chat, history_path=history_path, vi_mode=chat.runtime.config.ui.vi_mode, greeting=lines)
