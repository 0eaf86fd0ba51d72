"""A model's, a server's or a stored message's escape sequences never reach the terminal raw from the
REPL's views: /compare panes, chain step lines and output, /history, /search, /sessions, errors
(issue 14, item 1)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from app.chains import StepFailed, StepResult, StepStarted, StepText, plan_chain
from app.chat import Chat, ChatMessage
from app.commands import build_registry
from app.errors import OrchError
from app.types import AnswerRecord, TextDelta
from app.ui import present
from app.ui.chain_view import StepLines, show_final
from app.ui.compare_view import CompareView
from app.ui.style import make_console
from tests.support.chain_world import make_chat

HOSTILE = "Hi \x1b]0;PWNED\x1b\\ and \x1b]52;c;cHduZWQ=\x1b\\ end \x1b[2J\x1b[6n \x9b31m \x1bP+q\x1b\\ \x07"
ONE_CHAIN = "chains:\n  one:\n    steps:\n      - {id: a, prompt: '{{ input }}'}\n"
RAW = ("\x1b]", "\x1b[2J", "\x1b[6n", "\x1bP", "\x9b", "\x07")


def assert_harmless(shown: str) -> None:
    assert not [seq for seq in RAW if seq in shown], repr(shown)
    assert "PWNED" in shown  # made visible, not silently lost


def terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return make_console(file=out, force_terminal=True, no_color=True, width=100), out


@pytest.fixture
def chat(tmp_path: Path) -> Chat:
    return make_chat(tmp_path, ONE_CHAIN, saved=True)


@pytest.mark.parametrize("live", [True, False])
@pytest.mark.parametrize("markdown", [True, False])
def test_compare_panes(live: bool, markdown: bool) -> None:
    view = CompareView(["echo", "slow"], markdown=markdown)
    view.apply(0, TextDelta(HOSTILE))
    view.apply(1, AnswerRecord("slow", status="error", error=f"server said: {HOSTILE}"))
    view.live = live
    console, out = terminal()
    console.print(view)
    assert_harmless(out.getvalue())


def test_chain_step_lines_and_the_final_output(chat: Chat) -> None:
    plan = plan_chain(chat.runtime.config, "one")
    lines = StepLines(plan, "echo")
    lines.apply(StepStarted("a", "echo"))
    lines.apply(StepText("a", HOSTILE))
    console, out = terminal()
    console.print(lines)
    lines.apply(StepFailed(StepResult("a", AnswerRecord("echo", status="error", error=HOSTILE))))
    console.print(lines)
    for markdown in (True, False):
        show_final(console, HOSTILE, markdown=markdown)
    assert_harmless(out.getvalue())


def test_an_error_quoting_a_provider() -> None:
    console, out = terminal()
    present.error(console, OrchError(f"the server answered 400: {HOSTILE}", HOSTILE))
    assert_harmless(out.getvalue())


async def test_history_search_and_sessions(chat: Chat) -> None:
    chat.add_user_message(HOSTILE)
    chat.add_answer(ChatMessage.answer(AnswerRecord("echo", HOSTILE)))
    registry = build_registry()
    console, out = terminal()
    for line in ("/history", "/search PWNED", "/sessions"):
        await present_result(console, await registry.dispatch(chat, line))
    shown = out.getvalue()
    assert_harmless(shown)
    assert shown.count("PWNED") >= 4  # the two messages, a snippet, a title


async def present_result(console: Console, result) -> None:
    from app.commands.results import Notice, Table

    if isinstance(result, Table):
        present.show_table(console, result)
    else:
        assert isinstance(result, Notice)
        present.show_notice(console, result)
