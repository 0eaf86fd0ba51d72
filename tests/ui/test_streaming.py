"""Live rendering at a cost that does not grow with the block: code by finished lines, the rest bounded.

Each shape is streamed in small pieces with time passing (so the tail is
redrawn and code lines go out as they finish) and must end exactly as the
whole answer rendered at once, colours included.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.syntax import Syntax

from app.providers.base import TextDelta, ThinkingDelta
from app.ui.render import AnswerView
from app.ui.streaming import AnswerMarkdown
from app.ui.streaming._tail import LIVE_LINES
from app.ui.style import theme
from tests.ui.screens import FakeClock, output, pipe, screen, stream, terminal

CODE = '''Intro

```python
def f(x):
    """A doc
    string that spans

    lines, with def and return in it"""
\tif x:
        return "a very long line that wraps at the edge of the screen because it is longer than the screen"


    return 2  # done
```

After.'''


def pieces(text: str, size: int = 3) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


@pytest.mark.parametrize("size", [1, 3, 17, 1000])
def test_a_code_block_streamed_by_lines_ends_as_rendered_at_once_colours_included(size: int) -> None:
    at_once = terminal()
    stream(at_once, [CODE])
    streamed = terminal()
    stream(streamed, pieces(CODE, size), FakeClock(), [0.1])
    assert screen(output(streamed), styled=True) == screen(output(at_once), styled=True)


def test_a_string_that_spans_lines_keeps_its_colour_on_every_line() -> None:
    code = '```python\nx = """first\nsecond def line\nthird"""\ny = 1\n```'
    console = terminal()
    stream(console, pieces(code, 2), FakeClock(), [0.1])
    shown = screen(output(console), styled=True).splitlines()
    second = next(line for line in shown if "second def line" in line)
    first = next(line for line in shown if "first" in line)
    string_style = first[first.index('"""') - 40 : first.index('"""')].rsplit("⟦", 1)[1]
    assert "⟦" + string_style + "second def line" in second  # a string, not the keyword `def`


@pytest.mark.parametrize("language", ["python", "c", "json", "nosuchlanguage", ""])
def test_any_language_streams_to_the_same_screen(language: str) -> None:
    body = '/* a\n comment */\nint x = 1;\n{"a": [1,\n 2]}\n\n\tend\n'
    code = f"```{language}\n{body}```\nafter"
    at_once = terminal()
    stream(at_once, [code])
    streamed = terminal()
    stream(streamed, pieces(code, 4), FakeClock(), [0.1])
    assert screen(output(streamed)) == screen(output(at_once))


def test_an_unclosed_code_block_ends_with_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    code = "```py\nfor i in range(3):\n    print(i)\n\n\n"
    at_once = terminal()
    stream(at_once, [code])
    streamed = terminal()
    stream(streamed, pieces(code, 2), FakeClock(), [0.1])
    assert screen(output(streamed), styled=True) == screen(output(at_once), styled=True)


def highlighted_characters(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sizes: list[int] = []
    highlight = Syntax.highlight

    def counting(self: Syntax, code: str, line_range=None):  # noqa: ANN001, ANN202
        sizes.append(len(code))
        return highlight(self, code, line_range)

    monkeypatch.setattr(Syntax, "highlight", counting)
    return sizes


def test_each_code_line_is_highlighted_a_bounded_number_of_times(monkeypatch: pytest.MonkeyPatch) -> None:
    sizes = highlighted_characters(monkeypatch)
    code = "```python\n" + "".join(f"value_{i} = compute({i}) + 1\n" for i in range(2000)) + "```\n"
    stream(terminal(), pieces(code, 4), FakeClock(), [0.005])
    assert max(sizes) < 200  # never the whole block: a few lines at a time
    assert sum(sizes) < 3 * len(code)


def rendered_markdown(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    sizes: list[int] = []
    init = AnswerMarkdown.__init__

    def counting(self: AnswerMarkdown, markup: str, **kwargs) -> None:  # noqa: ANN003
        sizes.append(len(markup))
        init(self, markup, **kwargs)

    monkeypatch.setattr(AnswerMarkdown, "__init__", counting)
    return sizes


@pytest.mark.parametrize(
    "text",
    [
        # Each several times longer than the live tail's bound below, so a whole re-render would show.
        " ".join(f"word{i} **bold{i}** and `code{i}`" for i in range(150)),
        "| name | count |\n| --- | ---: |\n" + "".join(f"| row {i} | {i} |\n" for i in range(150)),
        "".join(f"- item {i}\n" for i in range(250)),
    ],
    ids=["paragraph", "table", "list"],
)
def test_other_blocks_are_live_at_a_bounded_cost_and_end_laid_out_whole(
    monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    at_once = terminal()
    stream(at_once, [text + "\n\nend"])
    sizes = rendered_markdown(monkeypatch)
    streamed = terminal()
    stream(streamed, pieces(text + "\n\nend", 5), FakeClock(), [0.1])
    assert screen(output(streamed), styled=True) == screen(output(at_once), styled=True)
    whole = [size for size in sizes if size >= len(text.rstrip())]
    assert len(whole) == 1  # laid out whole once, when it ended
    assert max(size for size in sizes if size < len(text.rstrip())) <= 80 * LIVE_LINES + 100


@pytest.mark.parametrize("shrink", [(60, 12), (40, 25), (100, 8)])
def test_a_resize_mid_answer_neither_repeats_nor_loses_lines(shrink: tuple[int, int]) -> None:
    code = "Intro\n\n```\n" + "".join(f"line {i:03}\n" for i in range(120)) + "```\n\nAfter."
    console = terminal(width=80, height=40)
    clock = FakeClock()
    view = AnswerView(console, model="m", clock=clock)
    view.start()
    for index, piece in enumerate(pieces(code, 5)):
        if index == len(code) // 10:
            console.width, console.height = shrink
        clock.now += 0.1
        view.feed(TextDelta(piece))
    view.finish()
    shown = screen(output(console), height=shrink[1])
    assert [shown.count(f"line {i:03}") for i in range(120)] == [1] * 120
    assert shown.index("Intro") < shown.index("line 000") < shown.index("line 119") < shown.index("After.")


HOSTILE = "Hi \x1b]0;PWNED\x1b\\ and \x1b]52;c;cHduZWQ=\x1b\\ end \x1b[2J\x1b[6n \x9b31m \x07"


@pytest.mark.parametrize("console", [terminal(), pipe()], ids=["live", "plain"])
def test_escape_sequences_in_an_answer_never_reach_the_terminal(console: Console) -> None:
    view = AnswerView(console, model="m", clock=FakeClock(), show_thinking=True)
    view.start()
    view.feed(ThinkingDelta("thinking \x1b]0;T\x07\n"))
    for piece in pieces(HOSTILE, 4):
        view.feed(TextDelta(piece))
    view.feed(ThinkingDelta("late \x1b[2J"))
    view.finish(error="provider said \x1b[31mno")
    raw = output(console)
    for sequence in ("\x1b]", "\x1b[2J", "\x1b[6n", "\x9b", "\x07", "\x1b[31mno"):
        assert sequence not in raw
    assert "␛]0;PWNED" in raw and "⟨9b⟩31m" in raw


def test_a_link_shows_its_url_after_its_text_when_they_differ() -> None:
    text = "See [the docs](https://example.com/docs), <https://example.com> and [https://a.b](https://a.b)."
    console = terminal(width=120)
    stream(console, pieces(text), FakeClock(), [0.1])
    assert screen(output(console)) == (
        "See the docs (https://example.com/docs), https://example.com and https://a.b."
    )
    assert "\x1b]8;" in output(console)  # still a hyperlink where the terminal follows them


def test_markdown_off_is_the_switch_for_raw_text() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, color_system=None, theme=theme())
    view = AnswerView(console, model="m", markdown=False)
    view.feed(TextDelta("**raw** text"))
    view.finish()
    assert output(console) == "**raw** text\n"
