"""/history shows the last screenful of messages, numbered as ever; --all shows every one."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from app.chat import ChatMessage
from app.commands import build_registry
from app.commands.conversations import HISTORY_MARGIN, history
from app.commands.registry import CommandContext
from app.commands.results import Table
from app.errors import UsageError


def context(count: int) -> CommandContext:
    messages = [ChatMessage("user", f"message {i}") for i in range(1, count + 1)]
    return CommandContext(chat=SimpleNamespace(messages=messages), registry=build_registry())


@pytest.fixture(autouse=True)
def _screen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.get_terminal_size", lambda fallback=(80, 24): os.terminal_size((80, 30)))


async def test_a_long_history_shows_its_last_screenful_with_its_numbers() -> None:
    result = await history(context(2000), "")
    assert isinstance(result, Table)
    assert len(result.rows) == 30 - HISTORY_MARGIN
    assert result.rows[0][0] == str(2000 - len(result.rows) + 1) and result.rows[-1] == ["2000", "user", "message 2000"]
    assert result.note == f"the last {30 - HISTORY_MARGIN} of 2000 messages; /history --all shows every one"


async def test_all_shows_every_message_and_a_short_history_is_whole() -> None:
    everything = await history(context(2000), "--all")
    assert len(everything.rows) == 2000 and everything.note is None
    short = await history(context(3), "")
    assert [row[0] for row in short.rows] == ["1", "2", "3"] and short.note is None


async def test_anything_else_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="/history"):
        await history(context(3), "everything")


async def test_all_is_paged_when_taller_than_the_screen_and_only_then() -> None:
    assert (await history(context(2000), "--all")).paged
    assert not (await history(context(2000), "")).paged
    assert not (await history(context(3), "--all")).paged


def test_a_paged_table_goes_through_the_users_pager_on_a_terminal(tmp_path, monkeypatch) -> None:
    import io
    import shlex
    import sys

    from app.ui.present import show_table
    from app.ui.style import make_console

    paged = tmp_path / "paged.txt"
    script = f"import sys; open({str(paged)!r}, 'w').write(sys.stdin.read())"
    monkeypatch.setenv("PAGER", shlex.join([sys.executable, "-c", script]))
    table = Table(["#", "message"], [[str(i), f"line {i}\x1b[2J"] for i in range(1, 101)], paged=True)

    out = io.StringIO()
    show_table(make_console(file=out, force_terminal=True, width=80), table)
    text = paged.read_text()
    assert "line 1" in text and "line 100" in text and "\x1b" not in text  # escapes shown, never passed on
    assert "line 1 " not in out.getvalue()

    paged.unlink()
    out = io.StringIO()
    show_table(make_console(file=out, width=80), table)  # not a terminal: printed, no pager
    assert not paged.exists() and "line 100" in out.getvalue()


def test_no_pager_to_run_means_none(monkeypatch) -> None:
    from app.ui.pager import CommandPager

    assert CommandPager.found({"PAGER": "no-such-pager-anywhere"}) is None
    assert CommandPager.found({"PAGER": "'unclosed"}) is None
