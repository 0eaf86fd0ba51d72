"""The real `orch` in a pseudo-terminal, its screen read back through a terminal emulator.

pexpect gives the process a real pty (so prompt-toolkit, rich's Live and
Ctrl-C behave as they do for a user); pyte interprets everything it writes,
so tests assert on what a person would see on the screen, not on escape codes.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import pexpect
import pyte


class Terminal:
    """A running program on a `columns` x `rows` screen.

    Args:
        argv: the command line.
        env: its environment.
    """

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], columns: int = 110, rows: int = 40) -> None:
        self.screen = pyte.HistoryScreen(columns, rows, history=2000)
        self.stream = pyte.ByteStream(self.screen)
        self.child = pexpect.spawn(argv[0], list(argv[1:]), env=dict(env), dimensions=(rows, columns))
        self.transcript = b""

    def pump(self, seconds: float = 0.05) -> None:
        """Feed whatever the program wrote within `seconds` to the screen."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                data = self.child.read_nonblocking(65536, timeout=max(0.0, deadline - time.monotonic()))
            except pexpect.TIMEOUT:
                return
            except pexpect.EOF:
                return
            self.transcript += data
            self.stream.feed(data)
            if b"\x1b[6n" in data:  # a cursor position request: answer as a real terminal does
                cursor = self.screen.cursor
                self.child.send(f"\x1b[{cursor.y + 1};{cursor.x + 1}R")
            if time.monotonic() >= deadline:
                return

    def lines(self) -> list[str]:
        """The screen's lines, scrollback included, without trailing blanks."""
        history = [
            "".join(line[x].data for x in range(self.screen.columns)).rstrip()
            for line in self.screen.history.top
        ]
        return history + [line.rstrip() for line in self.screen.display]

    def text(self) -> str:
        return "\n".join(self.lines())

    def wait_for(self, needle: str, timeout: float = 10.0) -> str:
        """Wait until `needle` is on the screen; return the screen text."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump(0.05)
            text = self.text()
            if needle in text:
                return text
            if not self.child.isalive():
                self.pump(0.1)
                if needle in self.text():
                    return self.text()
                break
        raise AssertionError(f"{needle!r} did not appear on the screen:\n{self.text()}")

    def count(self, needle: str) -> int:
        return self.text().count(needle)

    def type(self, text: str) -> None:
        self.child.send(text)

    def enter(self, text: str = "") -> None:
        self.child.send(text + "\r")

    def ctrl(self, key: str) -> None:
        self.child.sendcontrol(key)

    def wait_exit(self, timeout: float = 10.0) -> int:
        deadline = time.monotonic() + timeout
        while self.child.isalive() and time.monotonic() < deadline:
            self.pump(0.05)
        self.pump(0.05)
        if self.child.isalive():
            self.child.terminate(force=True)
            raise AssertionError(f"orch did not exit:\n{self.text()}")
        self.child.close()
        return self.child.exitstatus if self.child.exitstatus is not None else 128 + (self.child.signalstatus or 0)

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)
