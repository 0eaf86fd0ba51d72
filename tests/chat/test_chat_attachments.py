"""Attachments in a conversation: sent with the next message, kept in the store, sent again on resume."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import config as config_module
from app.chat import Chat
from app.errors import UsageError
from app.keys import KeyRing
from app.runtime import Runtime
from app.store import Store
from app.types import Part
from tests.support.attachment_files import PNG, Recording

NOTES = Part("file", "the notes say 42", name="notes.md", media_type="text/markdown")
IMAGE = Part("image", name="cat.png", media_type="image/png", data=PNG)


def make_chat(tmp_path: Path, store: Store | None) -> tuple[Chat, Recording]:
    (tmp_path / "config.yaml").write_text("default_model: echo\nproviders:\n  echo: {kind: echo}\n")
    (tmp_path / "models.yaml").write_text(
        "models:\n  - {name: echo, provider: echo, id: echo, context_window: 500}\n"
        "  - {name: eyes, provider: echo, id: eyes, vision: true}\n"
    )
    cfg, _ = config_module.load(str(tmp_path / "config.yaml"))
    runtime = Runtime(cfg, KeyRing(tmp_path / "vault.enc"))
    recording = Recording()
    runtime._providers["echo"] = recording  # type: ignore[assignment]
    return Chat(runtime, runtime.model("echo"), store=store), recording


async def exchange(chat: Chat, text: str) -> None:
    chat.add_user_message(text)
    async with chat.reply() as turn:
        async for _ in turn:
            pass


async def test_attachments_go_with_the_next_message_only(tmp_path: Path) -> None:
    chat, recording = make_chat(tmp_path, None)
    chat.attach([NOTES])
    await exchange(chat, "what do the notes say?")
    await exchange(chat, "and then?")
    first = recording.sent[0][-1]
    assert first.parts == (NOTES, Part("text", "what do the notes say?")) and first.content == "what do the notes say?"
    assert recording.sent[1][0].parts == first.parts  # the history keeps it
    assert recording.sent[1][-1].parts == () and chat.attachments == []


async def test_resume_sends_the_stored_parts_again(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    chat, _ = make_chat(tmp_path, Store(db))
    chat.attach([NOTES])
    await exchange(chat, "read this")
    chat.store.close()  # type: ignore[union-attr]
    resumed, recording = make_chat(tmp_path, Store(db))
    resumed.load(chat.conversation_id)  # type: ignore[arg-type]
    await exchange(resumed, "again")
    assert recording.sent[0][0].parts == (NOTES, Part("text", "read this"))


async def test_an_image_to_a_model_without_vision_is_refused_before_anything_is_sent(tmp_path: Path) -> None:
    chat, recording = make_chat(tmp_path, None)
    with pytest.raises(UsageError, match="echo cannot take images") as caught:
        chat.attach([IMAGE])
    assert "eyes" in (caught.value.hint or "")
    assert chat.attachments == [] and recording.sent == []


async def test_a_message_past_the_context_window_is_refused_and_not_added(tmp_path: Path) -> None:
    chat, recording = make_chat(tmp_path, None)
    with pytest.raises(UsageError, match="more than the 500 of echo's context window"):
        chat.attach([Part("file", "w" * 4000, name="big.txt")])
    chat.attachments = [Part("file", "w" * 1900, name="big.txt")]
    with pytest.raises(UsageError, match="context window"):
        chat.add_user_message("x" * 200)
    assert chat.messages == [] and recording.sent == []
