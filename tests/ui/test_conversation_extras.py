"""/history marks, the recap on resume, stable /branches numbers, /export into a folder (issue 10's
smaller items)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.chat import Chat, ChatMessage
from app.commands import build_registry
from app.commands.conversations import resume
from app.commands.registry import Registry
from app.types import AnswerRecord
from tests.support.chain_world import make_chat


@pytest.fixture
def chat(tmp_path: Path) -> Chat:
    return make_chat(tmp_path, saved=True)


@pytest.fixture
def registry() -> Registry:
    return build_registry()


async def answer(chat: Chat, text: str) -> None:
    chat.add_user_message(text)
    async with chat.reply() as turn:
        async for _ in turn:
            pass


async def test_history_marks_what_did_not_end_whole(registry: Registry, chat: Chat) -> None:
    chat.add_user_message("first")
    chat.add_answer(ChatMessage.answer(AnswerRecord("echo", "cut by ctrl-c", status="interrupted")))
    chat.add_user_message("second")
    chat.add_answer(ChatMessage.answer(AnswerRecord("echo", "cut by max_tokens", status="truncated",
                                                    finish_reason="length")))  # fmt: skip
    chat.mark_failed(chat.add_user_message("third"))
    rows = (await registry.dispatch(chat, "/history")).rows
    assert rows[1][2].endswith("[interrupted]") and rows[3][2].endswith("[truncated]")
    assert rows[4][2] == "third [failed]" and rows[0][2] == "first"
    # The same marks once the conversation is read back from the store.
    assert chat.conversation_id is not None
    chat.load(chat.conversation_id)
    assert (await registry.dispatch(chat, "/history")).rows == rows


async def test_resume_recaps_the_last_exchange(chat: Chat) -> None:
    await answer(chat, "an older question")
    await answer(chat, "the latest question\nwith a second line")
    chat.clear()
    text = resume(chat, None)
    lines = text.splitlines()
    assert lines[0].startswith("resumed #")
    assert lines[1:] == ["  you: the latest question…", "  echo: the latest question…"]


async def test_branch_numbers_stay_put_once_a_branch_is_continued(registry: Registry, chat: Chat) -> None:
    await answer(chat, "question one")
    await answer(chat, "question two")
    chat.edit(2, "question two, edited")  # a second branch, forked at message 3
    async with chat.reply() as turn:
        async for _ in turn:
            pass

    async def numbers() -> dict[str, str]:
        """Each branch's number, by the last user message on it."""
        rows = (await registry.dispatch(chat, "/branches")).rows
        return {row[3]: row[0].lstrip("▸") for row in rows}

    assert await numbers() == {"question two": "1", "question two, edited": "2"}
    await registry.dispatch(chat, "/branch 1")
    await answer(chat, "question three")  # the first branch now ends in the newest message
    assert await numbers() == {"question three": "1", "question two, edited": "2"}


async def test_export_into_a_folder_writes_a_file_there(registry: Registry, chat: Chat, tmp_path: Path) -> None:
    await answer(chat, "export me")
    folder = tmp_path / "out"
    folder.mkdir()
    notice = await registry.dispatch(chat, f"/export {folder}")
    written = folder / f"orch-{chat.conversation_id}.md"
    assert written.is_file() and "export me" in written.read_text()
    assert str(written) in notice.text
