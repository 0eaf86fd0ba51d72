"""/history, the recap and both exports show a message's parts by kind, never their bytes or whole text."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from app.chat import ChatMessage
from app.store import DB_NAME, Store
from app.types import AnswerRecord, Part
from tests.support.attachment_files import PNG
from tests.support.config_files import write_config
from tests.support.pipe_repl import CTRL_D, ENTER, make_chat, run_repl

NOTES = "the answer is 42\n" + "more lines of the file\n" * 50
CALL = Part.tool_call("c1", "add", {"a": 1, "b": 1})
RESULT = Part.tool_result("c1", "add", "2")
FAILED = Part.tool_result("c2", "add", "no such number", is_error=True)


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(tmp_path / "conf", "default_model: echo\nproviders:\n  echo: {kind: echo}\n",
                        "models:\n  - {name: echo, provider: echo, id: echo, vision: true}\n")  # fmt: skip


@pytest.fixture
def chat(config_path: Path, tmp_path: Path):
    """A stored conversation: a question with a file and an image, and an answer that called a tool twice."""
    chat = make_chat(config_path, store=Store(tmp_path / "state" / DB_NAME))
    chat.attach([Part("file", NOTES, name="notes.txt", media_type="text/plain"),
                 Part("image", name="cat.png", media_type="image/png", data=PNG)])  # fmt: skip
    chat.add_user_message("what is in them?")
    parts = (Part("text", "Let me add."), CALL, RESULT, CALL, FAILED, Part("text", "It is 2."))
    chat.add_answer(ChatMessage.answer(AnswerRecord("echo", "Let me add.It is 2.", parts=parts)))
    return chat


async def test_history_shows_attachments_and_tool_calls_by_kind(chat) -> None:
    chat.add_user_message("again")
    chat.add_answer(ChatMessage.answer(AnswerRecord("echo", "No.", parts=(FAILED, Part("text", "No.")))))
    s = await run_repl(chat, "/history --all" + ENTER + CTRL_D, width=200)
    assert "[file notes.txt · 1.1 KB] [image cat.png · 70 B] what is in them?" in s.text
    assert 'Let me add. [call add {"a": 1, "b": 1}] [result add · 1 char] [call add {"a": 1, "b": 1}]' in s.text
    assert "[result add · error · 14 chars] No." in s.text
    assert "more lines" not in s.text and "PNG" not in s.text


async def test_markdown_export_names_attachments_and_json_gives_the_parts_as_objects(chat, tmp_path) -> None:
    await run_repl(chat, f"/export {tmp_path}/out.md" + ENTER + f"/export {tmp_path}/out.json" + ENTER + CTRL_D)
    markdown = (tmp_path / "out.md").read_text()
    assert "## User\n\n[file notes.txt · 1.1 KB]\n[image cat.png · 70 B]\nwhat is in them?\n" in markdown
    assert ('## Assistant (echo)\n\nLet me add.\n[call add {"a": 1, "b": 1}]\n[result add · 1 char]\n'
            '[call add {"a": 1, "b": 1}]\n[result add · error · 14 chars]\nIt is 2.\n') in markdown  # fmt: skip
    assert "more lines" not in markdown
    question, answer = json.loads((tmp_path / "out.json").read_text())["messages"]
    assert question["parts"] == [
        {"kind": "file", "name": "notes.txt", "media_type": "text/plain", "size": len(NOTES),
         "sha256": hashlib.sha256(NOTES.encode()).hexdigest()},
        {"kind": "image", "name": "cat.png", "media_type": "image/png", "size": len(PNG),
         "sha256": hashlib.sha256(PNG).hexdigest()},
        {"kind": "text", "text": "what is in them?"},
    ]  # fmt: skip
    assert answer["parts"][1:3] == [
        {"kind": "tool_call", "name": "add", "call_id": "c1", "arguments": {"a": 1, "b": 1}},
        {"kind": "tool_result", "name": "add", "call_id": "c1", "is_error": False, "size": 1},
    ]
    assert answer["parts"][4]["is_error"] is True


async def test_long_arguments_are_cut_to_one_line(config_path) -> None:
    chat = make_chat(config_path)
    call = Part.tool_call("c1", "write", {"text": "x" * 500})
    chat.add_user_message("go")
    chat.add_answer(ChatMessage.answer(AnswerRecord("echo", "", parts=(call,))))
    s = await run_repl(chat, "/history" + ENTER + CTRL_D, width=200)
    assert '[call write {"text": "xxx' in s.text and "x" * 100 not in s.text and "…" in s.text


async def test_an_edited_question_keeps_its_attachments(chat) -> None:
    chat.edit(0, "and now?")
    edited = chat.messages[0]
    assert edited.content == "and now?" and [p.name for p in edited.attachments] == ["notes.txt", "cat.png"]
    assert edited.parts[-1] == Part("text", "and now?")
    stored = chat.store.branch(chat.conversation_id)
    assert [p.name for p in stored[0].parts[:2]] == ["notes.txt", "cat.png"] and len(stored) == 1
