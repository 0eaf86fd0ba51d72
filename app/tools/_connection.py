"""One server's connection, held open by a task of its own.

The SDK's clients are anyio task groups, which must be left by the task that
entered them. A session's calls come from many tasks (the REPL's turns,
parallel tool calls), and it closes from yet another; so each server gets an
owner task that opens the client, hands it out, waits to be told to stop, and
closes it. Callers only send requests through the client, which any task may.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.tools._errors import ToolError

if TYPE_CHECKING:
    from mcp import Client

    from app.tools._launch import Launch

_STOP_WAIT_S = 10.0  # the SDK's own shutdown of a program is bounded at about 6 s


class Connection:
    """A server started on first `client()`, stopped by `aclose()`.

    Args:
        name: the server's name, for the messages.
        make_launch: resolves the server's way in (may raise ToolError), called on first use.
        start_timeout_s: how long the server may take to start and answer the handshake.
    """

    def __init__(self, name: str, make_launch: Callable[[], Launch], start_timeout_s: float) -> None:
        self.name = name
        self._make_launch = make_launch
        self._start_timeout_s = start_timeout_s
        self._task: asyncio.Task[None] | None = None
        self._started: asyncio.Future[Client] | None = None
        self._stop = asyncio.Event()
        self._failure: ToolError | None = None

    @property
    def failure(self) -> ToolError | None:
        """Why the server is not usable (it did not start, or it stopped); None while it is."""
        return self._failure

    async def client(self) -> Client:
        """The connected client, the server started first if it is not yet.

        Raises:
            ToolError: the server did not start, or it has stopped since.
        """
        if self._failure is not None:
            raise self._failure
        if self._task is None:
            self._started = asyncio.get_running_loop().create_future()
            self._task = asyncio.create_task(self._serve(), name=f"mcp server {self.name}")
        assert self._started is not None
        # Shielded: one caller giving up (Ctrl-C, its own timeout) must not cancel the start for the others.
        return await asyncio.shield(self._started)

    def lost(self, reason: str) -> ToolError:
        """Mark the server as gone (a call found its connection closed), and the error that says so."""
        if self._failure is None:
            self._failure = ToolError(f"MCP server '{self.name}' stopped: {reason}")
        return self._failure

    async def aclose(self) -> None:
        """Stop the server (if it was started) and wait for it to be gone."""
        task = self._task
        if task is None or task.done():
            return
        self._failure = self._failure or ToolError(f"MCP server '{self.name}' was stopped with its session")
        self._stop.set()
        if self._started is not None and not self._started.done():
            task.cancel()  # still starting: nothing to hand over, stop at once
        try:
            await asyncio.wait_for(asyncio.shield(task), _STOP_WAIT_S)
        except asyncio.TimeoutError:
            task.cancel()
        except asyncio.CancelledError:
            task.cancel()
            raise

    async def _serve(self) -> None:
        import anyio

        launch: Launch | None = None
        started = self._started
        assert started is not None
        try:
            launch = self._make_launch()
            with anyio.CancelScope() as scope:
                # One scope around the client's whole life: anyio scopes must nest, so the
                # start's deadline is set here and lifted once the handshake is done.
                scope.deadline = anyio.current_time() + self._start_timeout_s
                async with launch.connect() as client:
                    scope.deadline = math.inf
                    started.set_result(client)
                    await self._stop.wait()
            if scope.cancelled_caught and not started.done():
                raise ToolError(
                    f"MCP server '{self.name}' did not start: no answer within {self._start_timeout_s:g} s"
                )
        except ToolError as exc:
            self._fail(started, exc)
        except Exception as exc:  # whatever the SDK or the transport raised: one line, secrets masked
            reason = describe(exc)
            if launch is not None:
                last = launch.last_words()
                reason = launch.mask(reason) + (f" (its last words: {last})" if last else "")
            what = "stopped" if started.done() else "did not start"
            self._fail(started, ToolError(f"MCP server '{self.name}' {what}: {reason}"))
        finally:
            if not started.done():  # cancelled while starting (closed, or Ctrl-C)
                self._fail(started, ToolError(f"MCP server '{self.name}' was stopped while it started"))
            if launch is not None:
                launch.close()

    def _fail(self, started: asyncio.Future[Client], error: ToolError) -> None:
        self._failure = self._failure or error
        if not started.done():
            started.set_exception(self._failure)
            started.exception()  # retrieved here: a start nobody waits for any more is no "never retrieved" warning


CLOSED = "it closed the connection"


def describe(exc: BaseException) -> str:
    """The innermost cause of a failure, as a short phrase (`CLOSED` when the server went away)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = " ".join(str(exc).split())
    if "onnection closed" in text:
        return CLOSED
    name = type(exc).__name__
    return f"{name}: {text}"[:200] if text else name
