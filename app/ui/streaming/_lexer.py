"""Highlighting code that arrives line by line, with the lexer's state carried from one piece to the next.

Re-lexing a whole code block on every redraw costs time that grows with the
block. `LineLexer` lexes each piece of finished lines once, from where the
last piece left the lexer: for pygments' regex lexers (most languages) it
keeps the lexer's state stack between pieces, so a string or comment that
spans lines stays one; for the other lexers it lexes each piece after the
lines that came before it (`CONTEXT_LINES` of them) and keeps the tokens of
the piece.

What cannot be kept is a token that a lexer matches with one regular
expression across several lines (the C family's `/* … */`, not Python's
strings): while such a token has not ended, the lines before its end are
coloured as what they look like alone.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from pygments.lexer import ExtendedRegexLexer, Lexer, RegexLexer
from pygments.token import Error, Whitespace, _TokenType

__all__ = ["CONTEXT_LINES", "LineLexer", "Token"]

CONTEXT_LINES = 40

Token = tuple[_TokenType, str]


class LineLexer:
    """The tokens of code given piece by piece, each piece a run of whole lines.

    Args:
        lexer: the pygments lexer (as rich's `Syntax.lexer` finds it for the block's language).
    """

    def __init__(self, lexer: Lexer) -> None:
        self._lexer = lexer
        self._stateful = (
            isinstance(lexer, RegexLexer)
            and not isinstance(lexer, ExtendedRegexLexer)
            and type(lexer).get_tokens_unprocessed is RegexLexer.get_tokens_unprocessed
        )
        self._stack = ["root"]
        self._before = ""  # the last line lexed: what a look-behind may look at
        self._context: deque[str] = deque(maxlen=CONTEXT_LINES)

    def tokens(self, code: str, *, keep: bool = True) -> list[Token]:
        """Lex `code` (whole lines, each ending in a newline) after the pieces kept so far.

        Args:
            code: the next piece.
            keep: carry the lexer on past this piece; False lexes it for a look only
                (the live last line), leaving the state as it was.
        """
        if not code:
            return []
        if self._stateful:
            stack = self._stack if keep else list(self._stack)
            tokens = list(self._regex_tokens(self._before + code, len(self._before), stack))
        else:
            tokens = self._tokens_in_context(code)
        if keep:
            self._remember(code)
        return tokens

    def _remember(self, code: str) -> None:
        lines = code.splitlines(keepends=True)
        self._before = lines[-1]
        self._context.extend(lines)

    def _regex_tokens(self, text: str, pos: int, stack: list[str]) -> Iterator[Token]:
        """pygments' regex lexing from `pos` with the state `stack`, which it leaves where the text ends."""
        lexer = self._lexer
        states = lexer._tokens  # the compiled rules of a RegexLexer: state -> [(match, action, next state)]
        rules = states[stack[-1]]
        end = len(text)
        while pos < end:
            for match_at, action, next_state in rules:
                match = match_at(text, pos)
                if match is None:
                    continue
                if type(action) is _TokenType:
                    yield action, match.group()
                elif action is not None:
                    yield from ((kind, value) for _, kind, value in action(lexer, match))
                pos = match.end()
                if next_state is not None:
                    _move(stack, next_state)
                    rules = states[stack[-1]]
                break
            else:  # nothing matches here: as pygments does, a newline resets the state, anything else is an error
                if text[pos] == "\n":
                    stack[:] = ["root"]
                    rules = states["root"]
                    yield Whitespace, "\n"
                else:
                    yield Error, text[pos]
                pos += 1

    def _tokens_in_context(self, code: str) -> list[Token]:
        before = "".join(self._context)
        tokens: list[Token] = []
        for start, kind, value in self._lexer.get_tokens_unprocessed(before + code):
            if start + len(value) <= len(before):
                continue
            tokens.append((kind, value[max(0, len(before) - start) :]))
        return tokens


def _move(stack: list[str], next_state: tuple[str, ...] | int | str) -> None:
    """Apply a compiled state transition: push states, pop some (never the last), or push the top again."""
    if isinstance(next_state, tuple):
        for state in next_state:
            if state == "#pop":
                if len(stack) > 1:
                    stack.pop()
            elif state == "#push":
                stack.append(stack[-1])
            else:
                stack.append(state)
    elif isinstance(next_state, int):
        del stack[max(1, len(stack) + next_state) :]
    elif next_state == "#push":
        stack.append(stack[-1])
