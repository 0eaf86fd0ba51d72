"""The chip above the prompt: what waits for the next message, through the in-process REPL."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.types import Part
from app.ui.chip import Chip
from tests.support.attachment_files import PNG
from tests.support.config_files import write_config
from tests.support.pipe_repl import ENTER, make_chat, open_repl


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path / "conf", "default_model: echo\nproviders:\n  echo: {kind: echo}\n",
                        "models:\n  - {name: echo, provider: echo, id: echo, vision: true}\n")  # fmt: skip


def _prompts_while(chat, *keys: str) -> tuple[list[str], object]:
    """Every prompt the REPL drew while `keys` were typed, as plain text."""
    drawn: list[str] = []

    async def run():
        with open_repl(chat) as s:
            message = s.repl.prompt_message

            def recorded():
                fragments = message()
                drawn.append("".join(text for _, text in fragments))
                return fragments

            s.repl.prompt_message = recorded
            await s.run(*keys)
        return s

    return drawn, run


async def test_the_chip_names_what_waits_and_goes_once_the_message_is_sent(config_path: Path) -> None:
    Path("notes.txt").write_text("the answer is 42")
    Path("cat.png").write_bytes(PNG)
    drawn, run = _prompts_while(make_chat(config_path), "/file notes.txt cat.png" + ENTER, "what is it?" + ENTER)
    s = await run()
    chip = "📎 notes.txt 16 B · cat.png 70 B · ~1,607 tokens\n"
    assert drawn[0] == "echo> "
    assert chip + "echo> " in drawn
    assert drawn[-1] == "echo> "  # the question took the attachments with it
    assert s.chat.messages[0].attachments[0].name == "notes.txt"


async def test_file_clear_takes_the_chip_away(config_path: Path) -> None:
    Path("a.txt").write_text("a")
    drawn, run = _prompts_while(make_chat(config_path), "/file a.txt" + ENTER, "/file --clear" + ENTER)
    await run()
    assert "📎 a.txt 1 B · ~2 tokens\necho> " in drawn
    assert drawn[-1] == "echo> "


def test_without_colour_the_chip_is_plain_text(monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert Chip().fragments([Part("file", "hi", name="a.txt")]) == [("", "attached: a.txt 2 B · ~2 tokens\n")]


def test_names_are_shown_made_visible_and_the_line_is_worked_out_once(monkeypatch) -> None:
    chip = Chip()
    parts = [Part("file", "x" * 10, name="evil\x1b[2Jname")]
    first = chip.line(parts)
    assert "\x1b" not in first and first.startswith("📎 evil")
    monkeypatch.setattr("app.attachments.describe", lambda *a: pytest.fail("worked out again"))
    assert chip.line(list(parts)) == first
    assert chip.line([]) == ""
