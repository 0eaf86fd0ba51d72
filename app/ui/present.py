"""Showing what commands return (notices, tables, markdown, errors), streaming answers, and the clipboard."""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from app.commands import results as r
from app.errors import OrchError
from app.ui.sanitize import visible

if TYPE_CHECKING:
    from rich.console import Console

    from app.chat import Chat


# What commands return may quote a model, a server or a stored message (a title, a snippet, an
# error body): every piece of it is shown through `visible`, so none of it reaches the terminal raw.


def show_notice(console: Console, notice: r.Notice) -> None:
    console.print(visible(notice.text), style=notice.style, highlight=False, markup=False)


def show_table(console: Console, table: r.Table) -> None:
    from rich.table import Table
    from rich.text import Text

    view = Table(title=visible(table.title) if table.title else None, box=None, header_style="bold", pad_edge=False)
    for column in table.columns:
        view.add_column(visible(column), overflow="fold")
    for row in table.rows:
        view.add_row(*[Text(visible(str(cell))) for cell in row])
    from app.ui.pager import CommandPager

    pager = CommandPager.found() if table.paged and console.is_terminal else None
    if pager is not None:
        with console.pager(pager):
            console.print(view)
    else:
        console.print(view)
    if table.note:
        console.print(visible(table.note), style="chat.footer", highlight=False, markup=False)


def show_markdown(console: Console, text: r.MarkdownText) -> None:
    from rich.markdown import Markdown

    console.print(Markdown(visible(text.text)))


def error(console: Console, exc: OrchError) -> None:
    lines = [visible(line) for line in exc.lines()]
    console.print(lines[0], style="chat.error", highlight=False, markup=False)
    for line in lines[1:]:
        console.print(line, style="chat.notice", highlight=False, markup=False)


async def stream_answer(console: Console, chat: Chat, ask: Callable[[str], Awaitable[str]] | None = None) -> None:
    """Stream the model's reply to the conversation into `console`, live.

    A failure or a Ctrl-C ends the view with what arrived (marked so) and is
    raised on; the conversation has kept the partial answer. A tool call that
    needs approval is asked through `ask` (the live view paused first); with
    none, it is refused.
    """
    from app.ui.render import AnswerView

    config = chat.runtime.config
    view = AnswerView(console, markdown=config.ui.markdown, code_theme=config.ui.code_theme, model=chat.model.name)
    view.start()
    turn = None
    approver = None
    if ask is not None:
        from app.ui.tool_view import approver as tool_approver

        async def paused_ask(question: str) -> str:
            view.pause()
            return await ask(question)

        approver = tool_approver(paused_ask)
    try:
        async with chat.reply(approver=approver) as turn:
            view.tool_names = turn.tool_name
            async for event in turn:
                view.feed(event)
    finally:
        if turn is None:
            view.finish()
        else:
            # A failure with no text has no answer to put a footer under.
            view.end(turn.record, footer=bool(turn.record.text) or turn.record.status != "error")


Unlock = Callable[[list["ModelConfig"]], Awaitable[None]]


async def run_chain(console: Console, chat: Chat, request: r.RunChain, unlock: Unlock) -> None:
    """Run a chain live; its final output joins the conversation."""
    from app.ui.chain_view import run_chain_live

    from app.chains import plan_chain

    await unlock(plan_chain(chat.runtime.config, request.name).models(chat.model))
    await run_chain_live(console, chat, request.name, request.input, dict(request.variables))


async def run_compare(console: Console, chat: Chat, request: r.Compare, unlock: Unlock) -> None:
    """Ask several models at once, side by side."""
    from app.ui.chain_view import run_compare_live

    models = [chat.runtime.model(name) for name in request.models]
    await unlock(models)
    await run_compare_live(console, chat, models, request.prompt)


def copy_to_clipboard(console: Console, text: str) -> None:
    """Copy with the platform's clipboard tool, else through the terminal (OSC 52)."""
    for tool in (["pbcopy"], ["wl-copy"], ["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]):
        if shutil.which(tool[0]):
            try:
                subprocess.run(tool, input=text.encode(), check=True, timeout=5, capture_output=True)
            except (OSError, subprocess.SubprocessError):
                continue
            console.print(f"copied {len(text)} characters", style="chat.notice")
            return
    if console.is_terminal:
        payload = base64.b64encode(text.encode()).decode()
        sys.stdout.write(f"\x1b]52;c;{payload}\x07")
        sys.stdout.flush()
        console.print(f"copied {len(text)} characters (through the terminal)", style="chat.notice")
    else:
        raise OrchError("no clipboard here", "Install wl-copy, xclip or xsel, or use /export.")
