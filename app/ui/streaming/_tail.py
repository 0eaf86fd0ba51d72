"""The unfinished block at the tail of an answer, shown at a cost that does not grow with it.

A fenced code block goes out by finished lines (`CodeTail`). Any other block
(a paragraph, a table, a list) is laid out whole once it ends, as it would be
in the whole document; while it streams, the live view renders only its last
lines: at most `LIVE_LINES` of them, and of a single long line (a
paragraph that is one line of markdown) its last `LIVE_LINES` screen lines
of characters, cut at a space. A table keeps its header and delimiter rows
above its last rows, so it reads as a table. What is left out is what has
scrolled up out of the live view; it is all there once the block ends.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from rich.console import RenderableType

from app.ui.blocks import BlockSplitter
from app.ui.streaming._code import CodeTail, opens_code
from app.ui.streaming._markdown import AnswerMarkdown, Block

__all__ = ["LIVE_LINES", "Tail", "WholeTail", "tail_for"]

LIVE_LINES = 12  # source lines at most rendered live: a redraw of a table of as many rows takes a few ms

_DELIMITER_ROW = re.compile(r"\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


class Tail(Protocol):
    """How the unfinished block is shown; `locked` once part of it is printed (it cannot change kind)."""

    locked: bool

    def advance(self) -> list[RenderableType]: ...
    def live(self) -> RenderableType | None: ...
    def finish(self, block: str) -> list[RenderableType]: ...


class WholeTail:
    """A block printed whole once it ends; live, its last lines only.

    Args:
        splitter: the answer's splitter, whose unfinished block this is.
        code_theme: the pygments theme for code in the block.
        gap: a blank line goes before the block.
        size: the screen's (columns, rows), which bound what is rendered live.
    """

    locked = False

    def __init__(self, splitter: BlockSplitter, code_theme: str, gap: bool, size: tuple[int, int]) -> None:
        self._splitter = splitter
        self._theme = code_theme
        self._gap = gap
        self._size = size

    def advance(self) -> list[RenderableType]:
        return []

    def live(self) -> RenderableType | None:
        text = self._preview()
        return self._block(text) if text.strip() else None

    def finish(self, block: str) -> list[RenderableType]:
        return [self._block(block)]

    def _block(self, text: str) -> Block:
        return Block(AnswerMarkdown(text, code_theme=self._theme), self._gap)

    def _preview(self) -> str:
        """The block's last lines and characters, as many as the live view shows."""
        columns, rows = self._size
        count = min(rows, LIVE_LINES)
        budget = columns * count
        lines = self._splitter.lines
        head = list(lines[:2]) if _is_table(lines) else []
        after = self._splitter.blank_lines + self._splitter.partial_end(budget)
        shown = [after] if after else []
        used = len(after)
        index = len(lines)
        while index > len(head) and len(shown) < count and used < budget:
            index -= 1
            shown.append(lines[index])
            used += len(lines[index])
        text = "".join(head) + "".join(reversed(shown))
        if len(text) > budget and not head:
            cut = text.find(" ", len(text) - budget)
            text = text[cut + 1 :] if cut >= 0 else text[-budget:]
        return text


def _is_table(lines: Sequence[str]) -> bool:
    return len(lines) >= 2 and "|" in lines[0] and _DELIMITER_ROW.match(lines[1]) is not None


def tail_for(splitter: BlockSplitter, code_theme: str, gap: bool, size: tuple[int, int]) -> Tail:
    """The view for the splitter's unfinished block, by what the block is."""
    lines = splitter.lines
    if lines and opens_code(lines[0]):
        return CodeTail(splitter, code_theme, gap)
    return WholeTail(splitter, code_theme, gap, size)
