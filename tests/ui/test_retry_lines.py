"""A retry before the answer is said: in the REPL's answer view, and on stderr for a one-shot answer."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from app.types import Finish, Retry, TextDelta
from app.ui.answer_view import AnswerView, retry_line
from app.ui.oneshot_view import write_plain
from app.ui.style import make_console


@pytest.mark.parametrize(("delay_s", "said"), [(2.0, "2 s"), (0.5, "0.5 s"), (12.25, "12.2 s"), (0.0, "0 s")])
def test_the_line_names_the_wait_and_the_reason(delay_s: float, said: str) -> None:
    assert retry_line(Retry(1, delay_s, "429")) == f"retrying in {said} (429)"


def test_a_retry_is_a_line_of_its_own_before_the_answer() -> None:
    out = io.StringIO()
    view = AnswerView(make_console(file=out, force_terminal=False, width=80), model="m")
    view.start()
    for event in (Retry(1, 2.0, "429"), TextDelta("Hello"), Finish("stop")):
        view.feed(event)
    view.finish()
    assert out.getvalue() == "retrying in 2 s (429)\nHello\n"


def test_on_a_terminal_the_waiting_line_says_it() -> None:
    out = io.StringIO()
    view = AnswerView(make_console(file=out, force_terminal=True, no_color=True, width=80), model="sonnet")
    view.start()
    try:
        view.feed(Retry(1, 2.0, "529"))
        assert view._status is not None
        assert str(view._status.renderable.text) == "waiting for sonnet… retrying in 2 s (529)"
    finally:
        view.finish()


class _Chat:
    """What `write_plain` reads of a chat: `reply()`, yielding a turn that streams `events`."""

    def __init__(self, *events: object) -> None:
        self._events = events

    @asynccontextmanager
    async def reply(self) -> AsyncIterator[AsyncIterator[object]]:
        async def turn() -> AsyncIterator[object]:
            for event in self._events:
                yield event

        yield turn()


async def test_one_shot_says_it_on_stderr_and_keeps_stdout_the_answer_alone(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    await write_plain(_Chat(Retry(1, 2.0, "429"), TextDelta("Hello"), Finish("stop")), out)  # type: ignore[arg-type]
    assert out.getvalue() == "Hello\n"
    assert capsys.readouterr().err == "orch: retrying in 2 s (429)\n"
