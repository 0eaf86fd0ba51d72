"""Showing what commands return, streaming answers, and the clipboard."""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from app.commands import results as r
from app.errors import OrchError

if TYPE_CHECKING:
    from rich.console import Console

    from app.chat import Chat
    from app.config import ModelConfig


def show(console: Console, result: object) -> None:
    """Print a Notice, Table or MarkdownText."""
    if isinstance(result, r.Notice):
        console.print(result.text, style=result.style, highlight=False, markup=False)
    elif isinstance(result, r.Table):
        from rich.table import Table

        table = Table(title=result.title, box=None, header_style="bold", pad_edge=False)
        for column in result.columns:
            table.add_column(column, overflow="fold")
        for row in result.rows:
            table.add_row(*[str(cell) for cell in row])
        console.print(table)
        if result.note:
            console.print(result.note, style="chat.footer", highlight=False, markup=False)
    elif isinstance(result, r.MarkdownText):
        from rich.markdown import Markdown

        console.print(Markdown(result.text))
    else:
        raise TypeError(f"cannot show {type(result).__name__}")


def error(console: Console, exc: OrchError) -> None:
    lines = exc.lines()
    console.print(lines[0], style="chat.error", highlight=False, markup=False)
    for line in lines[1:]:
        console.print(line, style="chat.notice", highlight=False, markup=False)


async def stream_answer(console: Console, chat: Chat) -> None:
    """Stream the model's reply to the conversation into `console`, live.

    A failure or a Ctrl-C ends the view with what arrived (marked so) and is
    raised on; the conversation has kept the partial answer.
    """
    from app.ui.render import AnswerView

    config = chat.runtime.config
    view = AnswerView(console, markdown=config.ui.markdown, code_theme=config.ui.code_theme, model=chat.model.name)
    view.start()
    turn = None
    try:
        async with chat.reply() as turn:
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
