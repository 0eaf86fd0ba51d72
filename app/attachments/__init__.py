"""Attachments: files, globs, folders, PDFs, web pages, images and the clipboard as message parts.

    parts = await collect(["notes.md", "src/", "https://example.org"], base_dir=Path.cwd(),
                          fetch=runtime.client())
    check_sendable(model, messages, system, config.models)   # before any request

A text file becomes a `file` part (its text, its path as `name`), a PDF its
text with `[page N]` markers, a web page its readable text, a png/jpeg/gif/webp
(judged by its bytes) an `image` part; any other binary is refused by name. A
folder is its text files, `.gitignore` respected, within `Limits`. pypdf,
pathspec, trafilatura and httpx are imported when first needed. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from app._lazy import lazy_names
from app.attachments._estimate import CHARS_PER_TOKEN, IMAGE_TOKENS, check_sendable, estimate_tokens
from app.attachments._labels import part_label, part_size, parts_text
from app.attachments._limits import DEFAULT_MAX_BYTES, DEFAULT_MAX_FILES, Limits, human_size
from app.types import Part

if TYPE_CHECKING:
    from app.attachments._clipboard import clipboard_part
    from app.attachments._collect import collect

# Every question is checked here (`check_sendable`); reading files, folders and pages is
# imported when something is attached.
__getattr__ = lazy_names(__name__, globals(), {"collect": "_collect", "clipboard_part": "_clipboard"})


def describe(parts: Sequence[Part], show: Callable[[str], str] = str) -> str:
    """One line naming each attachment with its size, then the token estimate:
    `notes.md 1.2 KB · cat.png 40.0 KB · ~1,900 tokens` (names through `show`)."""
    named = [f"{show(part.name or part.kind)} {human_size(part_size(part))}" for part in parts]
    return " · ".join([*named, f"~{estimate_tokens(parts):,} tokens"])


__all__ = [
    "CHARS_PER_TOKEN",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_FILES",
    "IMAGE_TOKENS",
    "Limits",
    "check_sendable",
    "clipboard_part",
    "collect",
    "describe",
    "estimate_tokens",
    "human_size",
    "part_label",
    "part_size",
    "parts_text",
]
