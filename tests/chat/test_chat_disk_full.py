"""A disk that fills mid-session: the user is told once, the chat goes on in memory, history.db keeps what it had."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from app import config as config_module
from app.chat import Chat
from app.keys import KeyRing
from app.runtime import Runtime
from app.store import DB_NAME, Store, StoreError
from app.ui.repl import Repl
from app.ui.style import make_console

NOT_SAVED = "History is not being saved from now on"
TWO = "two " * 3000  # more than the free room in the pages there are: it needs a new one


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / DB_NAME


def make_chat(tmp_path: Path, db: Path) -> Chat:
    (tmp_path / "config.yaml").write_text("default_model: echo\nproviders:\n  echo: {kind: echo}\n")
    (tmp_path / "models.yaml").write_text("models:\n  - {name: echo, provider: echo, id: echo}\n")
    cfg, _ = config_module.load(str(tmp_path / "config.yaml"))
    runtime = Runtime(cfg, KeyRing(tmp_path / "vault.enc"))
    return Chat(runtime, runtime.model("echo"), store=Store(db))


def fill_the_disk(store: Store) -> None:
    """No page may be added any more: every write fails as on a full disk (SQLITE_FULL)."""
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages}")


async def exchange(chat: Chat, text: str) -> None:
    chat.add_user_message(text)
    async with chat.reply() as turn:
        async for _ in turn:
            pass


def stored_texts(db: Path) -> list[str]:
    with Store(db) as store:
        conversation = store.latest_conversation()
        assert conversation is not None
        return [m.content for m in store.branch(conversation.id)]


def test_a_full_disk_is_told_once_and_the_chat_goes_on_in_memory(tmp_path, db):
    chat = make_chat(tmp_path, db)
    asyncio.run(exchange(chat, "one"))
    fill_the_disk(chat.store)

    with pytest.raises(StoreError, match=NOT_SAVED) as told:
        asyncio.run(exchange(chat, TWO))
    assert "no space left" in told.value.message and "memory" in told.value.hint
    assert [m.content for m in chat.messages] == ["one", "one", TWO, TWO]  # the answer was kept
    assert chat.store is None and chat.history_lost is not None

    asyncio.run(exchange(chat, "three"))  # not told again
    assert [m.content for m in chat.wire_messages()] == ["one", "one", TWO, TWO, "three", "three"]
    assert stored_texts(db) == ["one", "one"]  # history.db has what it had, and nothing half-written


def test_edit_undo_and_settings_go_on_in_memory_once_the_store_is_given_up(tmp_path, db):
    chat = make_chat(tmp_path, db)
    asyncio.run(exchange(chat, "one"))
    fill_the_disk(chat.store)
    chat.add_user_message(TWO)  # the write fails; the message stays, nothing is raised here
    assert chat.store is None and chat.messages[-1].content == TWO
    chat.edit(0, "uno")
    assert chat.undo() == 1 and chat.messages == []
    assert stored_texts(db) == ["one", "one"]


def test_the_repl_says_it_once_and_chats_on(tmp_path, db):
    chat = make_chat(tmp_path, db)
    chat.store._conn.execute("PRAGMA query_only = ON")  # every write fails from the first one
    out = io.StringIO()
    with create_pipe_input() as pipe:
        pipe.send_text("hello\rsecond\rthird\r\x04")
        repl = Repl(chat, make_console(file=out, force_terminal=False, width=200), history_path=None,
                    input=pipe, output=DummyOutput())  # fmt: skip
        asyncio.run(repl.run())
    text = out.getvalue()
    assert text.count(NOT_SAVED) == 1
    assert "internal error" not in text and "cannot save" not in text.split(NOT_SAVED)[1]
    assert [m.content for m in chat.messages] == ["hello", "hello", "second", "second", "third", "third"]
