"""Markdown as an answer shows it, and the pieces an answer is printed in."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.markdown import Markdown
from rich.segment import Segment

__all__ = ["AnswerMarkdown", "Block"]


class AnswerMarkdown(Markdown):
    """rich's Markdown, with a link's URL written after its text when the two differ: `docs (https://…)`.

    A terminal that ignores OSC 8 hyperlinks would otherwise show the text
    alone, and the URL would be lost. The URL is a link too, for those that
    follow them.
    """

    def __init__(self, markup: str, *, code_theme: str, style: str = "chat.answer") -> None:
        super().__init__(markup, code_theme=code_theme, style=style)
        for token in self.parsed:
            if token.children:
                token.children = _with_link_urls(token.children)


def _with_link_urls(tokens: list) -> list:
    from markdown_it.token import Token

    shown: list = []
    link = None  # the open link token, and the text seen inside it
    text: list[str] = []
    for token in tokens:
        shown.append(token)
        if token.type == "link_open":
            link, text = token, []
        elif link is not None and token.type in ("text", "code_inline"):
            text.append(token.content)
        elif link is not None and token.type == "link_close":
            href = str(link.attrs.get("href", ""))
            label = "".join(text)
            if href and href not in (label, f"mailto:{label}"):
                shown += [
                    Token("text", "", 0, content=" ("),
                    Token("link_open", "a", 1, attrs={"href": href}),
                    Token("text", "", 0, content=href),
                    Token("link_close", "a", -1),
                    Token("text", "", 0, content=")"),
                ]
            link = None
    return shown


class Block:
    """A piece of an answer, after a blank line unless it is the first thing shown.

    Rich starts a list, table or quote with a blank line of its own when it
    is the first element of a document, as each block here is; that line is
    dropped so blocks are spaced alike, as in the whole document.
    """

    def __init__(self, renderable: RenderableType, gap: bool) -> None:
        self._renderable = renderable
        self._gap = gap

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        segments = iter(console.render(self._renderable, options))
        first = next(segments, None)
        if self._gap:
            yield Segment.line()
        if first is not None and first != Segment.line():
            yield first
        yield from segments
