"""Consoles that print to a StringIO, and a tiny terminal emulator that replays what they wrote.

Live output is full of cursor moves, so tests replay it (`screen`) and compare
what a user would end up seeing: the text, and with `styled=True` its colours.
"""

from __future__ import annotations

import io
import itertools
import re

from rich.console import Console

from app.providers.base import TextDelta
from app.ui.render import AnswerView
from app.ui.style import theme


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def terminal(width: int = 80, height: int = 25) -> Console:
    return Console(
        file=io.StringIO(), width=width, height=height, force_terminal=True, color_system="truecolor", theme=theme()
    )


def pipe() -> Console:
    return Console(file=io.StringIO(), width=80, force_terminal=False, theme=theme())


def output(console: Console) -> str:
    file = console.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


_CONTROL = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\n|\r")


def screen(raw: str, height: int | None = None, *, styled: bool = False) -> str:
    """What a terminal shows after `raw`: text, newlines, CR, cursor up, erase line.

    With `height`, the cursor cannot go above the screen's top line, as on a
    real terminal: a live region taller than that would leave copies behind.
    With `styled`, each change of the SGR style (colour, bold…) shows as `⟦codes⟧`.
    """
    lines: list[list[tuple[str, str]]] = [[]]
    row = col = 0
    style = ""

    def put(text: str) -> None:
        nonlocal col
        line = lines[row]
        line.extend([(" ", "")] * (col - len(line)))
        line[col : col + len(text)] = [(char, style) for char in text]
        col += len(text)

    pos = 0
    for match in _CONTROL.finditer(raw):
        put(raw[pos : match.start()])
        pos = match.end()
        token, (args, command) = match[0], match.groups()
        if token == "\n":
            row, col = row + 1, 0
            if row == len(lines):
                lines.append([])
        elif token == "\r":
            col = 0
        elif command == "A":
            top = 0 if height is None else max(0, len(lines) - height)
            row = max(top, row - int(args or 1))
        elif command == "K":
            lines[row] = [] if args == "2" else lines[row][:col]
        elif command == "m":
            style = "" if args in ("", "0") else f"{style};{args}".lstrip(";")
    put(raw[pos:])

    def show(line: list[tuple[str, str]]) -> str:
        while line and line[-1][0] == " ":
            line = line[:-1]
        if not styled:
            return "".join(char for char, _ in line)
        shown, last = [], ""
        for char, cell_style in line:
            if cell_style != last:
                shown.append(f"⟦{cell_style}⟧")
                last = cell_style
            shown.append(char)
        return "".join(shown)

    return "\n".join(show(line) for line in lines).rstrip("\n")


def stream(
    console: Console, chunks: list[str], clock: FakeClock | None = None, steps: list[float] | None = None
) -> AnswerView:
    view = AnswerView(console, model="sonnet", clock=clock or FakeClock())
    view.start()
    for index, chunk in enumerate(chunks):
        if clock is not None and steps:
            clock.now += steps[index % len(steps)]
        view.feed(TextDelta(chunk))
    view.finish()
    return view


def chunks_of(text: str, cuts: list[int]) -> list[str]:
    bounds = sorted({0, len(text), *(c % (len(text) + 1) for c in cuts)})
    return [text[a:b] for a, b in itertools.pairwise(bounds)]
