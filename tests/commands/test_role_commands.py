"""/role and /roles through the in-process REPL, and a role kept with the conversation by /load."""

from __future__ import annotations

from pathlib import Path

from app.roles import RoleBook
from app.store import Store
from tests.support.config_files import write_config
from tests.support.pipe_repl import CTRL_D, ENTER, make_chat, run_repl

CONFIG = """\
default_model: echo
providers:
  echo: {kind: echo}
roles:
  pirate: {prompt: "Talk like a pirate about {{ input }}.", description: arr, model: echo-two}
"""
MODELS = "models:\n  - {name: echo, provider: echo, id: echo}\n  - {name: echo-two, provider: echo, id: echo}\n"


def _chat(tmp_path: Path, store: Store | None = None):
    path = write_config(tmp_path / "conf", CONFIG, MODELS)
    chat = make_chat(path, store=store)
    home = tmp_path / "home"
    (home / "roles").mkdir(parents=True)
    (home / "roles" / "terse.md").write_text("---\ndescription: one line\n---\nBe terse.", encoding="utf-8")
    chat.roles = RoleBook(chat.runtime.config, home)
    return chat


async def test_role_takes_a_role_up_and_role_alone_leaves_it(tmp_path):
    chat = _chat(tmp_path)
    session = await run_repl(chat, "/role pirate" + ENTER + "treasure" + ENTER + "/role" + ENTER + CTRL_D)
    assert "role pirate is on · talking to echo-two" in session.text
    assert "left the role pirate" in session.text
    assert chat.role is None and chat.model.name == "echo"  # the model before the role is back
    assert chat.messages[-1].model == "echo-two"


async def test_the_system_prompt_sent_is_the_roles_rendered_body(tmp_path):
    chat = _chat(tmp_path)
    chat.use_role("pirate")
    assert chat.system_for("treasure") == "Talk like a pirate about treasure."
    chat.system = "my own"
    chat.leave_role()
    assert chat.system_for("x") == "my own"


async def test_roles_lists_names_descriptions_and_sources(tmp_path):
    session = await run_repl(_chat(tmp_path), "/role terse" + ENTER + "/roles" + ENTER + CTRL_D)
    text = session.text
    assert "▸ terse" in text and "one line" in text and "terse.md" in text
    assert "pirate" in text and "config.yaml" in text
    assert "code-review" in text and "shipped" in text


async def test_an_unknown_role_suggests_the_nearest(tmp_path):
    session = await run_repl(_chat(tmp_path), "/role piratee" + ENTER + CTRL_D)
    assert "unknown role 'piratee'" in session.text and "pirate" in session.text


async def test_a_role_is_saved_with_the_conversation_and_restored_by_load(tmp_path):
    store = Store(tmp_path / "history.db")
    chat = _chat(tmp_path, store)
    await run_repl(chat, "/role terse" + ENTER + "hello" + ENTER + CTRL_D)  # the REPL closes its store
    store = Store(tmp_path / "history.db")
    assert store.get_conversation(chat.conversation_id).role == "terse"
    again = _chat(tmp_path / "again", store)
    again.load(chat.conversation_id)
    assert again.role is not None and again.role.name == "terse"
    store.close()
