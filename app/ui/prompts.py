"""Asking the user off the input line: hidden input and yes/no.

`ask_hidden` reads from the controlling terminal (the command line's vault
commands and one-shot's password). `Prompts` is the REPL's own: a plain
prompt (no history, no completion, no toolbar), so that a password never
lands in the input history and an answer is not completed.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import TYPE_CHECKING

from app.errors import UsageError, VaultLockedError, WrongPasswordError

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession
    from rich.console import Console

    from app.config import ModelConfig
    from app.runtime import Runtime

PASSWORD_TRIES = 3


class Prompts:
    """The REPL's plain prompt, built on first use.

    Args:
        input: prompt-toolkit's input, for tests (pipe input); None: the terminal.
        output: prompt-toolkit's output, for tests (dummy output); None: the terminal.
    """

    def __init__(self, input=None, output=None) -> None:
        self._io = (input, output)
        self._session: PromptSession | None = None

    @property
    def session(self) -> PromptSession:
        if self._session is None:
            from prompt_toolkit import PromptSession

            self._session = PromptSession(input=self._io[0], output=self._io[1])
        return self._session

    async def confirm(self, question: str) -> bool:
        """Ask `question [y/N]`; only y or yes is a yes. Ctrl-C and Ctrl-D mean no, and the session goes on."""
        try:
            # The session keeps the last call's settings: a yes/no after a password prompt is shown again.
            answer = await self.session.prompt_async(f"{question} [y/N] ", is_password=False, input_processors=[])
        except (KeyboardInterrupt, EOFError):
            return False
        return answer.strip().lower() in ("y", "yes")

    async def unlock_for(self, runtime: Runtime, console: Console, models: list[ModelConfig]) -> None:
        """Ask the vault password (hidden) if any of `models` needs a key from a locked vault.

        Raises:
            VaultLockedError: the user gave up (Ctrl-C or Ctrl-D at the prompt).
            WrongPasswordError: the last of the tries was wrong too.
        """
        if not any(runtime.needs_password(m) for m in models):
            return
        for attempt in range(PASSWORD_TRIES):
            try:
                password = await self.session.prompt_async("Vault password: ", input_processors=[hidden_input()])
            except (KeyboardInterrupt, EOFError):
                raise VaultLockedError("the vault stays locked; nothing was sent", "/retry asks again.") from None
            try:
                await asyncio.to_thread(runtime.keys.unlock, password)
                return
            except WrongPasswordError:
                if attempt == PASSWORD_TRIES - 1:
                    raise
                console.print("wrong vault password, try again", style="chat.error")


def hidden_input():
    """A prompt-toolkit input processor that shows nothing of what is typed, not even its length."""
    from prompt_toolkit.layout.processors import Processor, Transformation

    class Hidden(Processor):
        def apply_transformation(self, transformation_input) -> Transformation:
            return Transformation([], source_to_display=lambda i: 0, display_to_source=lambda i: 0)

    return Hidden()


def ask_hidden(prompt: str) -> str:
    """Read a line without echo from the controlling terminal.

    Raises:
        VaultLockedError: there is no terminal to ask on.
        UsageError: Ctrl-D at the prompt (nothing was entered).
    """
    import getpass

    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    except OSError:
        raise VaultLockedError(
            "the vault password is needed and there is no terminal to ask it on",
            "Set ORCH_VAULT_PASSWORD.",
        ) from None
    try:
        return getpass.getpass(prompt)
    except EOFError:  # Ctrl-D at the prompt
        print(file=sys.stderr)
        raise UsageError("nothing was entered; nothing was changed") from None
