"""The chat REPL: the loop that reads a line, hands it on, and shows what came back.

Reading and answering fail apart: an error in one turn is shown and the loop
goes on. What a line asks for is carried out by `actions` (answers, chains
and compares run as tasks Ctrl-C cancels, leaving the REPL at its prompt).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from typing import TYPE_CHECKING

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import FileHistory
from prompt_toolkit.patch_stdout import patch_stdout

from app.commands.results import Ask, Result
from app.errors import EXIT_OK, OrchError
from app.ui import actions, present
from app.ui.actions import ExitRepl, NextInput
from app.ui.chip import Chip
from app.ui.completer import CommandCompleter
from app.ui.keybindings import key_bindings
from app.ui.pending import PendingChat
from app.ui.prompts import Prompts
from app.ui.sanitize import visible
from app.ui.style import make_console, prompt_style

if TYPE_CHECKING:
    from pathlib import Path

    from app.chat import Chat
    from app.commands import Registry

__all__ = ["ExitRepl", "Repl", "run_repl"]


def run_repl(chat: Chat | PendingChat, *, history_path: Path | None, vi_mode: bool, greeting: list[str]) -> int:
    """Run the REPL on `chat` until the user leaves; returns the exit code.

    Args:
        chat: the conversation, wired and (when resuming) loaded; or one being wired while the
            first prompt is shown (see `app.ui.pending`).
        history_path: the input history file (None: in memory).
        vi_mode: vi keys instead of emacs keys.
        greeting: the lines shown before the first prompt.
    """
    repl = Repl(chat, history_path=history_path, vi_mode=vi_mode, greeting=greeting)
    return asyncio.run(repl.run())


class Repl:
    """One interactive session.

    Args:
        chat: the conversation, or one still being wired (its model's name is shown meanwhile).
        console: where everything is shown (a rich Console); None: the terminal's, built on first use.
        history_path: the input history file (None: in memory).
        vi_mode: vi keys instead of emacs keys.
        input/output: prompt-toolkit's, for tests (pipe input, dummy output).
        greeting: lines shown before the first prompt.
    """

    def __init__(self, chat: Chat | PendingChat, console=None, history_path=None, vi_mode: bool = False,
                 input=None, output=None, greeting: list[str] | None = None) -> None:
        if isinstance(chat, PendingChat):
            self._pending = chat
        else:
            self._pending = PendingChat(chat.model.name, lambda: (chat, []))
            self._pending.wire_now()
        self._console = console
        self.greeting = greeting or []
        self.next_input = NextInput()
        self.prompts = Prompts(input, output)
        self._warmed = False
        self._chip = Chip()
        self.session: PromptSession = PromptSession(
            history=FileHistory(str(history_path)) if history_path else None,
            auto_suggest=AutoSuggestFromHistory(),
            completer=CommandCompleter(lambda: self.registry.context(self.chat)),
            complete_while_typing=True,
            key_bindings=key_bindings(),
            enable_open_in_editor=True,
            vi_mode=vi_mode,
            bottom_toolbar=self.toolbar,
            style=prompt_style(),
            prompt_continuation=lambda width, line, soft: "." * (width - 1) + " ",
            input=input,
            output=output,
        )
        self._erase_tall_input()

    @property
    def chat(self) -> Chat:
        """The conversation (waiting for its wiring when a line is sent before it is done)."""
        return self._pending.result().chat

    @property
    def registry(self) -> Registry:
        return self._pending.result().registry

    def _model_name(self) -> str:
        return self.chat.model.name if self._pending.ready else self._pending.label

    @property
    def console(self):
        """The rich console answers are shown on, built on first use so that rich loads after the prompt."""
        if self._console is None:
            self._console = make_console()
        return self._console

    def prompt_message(self):
        """`sonnet> `, or `sonnet (explain)> ` while a role is on; the chip above it while
        attachments wait for the next message."""
        role = self.chat.role if self._pending.ready else None
        shown = [("class:prompt.role", f" ({role.name})")] if role is not None else []
        chip = self._chip.fragments(self.chat.attachments) if self._pending.ready else []
        return [*chip, ("class:prompt.model", self._model_name()), *shown, ("class:prompt.arrow", "> ")]

    def toolbar(self):
        """`model · title · tokens · cost · vault`: usage once there is some, `n/a` where it is unknown."""
        if not self._pending.ready:
            return [("class:bottom-toolbar", f" {self._pending.label} ")]
        from app.commands.usage import summary as usage_summary

        chat = self.chat
        keys = chat.runtime.keys
        vault = "no vault" if not keys.vault.exists() else ("vault unlocked" if keys.unlocked else "vault locked")
        parts = [chat.model.name, visible(chat.title or ""), usage_summary(chat), vault]
        return [("class:bottom-toolbar", f" {' · '.join(part for part in parts if part)} ")]

    async def run(self) -> int:
        self._say(self.greeting)
        try:
            while (text := await self._read()) is not None:
                if not text.strip():
                    self._cancel_edit()
                    continue
                try:
                    await self.handle(text)
                except ExitRepl:
                    break
        finally:
            if self._pending.ready:
                with contextlib.suppress(Exception):  # a wiring that failed has nothing to close
                    chat = self.chat
                    await chat.runtime.aclose()
                    if chat.store is not None:
                        chat.store.close()
        return EXIT_OK

    def _say(self, lines: list[str]) -> None:
        if lines:
            print_formatted_text(
                FormattedText([("class:notice", line + "\n") for line in lines]),
                style=prompt_style(), output=self.session.output, end="",
            )

    def _start_wiring(self) -> None:
        """Wire the chat in a thread while the first prompt is up (nothing to do when it is wired)."""
        if self._pending.ready:
            return
        loop = asyncio.get_running_loop()
        app = self.session.app

        def done() -> None:
            loop.call_soon_threadsafe(wired)

        def wired() -> None:
            try:
                result = self._pending.result()
            except BaseException as exc:
                if app.is_running:
                    app.exit(exception=exc)  # the error is raised where the prompt was awaited
                return
            if result.chat.runtime.config.ui.vi_mode:
                from prompt_toolkit.enums import EditingMode

                app.editing_mode = EditingMode.VI
            if result.notes and app.is_running:
                from prompt_toolkit.application import run_in_terminal

                run_in_terminal(lambda: self._say(result.notes))
            app.invalidate()

        self._pending.start(done)

    async def _read(self) -> str | None:
        """One input; None when the user leaves (Ctrl-D). Ctrl-C clears the line."""
        default, open_menu = self.next_input.take_prompt()

        def pre_run() -> None:
            if open_menu:
                self.session.default_buffer.start_completion(select_first=False)
            self._start_wiring()
            self._warm_imports_in_background()

        while True:
            try:
                with patch_stdout(raw=True):
                    text = await self.session.prompt_async(self.prompt_message, default=default, pre_run=pre_run)
                self._echo_erased_input(text)
                return text
            except KeyboardInterrupt:
                default = ""
                self._cancel_edit()
                continue
            except EOFError:
                return None

    def _erase_tall_input(self) -> None:
        """Have a line taller than the screen erased when it is sent, to be printed whole instead.

        prompt-toolkit draws only the screenful of an input that fits; left as drawn, the sent
        message would stay in scrollback cut to its last screenful.
        """
        buffer = self.session.default_buffer
        accept = buffer.accept_handler
        app = self.session.app

        def erase_if_tall(buffer) -> bool:
            columns, rows = app.output.get_size().columns or 80, app.output.get_size().rows or 24
            width = len(self._model_name()) + 2
            height = sum(1 + (width + len(line)) // max(columns, 1) for line in buffer.text.split("\n"))
            app.erase_when_done = height >= rows - 1
            return accept(buffer) if accept else False

        buffer.accept_handler = erase_if_tall

    def _echo_erased_input(self, text: str) -> None:
        """Print a sent line that was erased from the screen (see `_erase_tall_input`), whole, once."""
        app = self.session.app
        if not app.erase_when_done:
            return
        app.erase_when_done = False
        first, *more = text.split("\n")
        dots = "." * (len(self._model_name()) + 1) + " "
        fragments = [*self.prompt_message(), ("", first + "\n"), *[("", f"{dots}{line}\n") for line in more]]
        print_formatted_text(FormattedText(fragments), style=prompt_style(), output=self.session.output, end="")

    def _cancel_edit(self) -> None:
        """Drop a pending `/edit` (Ctrl-C or an empty line at its prompt): the next line is a new message."""
        if self.next_input.take_edit() is not None:
            self.console.print("edit cancelled", style="chat.notice")

    async def handle(self, text: str) -> None:
        """Run one line of input and show what came of it; an error is shown, ExitRepl is raised on."""
        try:
            await actions.carry_out(self, await self._turn(text))
        except ExitRepl:
            raise
        except OrchError as exc:
            present.error(self.console, exc)
        except Exception as exc:  # a bug must not end the session
            if os.environ.get("ORCH_DEBUG"):
                self.console.print_exception()  # ORCH_DEBUG only
            present.error(self.console, OrchError(f"internal error: {type(exc).__name__}: {exc}",
                                                  "Set ORCH_DEBUG=1 to see the traceback."))

    async def _turn(self, text: str) -> Result:
        """What one line asks for.

        Under a pending `/edit` the line replaces the message and is answered; a slash-command gives
        its result; anything else is a message to answer (`//` sends a line that starts with `/`).
        """
        index = self.next_input.take_edit()
        if index is not None:
            from app.commands.conversations import apply_edit

            apply_edit(self.chat, index, text)
            return Ask()
        if text.startswith("/") and not text.startswith("//"):
            return await self.registry.dispatch(self.chat, text)
        return Ask(text[1:] if text.startswith("//") else text)

    def _warm_imports_in_background(self) -> None:
        """Import what the first answer needs while the user types, not before the prompt."""
        if self._warmed:
            return
        self._warmed = True

        def warm() -> None:
            with contextlib.suppress(Exception):
                import httpx  # noqa: F401

                import app.ui.render  # noqa: F401

        threading.Thread(target=warm, name="orch-warm-imports", daemon=True).start()
