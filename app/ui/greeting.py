"""The lines the REPL opens with: version, model, and how to add a key when there is none."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.chat import Chat


def first_line(model_name: str) -> str:
    """The line every session opens with."""
    from app import __version__

    return f"orch {__version__} · {model_name} · /help for commands · Ctrl-D to exit"


def notes(chat: Chat) -> list[str]:
    """What to tell under the first line: how to add a key, when there is none."""
    lines = []
    config = chat.runtime.config
    keys = chat.runtime.keys
    has_any_key = keys.vault.exists() or any(
        p.key is not None and p.key.env and os.environ.get(p.key.env) for p in config.providers.values()
    )
    if not has_any_key:
        lines.append("No API keys yet: add one with `orch vault init` then `orch vault set openai` "
                     "(or set OPENAI_API_KEY); until then try the offline echo model.")
    return lines
