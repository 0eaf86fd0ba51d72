"""The REPL in-process: a real PromptSession fed through a pipe, output to a StringIO console."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from app.ui.completer import CommandCompleter
from tests.support.config_files import write_config
from tests.support.llm_server import free_port
from tests.support.pipe_repl import ENTER, ESC_ENTER, PipeRepl, make_chat, open_repl


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    port = free_port()  # nothing listens there: requests to `dead` are refused
    return write_config(
        tmp_path,
        "default_model: echo\n"
        "network: {max_retries: 0, connect_timeout_s: 2}\n"
        "providers:\n"
        "  echo: {kind: echo}\n"
        f"  dead: {{kind: openai, base_url: 'http://127.0.0.1:{port}/v1'}}\n",
        "models:\n"
        "  - {name: echo, provider: echo, id: echo, aliases: [e]}\n"
        "  - {name: echo-two, provider: echo, id: echo, options: {temperature: 0.5}}\n"
        "  - {name: dead, provider: dead, id: nothing-here}\n",
    )


def session(tmp_path: Path, config_path: Path) -> AbstractContextManager[PipeRepl]:
    """A REPL on the echo model, its input history in `tmp_path`."""
    return open_repl(make_chat(config_path), history_path=tmp_path / "input_history")


async def run(tmp_path: Path, config_path: Path, keys: str) -> PipeRepl:
    with session(tmp_path, config_path) as s:
        return await s.run(keys)


async def test_a_message_is_answered_and_kept(tmp_path, config_path):
    s = await run(tmp_path, config_path, "hello there orch" + ENTER + "/exit" + ENTER)
    assert "hello there orch" in s.text
    assert [m.role for m in s.chat.messages] == ["user", "assistant"]
    assert s.chat.messages[1].content == "hello there orch"
    assert "echo · 3→3 tokens" in s.text


async def test_help_is_generated_from_the_registry(tmp_path, config_path):
    s = await run(tmp_path, config_path, "/help" + ENTER)
    for command in s.repl.registry:
        assert f"/{command.name}" in s.text
        assert command.help.split()[0] in s.text
    for required in ("help", "model", "models", "system", "set", "clear", "retry", "undo", "copy", "usage",
                     "lock", "exit"):
        assert s.repl.registry.get(required) is not None, required


async def test_unknown_command_suggests_the_nearest(tmp_path, config_path):
    s = await run(tmp_path, config_path, "/modle echo" + ENTER + "/hlep" + ENTER)
    assert "unknown command /modle" in s.text
    assert "Did you mean /model" in s.text
    assert "Did you mean /help" in s.text
    assert s.chat.messages == []  # not sent to the model


async def test_escape_enter_and_trailing_backslash_make_multiline_input(tmp_path, config_path):
    s = await run(tmp_path, config_path, "first" + ESC_ENTER + "second" + ENTER + "a\\" + ENTER + "b" + ENTER)
    users = [m.content for m in s.chat.messages if m.role == "user"]
    assert users == ["first\nsecond", "a\nb"]


async def test_history_is_persisted_to_the_file(tmp_path, config_path):
    await run(tmp_path, config_path, "remember me" + ENTER + "/usage" + ENTER)
    saved = (tmp_path / "input_history").read_text()
    assert "+remember me" in saved and "+/usage" in saved


async def test_model_switch_and_options(tmp_path, config_path):
    s = await run(
        tmp_path,
        config_path,
        "/model e" + ENTER + "/set temperature 0.3" + ENTER + "/set temperature 9" + ENTER + "/set tempx 1" + ENTER
        + "/model echo-two" + ENTER + "/set" + ENTER,
    )
    assert "now talking to echo (echo · echo)" in s.text
    assert "temperature = 0.3" in s.text
    assert "temperature: Input should be less than or equal to 2" in s.text
    assert "unknown option 'tempx'" in s.text and "Did you mean temperature?" in s.text
    assert s.chat.model.name == "echo-two"
    assert s.chat.options == {"temperature": 0.3}
    assert "session" in s.text  # /set shows where each option comes from


async def test_undo_and_retry(tmp_path, config_path):
    s = await run(tmp_path, config_path, "one" + ENTER + "two" + ENTER + "/undo" + ENTER + "/retry" + ENTER)
    assert [m.content for m in s.chat.messages] == ["one", "one"]
    assert "removed the last exchange (2 messages)" in s.text
    assert s.chat.totals.answers == 3


async def test_a_failing_turn_does_not_end_the_session(tmp_path, config_path):
    s = await run(tmp_path, config_path, "/model dead" + ENTER + "are you there" + ENTER + "/model echo" + ENTER
                  + "still alive" + ENTER)
    assert "127.0.0.1" in s.text  # the refused connection names the URL
    assert s.chat.messages[-1].content == "still alive"
    assert s.chat.messages[0].content == "are you there"  # the unanswered message stays for /retry


async def test_model_without_name_opens_a_menu_prefilled(tmp_path, config_path):
    with session(tmp_path, config_path) as s:
        await s.run("/model" + ENTER, "echo-two" + ENTER)  # the name typed after the prefilled "/model "
    assert s.chat.model.name == "echo-two"


async def test_ctrl_d_at_an_empty_prompt_exits(tmp_path, config_path):
    s = await run(tmp_path, config_path, "\x04" + "never sent" + ENTER)
    assert s.chat.messages == []


def test_completion_of_commands_and_arguments(tmp_path, config_path):
    with session(tmp_path, config_path) as s:
        completer = CommandCompleter(lambda: s.repl.registry.context(s.chat))

    def complete(text: str) -> list[str]:
        return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]

    assert set(complete("/mo")) == {"model", "models"}
    assert complete("/model echo-") == ["echo-two"]
    assert "e" in complete("/model ")  # aliases too
    assert "temperature" in complete("/set temp")
    assert complete("hello /mo") == []  # only at the start of the input
