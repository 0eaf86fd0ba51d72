"""A read-only home: the REPL starts, says once that history is not saved, and chats with history in memory."""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from app.cli import oneshot
from app.cli.wiring import Invocation, Wiring
from app.store import DB_NAME
from app.ui import repl as repl_module
from app.ui.style import make_console

NOT_SAVED = "History is not saved in this session"


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    (tmp_path / "config.yaml").write_text("default_model: echo\nproviders:\n  echo: {kind: echo}\n")
    (tmp_path / "models.yaml").write_text("models:\n  - {name: echo, provider: echo, id: echo}\n")
    return tmp_path / "config.yaml"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "orch-home"


def read_only_below(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """The file system under `folder` reports itself mounted read-only (as `mount -o ro` would)."""
    real = os.statvfs

    def statvfs(path):
        stats = real(path)
        flag = stats.f_flag | os.ST_RDONLY if Path(path).is_relative_to(folder) else stats.f_flag
        return SimpleNamespace(f_flag=flag, f_bavail=stats.f_bavail)

    monkeypatch.setattr(os, "statvfs", statvfs)


def run_typed(monkeypatch: pytest.MonkeyPatch, wiring: Wiring, typed: str) -> SimpleNamespace:
    """`_repl(wiring)` with `typed` as the keyboard; what it was started with and what it showed."""
    seen = SimpleNamespace(out=io.StringIO())

    def run_repl(chat, *, history_path, vi_mode, greeting):
        seen.chat, seen.history_path, seen.greeting = chat, history_path, greeting
        with create_pipe_input() as pipe:
            pipe.send_text(typed)
            console = make_console(file=seen.out, force_terminal=False, width=200)
            repl = repl_module.Repl(chat, console, history_path=history_path, input=pipe, output=DummyOutput())
            rc = asyncio.run(repl.run())
            seen.chat = repl.chat  # wired while the first prompt was up
            return rc

    monkeypatch.setattr(repl_module, "run_repl", run_repl)
    seen.rc = oneshot._repl(wiring)
    seen.text = seen.out.getvalue()
    return seen


def test_a_read_only_home_is_said_once_and_the_repl_chats_in_memory(monkeypatch, config_path, home):
    home.mkdir()
    read_only_below(monkeypatch, home)
    wiring = Wiring(Invocation(config_path=str(config_path), home=str(home)))
    seen = run_typed(monkeypatch, wiring, "hello\rsecond\r\x04")
    assert seen.rc == 0
    assert [line for line in seen.greeting if NOT_SAVED in line] == [
        f"{NOT_SAVED}: {home} is on a read-only file system."
    ]
    assert seen.history_path is None and seen.chat.store is None  # input history in memory; no store
    assert [m.content for m in seen.chat.messages] == ["hello", "hello", "second", "second"]
    assert "cannot" not in seen.text and "internal error" not in seen.text and "Unhandled" not in seen.text
    assert not (home / DB_NAME).exists() and not (home / "input_history").exists()  # nothing was tried


def test_a_home_that_cannot_be_made_still_starts(monkeypatch, config_path, home):
    read_only_below(monkeypatch, home.parent)

    def mkdir(self, *args, **kwargs):
        raise OSError(30, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", mkdir)
    seen = run_typed(monkeypatch, Wiring(Invocation(config_path=str(config_path), home=str(home))), "hi\r\x04")
    assert seen.rc == 0 and f"{NOT_SAVED}: {home} is on a read-only file system." in seen.greeting
    assert [m.content for m in seen.chat.messages] == ["hi", "hi"]


def test_an_input_history_that_cannot_be_written_is_kept_in_memory(monkeypatch, config_path, home):
    home.mkdir()
    (home / "input_history").write_text("")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path).name != "input_history" and real_access(path, mode))
    seen = run_typed(monkeypatch, Wiring(Invocation(config_path=str(config_path), home=str(home))), "hi\r\x04")
    assert seen.history_path is None
    assert not any(NOT_SAVED in line for line in seen.greeting) and seen.chat.store is not None  # history is saved
    assert (home / "input_history").read_text() == ""


def test_a_writable_home_keeps_its_input_history_file(monkeypatch, config_path, home):
    seen = run_typed(monkeypatch, Wiring(Invocation(config_path=str(config_path), home=str(home))), "hi\r\x04")
    assert seen.history_path == home / "input_history"
    assert "hi" in (home / "input_history").read_text()
    assert not any(NOT_SAVED in line for line in seen.greeting)
