"""The real `orch` in a pseudo-terminal, its screen read back through a terminal emulator.

pexpect gives the process a real pty (so prompt-toolkit, rich's Live and
Ctrl-C behave as they do for a user); pyte interprets everything it writes,
so tests assert on what a person would see on the screen, not on escape codes.

Like a real terminal, the screen answers the program's queries: prompt-toolkit
asks for the cursor position (CPR) at each prompt, and without an answer it
waits a second after every Enter before returning the line, in raw mode — a
Ctrl-C sent meanwhile would be read as a key instead of interrupting.

Waits have generous timeouts: a loaded CI machine can be slow, and a wait
that succeeds returns as soon as the screen shows what was awaited.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence

import pexpect
import pyte

WAIT_S = 30.0  # seconds a wait gives the program by default: generous, for a loaded machine


class _Screen(pyte.HistoryScreen):
    """A screen with scrollback that answers the program's status queries (cursor position)."""

    def __init__(self, columns: int, rows: int, reply) -> None:
        super().__init__(columns, rows, history=2000)
        self._reply = reply

    def write_process_input(self, data: str) -> None:
        self._reply(data)

    def resize(self, lines: int | None = None, columns: int | None = None) -> None:
        """As a terminal does: rows that no longer fit above the cursor go to the scrollback.

        (pyte drops them, which a real terminal never does.)
        """
        lines = lines or self.lines
        if lines < self.lines:
            overflow = max(0, self.cursor.y - (lines - 1))
            self.history.top.extend(self.buffer[y] for y in range(overflow))
            if overflow:
                row = self.cursor.y
                self.cursor_position(1, 1)
                self.delete_lines(overflow)
                self.cursor.y = row - overflow
            for y in range(lines, self.lines):
                self.buffer.pop(y, None)
            self.lines = lines
            self.set_margins()
        super().resize(lines, columns)


class Terminal:
    """A running program on a `columns` x `rows` screen.

    Args:
        argv: the command line.
        env: its environment.
    """

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], columns: int = 110, rows: int = 40) -> None:
        self.child = pexpect.spawn(argv[0], list(argv[1:]), env=dict(env), dimensions=(rows, columns))
        # pyte calls back with the answer to a query (ESC[6n: the cursor position where it was asked).
        self.screen = _Screen(columns, rows, self._answer)
        self.stream = pyte.ByteStream(self.screen)
        self.transcript = b""

    def _answer(self, data: str) -> None:
        try:  # at once, as a terminal would (pexpect's send() first sleeps 50 ms)
            os.write(self.child.child_fd, data.encode())
        except OSError:  # the program is gone: nobody to answer
            pass

    def pump(self, seconds: float = 0.05) -> bool:
        """Feed whatever the program wrote within `seconds` to the screen; True if it wrote anything."""
        deadline = time.monotonic() + seconds
        fed = False
        while True:
            try:
                data = self.child.read_nonblocking(65536, timeout=max(0.0, deadline - time.monotonic()))
            except (pexpect.TIMEOUT, pexpect.EOF):
                return fed
            self.transcript += data
            self.stream.feed(data)
            fed = True
            if time.monotonic() >= deadline:
                return fed

    def lines(self) -> list[str]:
        """The screen's lines, scrollback included, without trailing blanks."""
        history = [
            "".join(line[x].data for x in range(self.screen.columns)).rstrip()
            for line in self.screen.history.top
        ]
        return history + [line.rstrip() for line in self.screen.display]

    def text(self) -> str:
        return "\n".join(self.lines())

    def resize(self, columns: int, rows: int) -> None:
        """Resize the terminal as a user dragging its window would (the program gets SIGWINCH)."""
        self.pump(0.05)
        self.screen.resize(rows, columns)
        self.child.setwinsize(rows, columns)

    def wait_for(self, needle: str, timeout: float = WAIT_S, *, count: int = 1) -> str:
        """Wait until `needle` is on the screen (`count` times at least); return the screen text."""
        deadline = time.monotonic() + timeout
        text = self.text()
        while time.monotonic() < deadline:
            if text.count(needle) >= count:
                return text
            if self.pump(0.05):
                text = self.text()
                continue
            if not self.child.isalive():
                self.pump(0.1)
                if self.text().count(needle) >= count:
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

    def wait_exit(self, timeout: float = WAIT_S) -> int:
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
