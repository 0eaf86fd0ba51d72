"""The REPL in-process: a real PromptSession fed through a prompt-toolkit pipe, printing to a StringIO console.

    s = await run_repl(make_chat(config_path), "hello" + ENTER + "/exit" + ENTER)
    s.text          # everything the console showed
    s.chat.messages # what was said

    with open_repl(chat) as s:   # to type in pieces, or only to reach s.repl.registry
        await s.run("/model" + ENTER, "echo-two" + ENTER)

When the keys run out the pipe closes, which the REPL reads as end of input.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput

from app import config as config_module
from app.chat import Chat
from app.keys import KeyRing
from app.runtime import Runtime
from app.store import Store
from app.ui.repl import Repl
from app.ui.style import make_console
from app.vault import Vault

ENTER = "\r"
ESC_ENTER = "\x1b\r"
CTRL_C = "\x03"
CTRL_D = "\x04"
CTRL_U = "\x15"  # emacs: delete from the cursor back to the start of the line


def make_chat(config_path: Path, model: str = "echo", *, store: Store | None = None) -> Chat:
    """A Chat with `model` from the configuration at `config_path`; its vault sits beside the file."""
    cfg, _ = config_module.load(str(config_path))
    runtime = Runtime(cfg, KeyRing(Vault(config_path.parent / "vault.enc")))
    return Chat(runtime, runtime.model(model), store=store)


class PipeRepl:
    """A Repl reading `pipe` and printing to a StringIO console; `chat` and `text` stay readable after it ends.

    Args:
        chat: the conversation the REPL drives.
        pipe: the prompt-toolkit pipe input the keys are sent through.
        width: the console's width.
        history_path: the input history file (None: no history).
    """

    def __init__(self, chat: Chat, pipe: PipeInput, *, width: int = 100, history_path: Path | None = None) -> None:
        self.chat = chat
        self.pipe = pipe
        self.out = io.StringIO()
        console = make_console(file=self.out, force_terminal=False, width=width)
        self.repl = Repl(chat, console, history_path=history_path, input=pipe, output=DummyOutput())

    @property
    def text(self) -> str:
        return self.out.getvalue()

    def errors(self) -> list[str]:
        """The lines of the output that tell of a crash."""
        return [line for line in self.text.splitlines() if "internal error" in line or "Traceback" in line]

    async def run(self, *keys: str) -> PipeRepl:
        """Send `keys` (in pieces, as given), close the pipe, and run the REPL until it ends."""
        for piece in keys:
            self.pipe.send_text(piece)
        self.pipe.close()
        await self.repl.run()
        return self


@contextmanager
def open_repl(chat: Chat, *, width: int = 100, history_path: Path | None = None) -> Iterator[PipeRepl]:
    """A `PipeRepl` on a fresh pipe, which is closed when the block ends."""
    with create_pipe_input() as pipe:
        yield PipeRepl(chat, pipe, width=width, history_path=history_path)


async def run_repl(chat: Chat, keys: str, *, width: int = 100, history_path: Path | None = None) -> PipeRepl:
    """Type `keys` into a fresh REPL over `chat` and run it until the keys run out."""
    with open_repl(chat, width=width, history_path=history_path) as session:
        await session.run(keys)
    return session
