"""`/export` and `orch export` carry the conversation's system prompt, options and role (issue 10 item 8)."""

from __future__ import annotations

import json

import pytest

from app.export import export_json, export_markdown
from app.store import Store


@pytest.fixture
def store(tmp_path):
    opened = Store(tmp_path / "history.db")
    yield opened
    opened.close()


def test_markdown_and_json_include_the_system_prompt_options_and_role(store):
    chat = store.new_conversation("sonnet", title="Pirates")
    store.save_settings(chat.id, model="sonnet", system="Be a pirate.", options={"temperature": 0.2}, role="captain")
    store.add_message(chat.id, "user", "hello", None)

    markdown = export_markdown(store, chat.id)
    assert "## System prompt\n\nBe a pirate." in markdown
    assert "*role captain · temperature=0.2*" in markdown
    assert markdown.index("System prompt") < markdown.index("## User")

    data = json.loads(json.dumps(export_json(store, chat.id)))
    conversation = data["conversation"]
    assert (conversation["system"], conversation["options"], conversation["role"]) == (
        "Be a pirate.", {"temperature": 0.2}, "captain")


def test_a_conversation_with_no_settings_exports_none(store):
    chat = store.new_conversation("echo")
    markdown = export_markdown(store, chat.id)
    assert "System prompt" not in markdown and "*role" not in markdown
    conversation = export_json(store, chat.id)["conversation"]
    assert (conversation["system"], conversation["options"], conversation["role"]) == (None, {}, None)
