"""What the REPL does with each Result a command returns: one table, one handler per type.

`carry_out(screen, result)` looks the handler up by the result's type; a
test checks that every type of the `Result` union has its handler, so a new
Result cannot be forgotten here. Handlers print through `present`, run
answers, chains and compares as tasks Ctrl-C cancels, ask through `prompts`,
and leave what the next prompt starts with in `NextInput`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from app.commands import results as r
from app.ui import present
from app.ui.interrupt import interruptible

if TYPE_CHECKING:
    from rich.console import Console

    from app.chat import Chat
    from app.config import ModelConfig
    from app.ui.prompts import Prompts


class ExitRepl(Exception):
    """Raised by an action to leave the loop."""


@dataclass
class NextInput:
    """What the next prompt starts with, and what the line read there is for.

    Attributes:
        text: put in the input line to be edited (`/model `, a message under `/edit`).
        open_menu: open the completion menu at once (the model menu).
        edit_index: the line read replaces this message, on a new branch (a pending `/edit`).
    """

    text: str = ""
    open_menu: bool = False
    edit_index: int | None = None

    def pick_model(self) -> None:
        self.text, self.open_menu = "/model ", True

    def edit(self, text: str, index: int) -> None:
        self.text, self.edit_index = text, index

    def take_prompt(self) -> tuple[str, bool]:
        """The text and whether to open the menu, for this prompt only."""
        taken = self.text, self.open_menu
        self.text, self.open_menu = "", False
        return taken

    def take_edit(self) -> int | None:
        """The message the line just read replaces, if an `/edit` is pending; it is pending no more."""
        index, self.edit_index = self.edit_index, None
        return index


class Screen(Protocol):
    """What the actions act on: the REPL, or a fake in tests."""

    chat: Chat
    prompts: Prompts
    next_input: NextInput

    @property
    def console(self) -> Console: ...


Action = Callable[[Screen, Any], Awaitable[None]]


async def carry_out(screen: Screen, result: r.Result) -> None:
    """Show or carry out what a command returned."""
    await ACTIONS[type(result)](screen, result)


async def answer(screen: Screen) -> None:
    """Answer the conversation as it stands, live; Ctrl-C cuts the answer short."""

    async def stream() -> None:
        await unlocker(screen)([screen.chat.model])
        await present.stream_answer(screen.console, screen.chat, asker(screen))

    await interruptible(stream)


def asker(screen: Screen) -> Callable[[str], Awaitable[str]]:
    """`ask(question) -> the line typed`, on the REPL's plain prompt (a tool call's approval)."""

    async def ask(question: str) -> str:
        # The session keeps the last call's settings: a question after a password prompt is shown again.
        return await screen.prompts.session.prompt_async(question, is_password=False, input_processors=[])

    return ask


def unlocker(screen: Screen) -> Callable[[list[ModelConfig]], Awaitable[None]]:
    """`unlock(models)`: ask the vault password first if any of `models` needs it."""

    async def unlock(models: list[ModelConfig]) -> None:
        await screen.prompts.unlock_for(screen.chat.runtime, screen.console, models)

    return unlock


def _printed(show: Callable[[Console, Any], None]) -> Action:
    async def print_it(screen: Screen, result: Any) -> None:
        show(screen.console, result)

    return print_it


async def _nothing(screen: Screen, result: None) -> None:
    return None


async def _ask(screen: Screen, result: r.Ask) -> None:
    if result.text:
        screen.chat.add_user_message(result.text)
    await answer(screen)


async def _run_chain(screen: Screen, result: r.RunChain) -> None:
    await interruptible(lambda: present.run_chain(screen.console, screen.chat, result, unlocker(screen)))


async def _compare(screen: Screen, result: r.Compare) -> None:
    await interruptible(lambda: present.run_compare(screen.console, screen.chat, result, unlocker(screen)))


async def _pick_model(screen: Screen, result: r.PickModel) -> None:
    screen.next_input.pick_model()


async def _edit_input(screen: Screen, result: r.EditInput) -> None:
    screen.next_input.edit(result.text, result.message_index)
    screen.console.print("Edit the message and press Enter; the old branch is kept.", style="chat.notice")


async def _confirm(screen: Screen, result: r.Confirm) -> None:
    if await screen.prompts.confirm(result.question):
        await carry_out(screen, await result.action())
    else:
        screen.console.print("cancelled", style="chat.notice")


async def _clipboard(screen: Screen, result: r.Clipboard) -> None:
    present.copy_to_clipboard(screen.console, result.text)


async def _exit(screen: Screen, result: r.Exit) -> None:
    raise ExitRepl


async def _results(screen: Screen, result: r.Results) -> None:
    for item in result.items:
        await carry_out(screen, item)


ACTIONS: dict[type, Action] = {
    type(None): _nothing,
    r.Notice: _printed(present.show_notice),
    r.Table: _printed(present.show_table),
    r.MarkdownText: _printed(present.show_markdown),
    r.Ask: _ask,
    r.RunChain: _run_chain,
    r.Compare: _compare,
    r.PickModel: _pick_model,
    r.EditInput: _edit_input,
    r.Confirm: _confirm,
    r.Clipboard: _clipboard,
    r.Exit: _exit,
    r.Results: _results,
}
