"""The table from Result type to action: complete, and each action doing its one thing."""

from __future__ import annotations

import io
import typing

import pytest

from app.commands import results as r
from app.ui.actions import ACTIONS, ExitRepl, NextInput, carry_out
from app.ui.style import make_console


def test_every_result_type_has_exactly_one_action() -> None:
    types = typing.get_args(r.Result)
    assert len(types) == len(set(types))
    assert set(ACTIONS) == set(types)


class FakePrompts:
    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.questions: list[str] = []

    async def confirm(self, question: str) -> bool:
        self.questions.append(question)
        return self.answers.pop(0)


class FakeScreen:
    """What the actions act on, without a prompt or a conversation."""

    def __init__(self, *answers: bool) -> None:
        self.chat = None
        self.out = io.StringIO()
        self.console = make_console(file=self.out, force_terminal=False, width=80)
        self.prompts = FakePrompts(*answers)
        self.next_input = NextInput()

    @property
    def text(self) -> str:
        return self.out.getvalue()


async def test_notices_tables_and_several_results_are_printed_in_order() -> None:
    screen = FakeScreen()
    table = r.Table(["name", "size"], [["a", 1]], note="a note")
    await carry_out(screen, r.Results([r.Notice("first"), table, None, r.MarkdownText("**last**")]))
    text = screen.text
    assert text.index("first") < text.index("name") < text.index("a note") < text.index("last")
    assert "**" not in text  # laid out as markdown


async def test_a_confirmed_action_runs_and_its_result_is_shown() -> None:
    screen = FakeScreen(True, False)
    ran: list[str] = []

    async def action() -> r.Result:
        ran.append("yes")
        return r.Notice("done it")

    await carry_out(screen, r.Confirm("Really?", action))
    await carry_out(screen, r.Confirm("Again?", action))
    assert screen.prompts.questions == ["Really?", "Again?"]
    assert ran == ["yes"]
    assert "done it" in screen.text and "cancelled" in screen.text


async def test_edit_and_model_menu_shape_the_next_prompt() -> None:
    screen = FakeScreen()
    await carry_out(screen, r.EditInput("the old words", 2))
    assert "Edit the message" in screen.text
    assert screen.next_input.take_prompt() == ("the old words", False)
    assert screen.next_input.take_prompt() == ("", False)  # for one prompt only
    assert screen.next_input.take_edit() == 2
    assert screen.next_input.take_edit() is None

    await carry_out(screen, r.PickModel())
    assert screen.next_input.take_prompt() == ("/model ", True)
    assert screen.next_input.take_edit() is None


async def test_exit_leaves_the_loop() -> None:
    with pytest.raises(ExitRepl):
        await carry_out(FakeScreen(), r.Results([r.Notice("bye"), r.Exit(), r.Notice("never")]))
