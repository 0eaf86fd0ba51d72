"""A fenced code block at the tail of an answer: finished lines printed once, only the last one live.

rich draws a code block as `Syntax` with a padding of one all round, each
line wrapped on its own. So the block can go out in pieces that add up to
the whole: the first piece carries the top padding, the last the bottom one,
each is highlighted from the lexer state the one before left (`LineLexer`).

A line is final once a later line has text in it: the block's code is
stripped at its end, so trailing blank lines and the last line wait until
the fence closes or the answer ends. The live part is that last line, the
blank lines after it and the line arriving, so a redraw costs the same
whatever the block's length.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pygments.lexer import Lexer
from rich.console import RenderableType
from rich.syntax import Syntax

from app.ui.blocks import BlockSplitter, fence_closed, fence_opened
from app.ui.streaming._lexer import LineLexer, Token
from app.ui.streaming._markdown import Block

__all__ = ["CodeTail", "opens_code"]


def opens_code(line: str) -> bool:
    """Whether `line` opens a fenced code block that can be streamed line by line (an unindented fence)."""
    return line[:1] in ("`", "~") and fence_opened(line) is not None


class _Replay(Lexer):
    """A pygments lexer that gives back tokens lexed before, so `Syntax` lays them out as its own."""

    def __init__(self, tokens: list[Token]) -> None:
        super().__init__(stripnl=False, ensurenl=False)
        self._replayed = tokens

    def get_tokens_unprocessed(self, text: str) -> Iterable[tuple[int, object, str]]:
        position = 0
        for kind, value in self._replayed:
            yield position, kind, value
            position += len(value)


class CodeTail:
    """The unfinished block when it is a fenced code block.

    Args:
        splitter: the answer's splitter, whose unfinished block this is; its first line is the fence.
        code_theme: the pygments theme.
        gap: a blank line goes before the block.
    """

    locked = True  # a code block stays one whatever arrives

    def __init__(self, splitter: BlockSplitter, code_theme: str, gap: bool) -> None:
        lines = splitter.lines
        fence = fence_opened(lines[0])
        assert fence is not None
        self._splitter = splitter
        self._lines: Sequence[str] = lines
        self._fence = fence
        self._theme = code_theme
        self._language = lines[0][fence[1] :].strip().partition(" ")[0] or "text"
        lexer = Syntax("", self._language).lexer  # found as rich finds it, or None: plain text
        self._lexer = LineLexer(lexer) if lexer is not None else None
        self._read = 1  # lines of the block read so far, the fence first
        self._code: list[str] = []  # code lines read and not printed yet
        self._printed = False  # the top padding is out
        self._closed = False  # the closing fence has come
        self._done = False  # the bottom padding is out: nothing more to show
        self._gap = gap

    def advance(self) -> list[RenderableType]:
        """The pieces now final, to print once."""
        self._take(self._lines[self._read :])
        self._read = len(self._lines)
        if self._closed:
            return self._rest()
        last = max((i for i, line in enumerate(self._code) if line.strip()), default=0)
        if last == 0:
            return []
        done, self._code = self._code[:last], self._code[last:]
        return [self._piece("".join(done), bottom=False)]

    def live(self) -> RenderableType | None:
        """The part still open: the last lines and the one arriving, as they would end."""
        if self._closed:
            return None
        code = ("".join(self._code) + self._splitter.partial).rstrip()
        return self._render(code + "\n", bottom=True, keep=False)

    def finish(self, block: str) -> list[RenderableType]:
        """The rest of the block once it ended, `block` being its whole text."""
        lines = block.split("\n")
        self._take(line + "\n" for line in lines[self._read :])
        return self._rest()

    def _take(self, lines: Iterable[str]) -> None:
        for line in lines:
            if self._closed:
                return
            if fence_closed(line, self._fence):
                self._closed = True
            else:
                self._code.append(line.expandtabs(4))

    def _rest(self) -> list[RenderableType]:
        """All the code not printed yet, and the bottom padding: then the block is done."""
        if self._done:
            return []
        self._closed = self._done = True
        code, self._code = "".join(self._code).rstrip(), []
        return [self._piece(code + "\n", bottom=True)]

    def _piece(self, code: str, *, bottom: bool) -> RenderableType:
        piece = self._render(code, bottom=bottom, keep=True)
        self._printed = True
        self._gap = False
        return piece

    def _render(self, code: str, *, bottom: bool, keep: bool) -> RenderableType:
        """`code` (whole lines) as `Syntax` draws it, padded at the top only if nothing is printed yet."""
        padding = (0 if self._printed else 1, 1, 1 if bottom else 0, 1)
        lexer: Lexer | str = self._language
        if self._lexer is not None:
            lexer = _Replay(_without_last_newline(self._lexer.tokens(code, keep=keep)))
        # Syntax ends the code with the newline taken off here; a blank line before it stays a line.
        syntax = Syntax(code.removesuffix("\n"), lexer, theme=self._theme, word_wrap=True, padding=padding)
        return Block(syntax, self._gap)


def _without_last_newline(tokens: list[Token]) -> list[Token]:
    """The tokens of whole lines, but for the newline that ends the last one."""
    if tokens and tokens[-1][1].endswith("\n"):
        kind, value = tokens[-1]
        return tokens[:-1] + ([(kind, value[:-1])] if len(value) > 1 else [])
    return tokens
