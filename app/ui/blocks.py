"""Cutting a growing markdown text into top-level blocks, looking at each piece once.

A block is finished once a later block has begun; the last, unfinished one is
the tail. Fenced code never splits, and a loose list stays one block.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["BlockSplitter", "fence_closed", "fence_opened", "split_blocks"]

_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})(.*)")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")


def _indent(line: str) -> int:
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip(" "))


def fence_opened(line: str) -> tuple[str, int] | None:
    """The marker character and length if `line` opens a fenced code block."""
    match = _FENCE.match(line)
    if match is None:
        return None
    marker, info = match.groups()
    if marker[0] == "`" and "`" in info:  # ```inline``` code, not a fence
        return None
    return marker[0], len(marker)


def fence_closed(line: str, fence: tuple[str, int]) -> bool:
    """Whether `line` closes the fence opened with `fence` (its marker character and length)."""
    match = _FENCE.match(line)
    return match is not None and match[1][0] == fence[0] and len(match[1]) >= fence[1] and not match[2].strip()


class BlockSplitter:
    """Cuts markdown that arrives in pieces into top-level blocks.

    Blocks are what blank lines separate (paragraphs, headings, tables, block
    quotes), with three exceptions that keep the blocks rendering as the whole
    text would: a fenced code block is one block whatever it holds; a loose
    list stays one block until something that is not part of it begins, so
    its numbering and spacing survive; and a fence right under a paragraph
    starts a block of its own. A block is finished when the first complete
    line of the next one arrives. Each piece of text is scanned once, so
    feeding a whole answer costs time linear in its length.
    """

    def __init__(self) -> None:
        self._lines: list[str] = []  # complete lines of the current block, "\n" included
        self._blanks: list[str] = []  # blank lines after them, kept if the block goes on
        self._partial: list[str] = []  # pieces of the line being received
        self._fence: tuple[str, int] | None = None  # the open fence: marker, length
        self._fence_alone = False  # the open fence began the block
        self._kind = "text"  # "text", "list", "indented", or "code": a closed fence alone

    @property
    def tail(self) -> str:
        """The unfinished block, as much of it as has arrived."""
        return "".join(self._lines) + "".join(self._blanks) + "".join(self._partial)

    @property
    def lines(self) -> Sequence[str]:
        """The complete lines of the unfinished block so far, newline included; blank lines after them apart.

        The sequence grows in place while the block lasts, so a reader can keep
        its place in it; once the block is finished it holds the next one.
        """
        return self._lines

    @property
    def blank_lines(self) -> str:
        """The blank lines after `lines`: kept in the block if it goes on."""
        return "".join(self._blanks)

    @property
    def partial(self) -> str:
        """The line being received, as much of it as has arrived."""
        return "".join(self._partial)

    def partial_end(self, limit: int) -> str:
        """The last `limit` characters or more of the line being received, at a cost bounded by `limit`."""
        end: list[str] = []
        size = 0
        for piece in reversed(self._partial):
            if size >= limit:
                break
            end.append(piece)
            size += len(piece)
        return "".join(reversed(end))

    def feed(self, text: str) -> list[str]:
        """Take the next piece of the answer.

        Returns:
            The blocks this piece finished, oldest first, without their
            trailing newline.
        """
        finished: list[str] = []
        start = 0
        while (end := text.find("\n", start)) >= 0:
            self._partial.append(text[start : end + 1])
            line = "".join(self._partial)
            self._partial.clear()
            block = self._take_line(line)
            if block is not None:
                finished.append(block)
            start = end + 1
        if start < len(text):
            self._partial.append(text[start:])
        return finished

    def close(self) -> list[str]:
        """End the answer and return the blocks still open; the splitter is empty afterwards."""
        finished = self.feed("\n") if self._partial else []
        last = self._cut()
        return [*finished, last] if last is not None else finished

    def _take_line(self, line: str) -> str | None:
        if self._fence is not None:
            self._lines.append(line)
            if fence_closed(line, self._fence):
                self._fence = None
                if self._fence_alone:
                    self._kind = "code"
            return None
        if not line.strip():
            if self._lines:
                self._blanks.append(line)
            return None
        finished = self._cut() if self._lines and self._begins_block(line) else None
        self._lines += self._blanks
        self._blanks.clear()
        fence = fence_opened(line)
        if fence is not None:
            self._fence = fence
            self._fence_alone = not self._lines
        if not self._lines:
            self._kind = "indented" if _indent(line) >= 4 else "text"
        if _LIST_ITEM.match(line):
            self._kind = "list"
        self._lines.append(line)
        return finished

    def _begins_block(self, line: str) -> bool:
        """Does the non-blank `line` begin a new block, given the current one?"""
        if self._kind == "code":
            return True
        if not self._blanks:
            return self._kind == "text" and _indent(line) < 4 and fence_opened(line) is not None
        if self._kind == "list":
            return not (_LIST_ITEM.match(line) or _indent(line) >= 2)
        if self._kind == "indented":
            return _indent(line) < 4
        return True

    def _cut(self) -> str | None:
        block = "".join(self._lines).rstrip("\r\n")
        self._lines.clear()
        self._blanks.clear()
        self._fence = None
        self._fence_alone = False
        self._kind = "text"
        return block or None


def split_blocks(text: str) -> tuple[list[str], str]:
    """Split a whole text at once.

    Returns:
        The finished blocks, and the unfinished tail as `BlockSplitter.tail`
        would hold it.
    """
    splitter = BlockSplitter()
    finished = splitter.feed(text)
    return finished, splitter.tail
