"""One-shot mode: stream one answer to stdout and exit.

On a terminal the answer is rendered as markdown while it arrives; to a pipe
it is plain text, written as it comes.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from typing import Any

from app.errors import EXIT_OK, OrchError, ProviderError
from app.types import Message, TextDelta
from app.runtime import Runtime


def run_one_shot(
    runtime: Runtime, model_name: str | None, prompt: str, system: str | None, options: Mapping[str, Any]
) -> int:
    """Answer `prompt` with `model_name` (or the default model) on stdout."""
    config = runtime.config
    model = runtime.model(model_name or config.default_model)
    system = system if system is not None else config.system_prompt
    messages = [Message("user", prompt)]
    runtime.request(model, messages, system, options)  # validates options before any output
    if sys.stdout.isatty():
        from app.ui.oneshot_view import stream_to_terminal

        return asyncio.run(_with_cleanup(runtime, stream_to_terminal(runtime, model, messages, system, options)))
    return asyncio.run(_with_cleanup(runtime, _stream_plain(runtime, model, messages, system, options)))


async def _with_cleanup(runtime: Runtime, work) -> int:
    try:
        return await work
    finally:
        await runtime.aclose()


class _CoalescingWriter:
    """Writes text as it comes, flushing at most every `interval` seconds.

    A burst of tokens costs one write to the pipe instead of one each, and
    no text waits longer than `interval` to be flushed.
    """

    def __init__(self, out, interval: float = 0.02) -> None:
        self.out = out
        self.interval = interval
        self._pending: asyncio.TimerHandle | None = None
        self.wrote_any = False
        self.ends_with_newline = True

    def write(self, text: str) -> None:
        self.out.write(text)
        self.wrote_any = True
        self.ends_with_newline = text.endswith("\n")
        if self._pending is None:
            self._pending = asyncio.get_running_loop().call_later(self.interval, self.flush)

    def flush(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        self.out.flush()

    def end(self) -> None:
        """Flush, ending the last line if the answer did not."""
        if self.wrote_any and not self.ends_with_newline:
            self.out.write("\n")
        self.flush()


async def _stream_plain(runtime: Runtime, model, messages, system, options) -> int:
    out = _CoalescingWriter(sys.stdout)
    # network.timeout_s bounds the whole answer inside the HTTP layer.
    try:
        async with runtime.answer(model, messages, system=system, options=options) as turn:
            async for event in turn:
                if isinstance(event, TextDelta) and event.text:
                    out.write(event.text)
    except OrchError as exc:
        out.end()
        if isinstance(exc, ProviderError) and out.wrote_any:
            exc.hint = (exc.hint + " " if exc.hint else "") + "The partial answer above was kept."
        raise
    except BaseException:
        out.end()
        raise
    out.end()
    return EXIT_OK
