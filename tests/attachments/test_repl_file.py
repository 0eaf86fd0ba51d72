"""/file and /paste through the in-process REPL."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.types import Part
from tests.support.config_files import write_config
from tests.support.pipe_repl import ENTER, make_chat, run_repl


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path / "conf", "default_model: echo\nproviders:\n  echo: {kind: echo}\n",
                        "models:\n  - {name: echo, provider: echo, id: echo}\n")  # fmt: skip


async def test_file_then_a_question_sends_the_file_with_the_question(tmp_path: Path, config_path: Path) -> None:
    Path("notes.txt").write_text("the answer is 42")  # the working folder is the test's own
    s = await run_repl(make_chat(config_path), "/file notes.txt" + ENTER + "what is it?" + ENTER + "/exit" + ENTER)
    assert "attached to the next message: notes.txt 16 B · ~7 tokens" in s.text
    question = s.chat.messages[0]
    assert question.parts == (Part("file", "the answer is 42", name="notes.txt", media_type="text/plain"),
                              Part("text", "what is it?"))  # fmt: skip
    assert s.chat.attachments == []


async def test_file_clear_and_a_binary_refused(config_path: Path) -> None:
    Path("x.bin").write_bytes(b"\x00\x01")
    Path("a.txt").write_text("a")
    s = await run_repl(make_chat(config_path), "/file x.bin" + ENTER + "/file a.txt" + ENTER + "/file --clear" + ENTER
                       + "/exit" + ENTER)  # fmt: skip
    assert "x.bin is binary: not attached" in s.text and "nothing attached" in s.text
    assert s.chat.attachments == []


async def test_paste_without_a_clipboard_tool_is_a_clear_line(config_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(Path.cwd()))  # no wl-paste, xclip or pbpaste there
    s = await run_repl(make_chat(config_path), "/paste" + ENTER + "/exit" + ENTER)
    assert "no clipboard tool found (wl-paste, xclip or pbpaste)" in s.text


def test_file_completes_paths_folders_with_their_slash(config_path: Path) -> None:
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from app.ui.completer import CommandCompleter
    from tests.support.pipe_repl import open_repl

    Path("src/sub").mkdir(parents=True)
    Path("src/main.py").write_text("")
    Path("notes.md").write_text("")
    Path(".hidden").write_text("")
    with open_repl(make_chat(config_path)) as s:
        completer = CommandCompleter(lambda: s.repl.registry.context(s.chat))

    def complete(text: str) -> list[tuple[str, int]]:
        return [(c.text, c.start_position) for c in completer.get_completions(Document(text), CompleteEvent())]

    assert complete("/file ") == [("notes.md", 0), ("src/", 0)]
    assert complete("/file src/") == [("src/main.py", -4), ("src/sub/", -4)]
    assert complete("/file notes.md s") == [("src/", -1)]
    assert complete("/file .h") == [(".hidden", -2)]
    assert complete("/file --cl") == [] and complete("/file max_mb=") == []
