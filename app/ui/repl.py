"""The chat REPL: a prompt-toolkit loop that reads, dispatches and shows.

Reading and answering fail apart: an error in one turn is shown and the loop
goes on. Whatever runs after a line is read (an answer, a chain, a compare)
runs as a task that Ctrl-C cancels at once, leaving the REPL at its prompt.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.filters import Condition
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import FileHistory
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.patch_stdout import patch_stdout

from app.chat import Chat
from app.commands import build_registry
from app.errors import EXIT_OK, OrchError, VaultLockedError, WrongPasswordError
from app.ui import present
from app.ui.completer import CommandCompleter
from app.ui.style import make_console, prompt_style

if TYPE_CHECKING:
    from pathlib import Path

    from app.config import ModelConfig


class ExitRepl(Exception):
    """Raised by an action to leave the loop."""


def run_repl(chat: Chat, *, history_path: Path | None, vi_mode: bool, greeting: list[str]) -> int:
    """Run the REPL on `chat` until the user leaves; returns the exit code.

    Args:
        chat: the conversation, wired and (when resuming) loaded.
        history_path: the input history file (None: in memory).
        vi_mode: vi keys instead of emacs keys.
        greeting: the lines shown before the first prompt.
    """
    repl = Repl(chat, history_path=history_path, vi_mode=vi_mode, greeting=greeting)
    return asyncio.run(repl.run())


def key_bindings(session_state: dict[str, Any]) -> KeyBindings:
    """Enter sends; Esc-Enter, or Enter after a trailing backslash, starts a new line."""
    kb = KeyBindings()

    @kb.add("escape", "enter")
    def _newline(event) -> None:
        event.current_buffer.insert_text("\n")

    ends_with_backslash = Condition(lambda: _buffer_text(session_state).endswith("\\"))

    @kb.add("enter", filter=ends_with_backslash, eager=True)
    def _continue(event) -> None:
        buffer = event.current_buffer
        buffer.delete_before_cursor(1)
        buffer.insert_text("\n")

    return kb


def _buffer_text(state: dict[str, Any]) -> str:
    session = state.get("session")
    if session is None:
        return ""
    try:
        return session.default_buffer.document.text_before_cursor
    except Exception:
        return ""


class Repl:
    """One interactive session.

    Args:
        chat: the conversation.
        console: where everything is shown (a rich Console).
        history_path: the input history file (None: in memory).
        vi_mode: vi keys instead of emacs keys.
        input/output: prompt-toolkit's, for tests (pipe input, dummy output).
    """

    def __init__(self, chat: Chat, console=None, history_path=None, vi_mode: bool = False,
                 input=None, output=None, greeting: list[str] | None = None) -> None:
        self.chat = chat
        self._console = console
        self.registry = build_registry()
        self.greeting = greeting or []
        self._next_default = ""
        self._open_menu = False
        self._pending_edit: int | None = None
        self._warmed = False
        state: dict[str, Any] = {}
        self.session: PromptSession = PromptSession(
            history=FileHistory(str(history_path)) if history_path else None,
            auto_suggest=AutoSuggestFromHistory(),
            completer=CommandCompleter(self.registry, chat),
            complete_while_typing=True,
            key_bindings=key_bindings(state),
            enable_open_in_editor=True,
            vi_mode=vi_mode,
            bottom_toolbar=self.toolbar,
            style=prompt_style(),
            prompt_continuation=lambda width, line, soft: "." * (width - 1) + " ",
            input=input,
            output=output,
        )
        state["session"] = self.session
        self._io = (input, output)
        self._plain_session: PromptSession | None = None

    @property
    def plain_session(self) -> PromptSession:
        """A prompt with no history and no completion: for passwords and confirmations."""
        if self._plain_session is None:
            self._plain_session = PromptSession(input=self._io[0], output=self._io[1])
        return self._plain_session

    @property
    def console(self):
        """The rich console answers are shown on, built on first use so that rich loads after the prompt."""
        if self._console is None:
            self._console = make_console()
        return self._console

    # --- the loop ------------------------------------------------------------------

    def prompt_message(self):
        return [("class:prompt.model", self.chat.model.name), ("class:prompt.arrow", "> ")]

    def toolbar(self):
        chat = self.chat
        totals = chat.totals
        tokens = totals.input_tokens + totals.output_tokens
        cost = f"${totals.cost:.4f}" if totals.cost or totals.priced else "cost n/a"
        keys = chat.runtime.keys
        vault = "no vault" if not keys.vault.exists() else ("vault unlocked" if keys.unlocked else "vault locked")
        title = f" · {chat.title}" if chat.title else ""
        return [("class:bottom-toolbar", f" {chat.model.name}{title} · {tokens:,} tokens · {cost} · {vault} ")]

    async def run(self) -> int:
        if self.greeting:
            print_formatted_text(
                FormattedText([("class:notice", line + "\n") for line in self.greeting]),
                style=prompt_style(), output=self.session.output, end="",
            )
        try:
            while True:
                text = await self._read()
                if text is None:
                    break
                if not text.strip():
                    self._cancel_edit()
                    continue
                try:
                    await self.handle(text)
                except ExitRepl:
                    break
        finally:
            await self.chat.runtime.aclose()
            if self.chat.store is not None:
                self.chat.store.close()
        return EXIT_OK

    async def _read(self) -> str | None:
        """One input; None when the user leaves (Ctrl-D). Ctrl-C clears the line."""
        default, self._next_default = self._next_default, ""
        open_menu, self._open_menu = self._open_menu, False

        def pre_run() -> None:
            if open_menu:
                self.session.default_buffer.start_completion(select_first=False)
            self._warm_imports_in_background()

        while True:
            try:
                with patch_stdout(raw=True):
                    return await self.session.prompt_async(self.prompt_message, default=default, pre_run=pre_run)
            except KeyboardInterrupt:
                default = ""
                self._cancel_edit()
                continue
            except EOFError:
                return None

    def _cancel_edit(self) -> None:
        """Drop a pending `/edit` (Ctrl-C or an empty line at its prompt): the next line is a new message."""
        if self._pending_edit is not None:
            self._pending_edit = None
            self.console.print("edit cancelled", style="chat.notice")

    async def handle(self, text: str) -> None:
        """Run one line of input: a slash-command or a message to the model."""
        try:
            if self._pending_edit is not None:
                index, self._pending_edit = self._pending_edit, None
                from app.commands.conversations import apply_edit

                apply_edit(self.chat, index, text)
                await self.interruptible(self.answer)
            elif text.startswith("/") and not text.startswith("//"):
                result = await self.registry.dispatch(self.chat, text)
                await self.show(result)
            else:
                self.chat.add_user_message(text[1:] if text.startswith("//") else text)
                await self.interruptible(self.answer)
        except ExitRepl:
            raise
        except OrchError as exc:
            present.error(self.console, exc)
        except Exception as exc:  # a bug must not end the session
            if os.environ.get("ORCH_DEBUG"):
                self.console.print_exception()  # ORCH_DEBUG only
            present.error(self.console, OrchError(f"internal error: {type(exc).__name__}: {exc}",
                                                  "Set ORCH_DEBUG=1 to see the traceback."))

    async def show(self, result) -> None:
        """Show or carry out what a command returned."""
        from app.commands import results as r

        if result is None:
            return
        if isinstance(result, r.Results):
            for item in result.items:
                await self.show(item)
        elif isinstance(result, r.Exit):
            raise ExitRepl
        elif isinstance(result, r.Ask):
            if result.text:
                self.chat.add_user_message(result.text)
            await self.interruptible(self.answer)
        elif isinstance(result, r.PickModel):
            self._next_default, self._open_menu = "/model ", True
        elif isinstance(result, r.EditInput):
            self._next_default, self._pending_edit = result.text, result.message_index
            self.console.print("Edit the message and press Enter; the old branch is kept.", style="chat.notice")
        elif isinstance(result, r.Confirm):
            try:
                answer = await self.plain_session.prompt_async(f"{result.question} [y/N] ")
            except (KeyboardInterrupt, EOFError):  # Ctrl-C / Ctrl-D mean no, and the session goes on
                answer = ""
            if answer.strip().lower() in ("y", "yes"):
                await self.show(await result.action())
            else:
                self.console.print("cancelled", style="chat.notice")
        elif isinstance(result, r.RunChain):
            await self.interruptible(lambda: present.run_chain(self.console, self.chat, result, self.unlock_for))
        elif isinstance(result, r.Compare):
            await self.interruptible(lambda: present.run_compare(self.console, self.chat, result, self.unlock_for))
        elif isinstance(result, r.Clipboard):
            present.copy_to_clipboard(self.console, result.text)
        else:
            present.show(self.console, result)

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

    # --- answers --------------------------------------------------------------------

    async def answer(self) -> None:
        await self.unlock_for([self.chat.model])
        await present.stream_answer(self.console, self.chat)

    async def unlock_for(self, models: list[ModelConfig]) -> None:
        """Ask the vault password (hidden) if any of `models` needs a key from a locked vault."""
        runtime = self.chat.runtime
        if not any(runtime.needs_password(m) for m in models):
            return
        for attempt in range(3):
            try:
                password = await self.plain_session.prompt_async("Vault password: ", is_password=True)
            except (KeyboardInterrupt, EOFError):
                raise VaultLockedError("the vault stays locked; nothing was sent", "/retry asks again.") from None
            try:
                await asyncio.to_thread(runtime.keys.unlock, password)
                return
            except WrongPasswordError:
                if attempt == 2:
                    raise
                self.console.print("wrong vault password, try again", style="chat.error")

    async def interruptible(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run `action` as a task that Ctrl-C cancels, then come back to the prompt."""
        loop = asyncio.get_running_loop()
        task = asyncio.ensure_future(action())
        installed = False
        if threading.current_thread() is threading.main_thread():
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(signal.SIGINT, task.cancel)
                installed = True
        try:
            with _quiet_terminal():
                await task
        except asyncio.CancelledError:
            # Each view marks what it cut short; only our own cancellation is swallowed.
            if not task.cancelled():
                raise
        finally:
            if installed:
                loop.remove_signal_handler(signal.SIGINT)
                signal.signal(signal.SIGINT, signal.default_int_handler)


@contextlib.contextmanager
def _quiet_terminal():
    """While an answer streams: typed keys and `^C` are not echoed into the live view,
    and Ctrl-C does not flush output already written (which would leave a stale view)."""
    import termios

    try:
        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
    except (OSError, ValueError, termios.error, AttributeError):
        yield
        return
    quiet = list(saved)
    quiet[3] &= ~(termios.ECHO | termios.ECHOCTL)
    quiet[3] |= termios.NOFLSH
    try:
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
        yield
    finally:
        with contextlib.suppress(termios.error, OSError):
            termios.tcsetattr(fd, termios.TCSANOW, saved)
