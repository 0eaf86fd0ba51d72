"""One-shot mode: stream one answer to stdout and exit.

On a terminal the answer is rendered as markdown while it arrives; to a pipe
it is plain text, written as it comes.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from typing import Any

from app import errors
from app.errors import EXIT_OK, OrchError, ProviderError
from app.providers.base import Message, TextDelta
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


async def _stream_plain(runtime: Runtime, model, messages, system, options) -> int:
    out = sys.stdout
    wrote_any = False
    ends_with_newline = True
    try:
        async with asyncio.timeout(runtime.config.network.timeout_s):
            async for event in runtime.stream(model, messages, system, options):
                if isinstance(event, TextDelta) and event.text:
                    out.write(event.text)
                    out.flush()
                    wrote_any = True
                    ends_with_newline = event.text.endswith("\n")
    except asyncio.TimeoutError:
        _end_line(out, wrote_any and not ends_with_newline)
        raise errors.TimeoutError(
            f"no complete answer from {model.name} within {runtime.config.network.timeout_s:g} s",
            "Raise network.timeout_s in config.yaml for long answers.",
        ) from None
    except OrchError as exc:
        _end_line(out, wrote_any and not ends_with_newline)
        if isinstance(exc, ProviderError) and wrote_any:
            exc.hint = (exc.hint + " " if exc.hint else "") + "The partial answer above was kept."
        raise
    _end_line(out, wrote_any and not ends_with_newline)
    return EXIT_OK


def _end_line(out, needed: bool) -> None:
    if needed:
        out.write("\n")
        out.flush()
