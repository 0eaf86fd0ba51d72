"""One-shot answers on a terminal: rendered markdown, then a footer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app import errors
from app.config import ModelConfig
from app.types import Message
from app.runtime import Runtime
from app.ui.render import AnswerView
from app.ui.style import make_console


async def stream_to_terminal(
    runtime: Runtime,
    model: ModelConfig,
    messages: Sequence[Message],
    system: str | None,
    options: Mapping[str, Any],
) -> int:
    """Stream `model`'s answer into the terminal as live markdown."""
    console = make_console()
    ui = runtime.config.ui
    view = AnswerView(console, model=model.name, markdown=ui.markdown, code_theme=ui.code_theme)
    view.start()
    turn = runtime.answer(model, messages, system=system, options=options)
    try:
        async with turn:
            async for event in turn:
                view.feed(event)
    except errors.ProviderError as exc:
        if turn.record.text:
            exc.hint = (exc.hint + " " if exc.hint else "") + "The partial answer above was kept."
        raise
    finally:
        view.end(turn.record, footer=turn.record.status != "error")
    return errors.EXIT_OK
