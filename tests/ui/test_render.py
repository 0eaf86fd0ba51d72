"""The streaming answer renderer, printed to StringIO consoles.

Live output is full of cursor moves, so the tests replay it through a tiny
terminal emulator (`tests.ui.screens.screen`) and compare what a user would end up seeing.
"""

from __future__ import annotations

import asyncio
import io
import re
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.markdown import Markdown

from app.providers.base import TextDelta, ThinkingDelta, Usage
from app.types import AnswerRecord
from app.ui.render import AnswerView, BlockSplitter, Footer, split_blocks
from app.ui.style import STYLES, make_console, theme
from tests.ui.screens import FakeClock, chunks_of, output, pipe, screen, stream, terminal

ANSWER = """Here is a plan:

1. First item
2. Second item

3. Third item, loose

Some code:
```python
def double(x):

    return x * 2
```
And a table:

| name | count |
|------|------:|
| a    | 1     |

> quoted
> text

## A heading
- bullet with `code`
- bullet two

~~~
tilde fence

```
still inside
~~~

Final paragraph with **bold** and *emphasis*."""


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES"):
        monkeypatch.delenv(name, raising=False)


def all_blocks(text: str) -> list[str]:
    splitter = BlockSplitter()
    return splitter.feed(text) + splitter.close()


# --- the splitter -------------------------------------------------------------


def test_blocks_are_what_blank_lines_separate() -> None:
    assert all_blocks("one\ntwo\n\n\nthree\n\n# four\n") == ["one\ntwo", "three", "# four"]


def test_a_loose_list_stays_one_block() -> None:
    text = "1. a\n\n2. b\n\n   more of b\n\n3. c\n\nafter"
    assert all_blocks(text) == ["1. a\n\n2. b\n\n   more of b\n\n3. c", "after"]


def test_a_fence_under_a_paragraph_starts_its_own_block_and_ends_at_its_close() -> None:
    text = "Code:\n```sh\nls\n\n\npwd\n```\nAfter"
    assert all_blocks(text) == ["Code:", "```sh\nls\n\n\npwd\n```", "After"]


def test_inline_triple_backticks_do_not_open_a_fence() -> None:
    assert all_blocks("say ```x``` here\n\nnext") == ["say ```x``` here", "next"]


def test_a_fence_closes_only_with_its_own_marker() -> None:
    text = "~~~\n```\n\n~~\n~~~~\n\nafter"
    assert all_blocks(text) == ["~~~\n```\n\n~~\n~~~~", "after"]


def test_split_blocks_keeps_the_unfinished_tail() -> None:
    assert split_blocks("a\n\nb\n\nc is still") == (["a"], "b\n\nc is still")
    assert split_blocks("```\nx\n\ny") == ([], "```\nx\n\ny")


fence = st.sampled_from(["```", "~~~", "````"])
pieces = st.one_of(
    st.text(alphabet="ab *-_`#>|.\n", max_size=30),
    st.builds(lambda f, body: f"{f}py\n{body}\n{f}", fence, st.text(alphabet="ab \n`~", max_size=30)),
    st.sampled_from(["\n\n", "1. x\n", "- y\n", "    code\n", "| a | b |\n|---|---|\n"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces, max_size=12).map("".join), st.lists(st.integers(min_value=0), max_size=40))
def test_any_chunking_gives_the_blocks_of_the_whole_text(text: str, cuts: list[int]) -> None:
    whole = all_blocks(text)
    splitter = BlockSplitter()
    streamed = [block for chunk in chunks_of(text, cuts) for block in splitter.feed(chunk)] + splitter.close()
    assert streamed == whole
    # Nothing lost, nothing repeated.
    assert [line for block in whole for line in block.splitlines() if line.strip()] == [
        line for line in text.splitlines() if line.strip()
    ]


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces, max_size=12).map("".join))
def test_no_block_ends_inside_a_fence(text: str) -> None:
    finished, _ = split_blocks(text)
    for block in finished:
        open_fence: tuple[str, int] | None = None
        for line in block.splitlines():
            marker = re.match(r"\s*(`{3,}|~{3,})(.*)", line)
            if marker is None:
                continue
            mark, rest = marker.groups()
            if open_fence is None and not (mark[0] == "`" and "`" in rest):
                open_fence = (mark[0], len(mark))
            elif open_fence and mark[0] == open_fence[0] and len(mark) >= open_fence[1] and not rest.strip():
                open_fence = None
        assert open_fence is None, block


# --- live markdown ------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.integers(min_value=0), min_size=1, max_size=200),
    st.lists(st.sampled_from([0.0, 0.01, 0.05, 0.2]), min_size=1, max_size=10),
)
def test_a_streamed_answer_ends_as_the_whole_answer_rendered_at_once(cuts: list[int], steps: list[float]) -> None:
    at_once = terminal()
    stream(at_once, [ANSWER])
    streamed = terminal()
    stream(streamed, chunks_of(ANSWER, cuts), FakeClock(), steps)
    assert screen(output(streamed)) == screen(output(at_once))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(pieces, max_size=10).map("".join),
    st.lists(st.integers(min_value=0), max_size=60),
    st.lists(st.sampled_from([0.0, 0.01, 0.2]), min_size=1, max_size=5),
)
def test_any_streamed_text_ends_as_rendered_at_once(text: str, cuts: list[int], steps: list[float]) -> None:
    at_once = terminal()
    stream(at_once, [text])
    streamed = terminal()
    stream(streamed, chunks_of(text, cuts), FakeClock(), steps)
    assert screen(output(streamed)) == screen(output(at_once))


def test_blocks_rendered_apart_look_like_the_whole_document() -> None:
    view_console = terminal()
    stream(view_console, [ANSWER[i : i + 3] for i in range(0, len(ANSWER), 3)], FakeClock(), [0.03])
    whole = terminal()
    whole.print(Markdown(ANSWER))
    assert screen(output(view_console)) == screen(output(whole))


def test_a_code_block_split_across_chunks_renders_as_highlighted_code() -> None:
    code = "Look:\n\n```python\ndef double(x):\n    return x * 2\n```\n\nDone."
    console = terminal()
    stream(console, list(code), FakeClock(), [0.05])
    shown = screen(output(console))
    assert "def double(x):" in shown and "return x * 2" in shown
    assert "```" not in shown and "python" not in shown
    final = output(console).rsplit("Look:", 1)[1]
    assert re.search(r"\x1b\[[0-9;]*38;2;[0-9;]*mdef", final)  # `def` coloured by the theme


def test_a_tail_taller_than_the_screen_is_neither_cut_nor_repeated() -> None:
    code = "Intro\n\n```\n" + "".join(f"line {i:02}\n" for i in range(60)) + "```\n\nAfter."
    console = terminal(width=40, height=20)
    stream(console, [code[i : i + 5] for i in range(0, len(code), 5)], FakeClock(), [0.1])
    shown = screen(output(console), height=20)
    assert [shown.count(f"line {i:02}") for i in range(60)] == [1] * 60
    assert shown.index("Intro") < shown.index("line 00") < shown.index("line 59") < shown.index("After.")


def test_finished_blocks_are_printed_once_and_refreshes_are_throttled() -> None:
    clock = FakeClock()
    console = terminal()
    view = AnswerView(console, model="m", clock=clock)
    view.start()
    view.feed(TextDelta("first paragraph\n\nsecond"))
    written = len(output(console))
    for word in [" word"] * 50:  # no time passes: no redraws
        view.feed(TextDelta(word))
    assert len(output(console)) == written
    clock.now += 1
    view.feed(TextDelta("."))
    assert "second" + " word" * 50 + "." in " ".join(screen(output(console)).split())
    view.finish()
    assert screen(output(console)).count("first paragraph") == 1


async def test_a_pause_in_the_stream_still_shows_the_last_text() -> None:
    console = terminal()
    view = AnswerView(console, model="m", refresh_per_second=100)
    view.start()
    view.feed(TextDelta("a"))
    view.feed(TextDelta("bc"))  # within the interval: deferred, not dropped
    await asyncio.sleep(0.05)
    assert "abc" in screen(output(console))
    view.finish()


def test_waiting_shows_a_status_line_that_goes_away() -> None:
    console = terminal()
    view = AnswerView(console, model="sonnet", clock=FakeClock())
    view.start()
    view.feed(Usage(input_tokens=5))  # not text: still waiting
    view.feed(TextDelta("Hi"))
    view.finish()
    assert "waiting for sonnet…" in output(console)
    assert screen(output(console)) == "Hi"


# --- thinking -----------------------------------------------------------------


def test_thinking_is_dimmed_and_apart_from_the_answer() -> None:
    console = terminal()
    view = AnswerView(console, model="m", clock=FakeClock())
    view.start()
    for piece in ["Let me ", "think.\n\nStill", " thinking"]:
        view.feed(ThinkingDelta(piece))
    view.feed(TextDelta("The **answer**."))
    view.finish()
    raw = output(console)
    assert screen(raw) == "Let me think.\n\nStill thinking\n\nThe answer."
    assert re.search(r"\x1b\[2;3mLet me think\.", raw)  # dim italic
    assert "\nThe \x1b[1manswer" in raw  # the answer is not dimmed


def test_thinking_after_the_answer_began_is_never_mixed_into_it() -> None:
    console = terminal()
    view = AnswerView(console, model="m", clock=FakeClock())
    view.start()
    view.feed(TextDelta("The answer "))
    view.feed(ThinkingDelta("an afterthought"))
    view.feed(TextDelta("goes on."))
    view.finish()
    assert screen(output(console)) == "The answer goes on.\n\nan afterthought"


def test_thinking_stays_out_of_piped_output() -> None:
    console = pipe()
    view = AnswerView(console, model="m")
    view.start()
    view.feed(ThinkingDelta("hmm"))
    view.feed(TextDelta("answer"))
    view.finish()
    assert output(console) == "answer\n"


# --- plain output -------------------------------------------------------------

PLAIN = "# Title\n\n* not a bullet to render\n\ttab\r\nwindows line\n```\ncode\n```\n[b]not markup[/b] :smile:"


@pytest.mark.parametrize(
    "console, markdown",
    [(pipe(), True), (terminal(), False)],
    ids=["pipe", "markdown-off"],
)
def test_plain_mode_passes_text_through_but_for_control_characters(console: Console, markdown: bool) -> None:
    view = AnswerView(console, model="m", markdown=markdown)
    assert not view.live
    view.start()
    for i in range(0, len(PLAIN), 3):
        view.feed(TextDelta(PLAIN[i : i + 3]))
    view.finish()
    assert output(console) == PLAIN.replace("\r", "") + "\n"  # a carriage return only moves the cursor


@pytest.mark.parametrize(
    "console",
    [
        Console(file=io.StringIO(), force_terminal=True, color_system=None, theme=theme()),
        make_console(file=io.StringIO(), force_terminal=True, no_color=True),
    ],
    ids=["no-colour-system", "no-color"],
)
def test_without_colour_markdown_is_still_laid_out(console: Console) -> None:
    view = AnswerView(console, model="m", clock=FakeClock())
    assert view.live
    view.start()
    for i in range(0, len(ANSWER), 3):
        view.feed(TextDelta(ANSWER[i : i + 3]))
    view.finish()
    raw = output(console)
    assert not re.search(r"\x1b\[[0-9;]*m", raw)  # no colour, no bold: NO_COLOR takes every style
    whole = Console(file=io.StringIO(), width=80, force_terminal=True, color_system=None, theme=theme())
    whole.print(Markdown(ANSWER))
    assert screen(raw) == screen(output(whole))
    assert "**bold**" not in screen(raw) and "```python" not in screen(raw)


def test_plain_mode_adds_no_newline_to_an_answer_that_ends_with_one() -> None:
    console = pipe()
    view = AnswerView(console, model="m")
    view.feed(TextDelta("done\n"))
    view.finish()
    assert output(console) == "done\n"


def test_plain_thinking_on_a_terminal_comes_first_and_apart() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, color_system=None, theme=theme())
    view = AnswerView(console, model="m", markdown=False)
    view.feed(ThinkingDelta("pondering"))
    view.feed(TextDelta("answer"))
    view.finish()
    assert output(console) == "pondering\n\nanswer\n"


# --- footer and endings -------------------------------------------------------


def test_footer_format() -> None:
    assert str(Footer("sonnet", 12, 340, 0.0051, 2.34)) == "sonnet · 12→340 tokens · $0.0051 · 2.3s"
    assert str(Footer("echo", 3, 3, None, 0.04)) == "echo · 3→3 tokens · 0.0s"
    assert str(Footer("m", None, 7, 0.00001)) == "m · ?→7 tokens · <$0.0001"
    assert str(Footer("m")) == "m"


def test_the_footer_of_a_record_shows_its_usage_cost_and_time() -> None:
    record = AnswerRecord("sonnet", "x", input_tokens=12, output_tokens=340, cost=0.0051, seconds=2.3)
    assert str(Footer.of(record)) == "sonnet · 12→340 tokens · $0.0051 · 2.3s"
    assert Footer.of(AnswerRecord("sonnet", "x")).cost is None


def test_footer_is_one_dim_line_under_the_answer() -> None:
    console = terminal()
    view = AnswerView(console, model="sonnet", clock=FakeClock())
    view.start()
    view.feed(TextDelta("Hello."))
    view.finish(Footer("sonnet", 12, 340, 0.0051, 2.3))
    assert screen(output(console)) == "Hello.\nsonnet · 12→340 tokens · $0.0051 · 2.3s"
    assert "\x1b[2msonnet · 12→340" in output(console)


def test_an_interrupted_answer_keeps_its_text_and_is_marked() -> None:
    console = terminal()
    view = AnswerView(console, model="m", clock=FakeClock())
    view.start()
    view.feed(TextDelta("Partial paragraph\n\n```py\nx = 1"))
    view.finish(Footer("m", 1, 2), interrupted=True)
    view.finish(interrupted=True)  # a second call does nothing
    shown = screen(output(console))
    assert shown.startswith("Partial paragraph\n")
    assert "x = 1" in shown
    assert shown.endswith("[interrupted]\nm · 1→2 tokens")


def test_an_error_is_shown_in_the_error_style() -> None:
    console = terminal()
    view = AnswerView(console, model="m", clock=FakeClock())
    view.start()
    view.finish(error="anthropic: rate limited (429); try again in a minute")
    raw = output(console)
    assert screen(raw) == "anthropic: rate limited (429); try again in a minute"
    assert "\x1b[1;31manthropic: rate limited" in raw


def test_plain_endings_carry_no_ansi() -> None:
    console = pipe()
    view = AnswerView(console, model="m")
    view.feed(TextDelta("partial"))
    view.finish(Footer("m", 1, 2), interrupted=True, error="boom")
    assert output(console) == "partial\n[interrupted]\nboom\nm · 1→2 tokens\n"


# --- style ------------------------------------------------------------------------


def test_theme_names_styles_by_meaning() -> None:
    names = set(theme().styles)
    assert {"chat.thinking", "chat.footer", "chat.error", "chain.step.done", "prompt.model"} <= names
    assert set(STYLES) <= names


@pytest.mark.parametrize(
    "kwargs, env",
    [({"no_color": True}, {}), ({}, {"NO_COLOR": "1"})],
    ids=["flag", "env"],
)
def test_no_color_means_no_ansi_at_all(kwargs: dict, env: dict) -> None:
    console = make_console(file=io.StringIO(), force_terminal=True, env=env, **kwargs)
    console.print("[bold]x[/bold]", style="chat.error")
    assert output(console) == "x\n"


def test_colour_stays_on_a_terminal_unless_disabled() -> None:
    console = make_console(file=io.StringIO(), force_terminal=True, env={"NO_COLOR": ""})
    console.print("x", style="chat.error")
    assert "\x1b[" in output(console)


def test_style_module_stays_light() -> None:
    code = "import sys, app.ui.style; assert not any(m.startswith('rich') for m in sys.modules), sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)
