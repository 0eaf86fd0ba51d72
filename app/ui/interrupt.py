"""Running what a line asked for as a task that Ctrl-C cancels, with the terminal quiet meanwhile.

Ctrl-C at the prompt is prompt-toolkit's (it clears the line); while an
answer, a chain or a compare runs, SIGINT cancels that task alone, so the
REPL comes back to its prompt with what had arrived shown and kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator


async def interruptible(action: Callable[[], Awaitable[None]]) -> None:
    """Run `action` as a task that Ctrl-C cancels, then come back to the caller.

    A cancellation that did not come from Ctrl-C (the loop itself being
    cancelled) is raised on.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(action())
    installed = False
    # Signal handlers can only be set from the main thread (tests may run the REPL elsewhere).
    if threading.current_thread() is threading.main_thread():
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGINT, task.cancel)
            installed = True
    try:
        with quiet_terminal():
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
def quiet_terminal() -> Iterator[None]:
    """While an answer streams: typed keys and `^C` are not echoed into the live view,
    and Ctrl-C does not flush output already written (which would leave a stale view).

    Where stdin is no terminal (a pipe, a test) this does nothing.
    """
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
