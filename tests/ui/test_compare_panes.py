"""/compare panes: markdown while they stream, and footers that fit (issue 10, items 6 and 14)."""

from __future__ import annotations

import io
import re

from app.types import AnswerRecord, TextDelta
from app.ui.compare_view import CompareView, pane_footer
from app.ui.style import make_console

ANSWER = "# Heading\n\nSome **bold** words, then a list:\n\n- one\n- two\n"


def shown(view: CompareView, width: int, height: int = 30) -> str:
    out = io.StringIO()
    console = make_console(file=out, force_terminal=True, no_color=True, width=width)
    console.height = height
    console.print(view)
    return out.getvalue()


def test_streaming_panes_show_rendered_markdown_not_its_marks() -> None:
    view = CompareView(["a", "b"], markdown=True)
    for index in (0, 1):
        view.apply(index, TextDelta(ANSWER))
    screen = shown(view, 120)
    assert "Heading" in screen and "bold words" in screen
    assert "# Heading" not in screen and "**" not in screen and "- one" not in screen


def test_a_long_streaming_pane_shows_its_newest_lines() -> None:
    view = CompareView(["a"], markdown=True)
    view.apply(0, TextDelta("".join(f"paragraph {n}\n\n" for n in range(500))))
    screen = shown(view, 80, height=20)
    assert "paragraph 499" in screen and "paragraph 0\n" not in screen


def test_five_panes_at_120_columns_never_cut_a_number() -> None:
    view = CompareView([f"model{n}" for n in range(5)])
    for n in range(5):
        view.apply(n, AnswerRecord(f"model{n}", "text", input_tokens=1234, output_tokens=5678,
                                               cost=0.0123, seconds=12.3))  # fmt: skip
    view.live = False
    bottom = [line for line in shown(view, 120).splitlines() if line.startswith("╰")][0]
    assert bottom.count("1234→5678 tokens") == 5
    assert not re.search(r"\$0\.─|\d─", bottom)


def test_pane_footers_drop_seconds_then_cost_and_say_na_for_unknown_usage() -> None:
    record = AnswerRecord("m", "x", input_tokens=12, output_tokens=340, cost=0.0051, seconds=2.3)
    assert pane_footer(record, 80) == "12→340 tokens · $0.0051 · 2.3s"
    assert pane_footer(record, 25) == "12→340 tokens · $0.0051"
    assert pane_footer(record, 15) == "12→340 tokens"
    assert pane_footer(record, 4) == ""
    unknown = AnswerRecord("m", "x", status="interrupted", seconds=1.0)
    assert pane_footer(unknown, 80) == "cancelled · tokens n/a · cost n/a · 1.0s"
    assert "0 tokens" not in pane_footer(unknown, 80) and "$0.0000" not in pane_footer(unknown, 80)
