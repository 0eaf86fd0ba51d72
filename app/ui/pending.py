"""A conversation still being wired while the REPL's first prompt is already on the screen.

Validating the configuration (pydantic), opening the key ring and building the
command registry take longer than drawing a prompt. So the REPL draws its
prompt first, naming the model from `-m` or the config file's plain
`default_model:` line, and this wires the rest in a thread meanwhile. What
the user types is kept; a line sent before the wiring is done waits for it
(about a tenth of a second). A configuration that turns out to be invalid
ends the prompt with its error, as it would have before the prompt.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.chat import Chat
    from app.commands import Registry


@dataclass
class Wired:
    """What the thread builds: the chat, its command registry, and notes for under the greeting."""

    chat: Chat
    registry: Registry
    notes: list[str] = field(default_factory=list)


class PendingChat:
    """The chat `build` makes, made in a thread once `start` is called.

    Args:
        label: the model name the prompt shows until the chat is there.
        build: makes the chat and the notes to show under the greeting (any lines); may raise.
    """

    def __init__(self, label: str, build: Callable[[], tuple[Chat, list[str]]]) -> None:
        self.label = label
        self._build = build
        self._done = threading.Event()
        self._wired: Wired | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self, when_done: Callable[[], None]) -> None:
        """Begin wiring in a thread; `when_done` is called from that thread at the end, either way."""
        if self._thread is not None:
            return

        def run() -> None:
            try:
                self._wire()
            finally:
                when_done()

        self._thread = threading.Thread(target=run, name="orch-wiring", daemon=True)
        self._thread.start()

    def wire_now(self) -> None:
        """Wire in this thread (a chat that is already built needs only its registry)."""
        if self._thread is None and not self.ready:
            self._wire()

    def _wire(self) -> None:
        try:
            from app.commands import build_registry
            from app.commands.usage import track_usage

            chat, notes = self._build()
            track_usage(chat)  # per-model rows for /usage, kept for the whole session
            self._wired = Wired(chat, build_registry(), notes)
        except BaseException as exc:  # handed to the REPL's thread, which raises it
            self._error = exc
        finally:
            self._done.set()

    @property
    def ready(self) -> bool:
        return self._done.is_set()

    def result(self) -> Wired:
        """The wired chat, waiting for it if need be.

        Raises:
            whatever building it raised (a ConfigError, an unknown model...).
        """
        if self._thread is None:
            self.wire_now()
        self._done.wait()
        if self._error is not None:
            raise self._error
        assert self._wired is not None
        return self._wired
