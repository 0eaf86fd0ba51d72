"""/tools, /mcp and a tool call's approval (y / n / always) in the in-process REPL, with the real MCP test server."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config._tools import ToolsConfig
from app.runtime._tools import REFUSED
from app.tools import McpServers, ToolSession
from app.types import Finish, TextDelta, ToolCall, ToolResult
from tests.support.chain_world import write_config
from tests.support.pipe_repl import ENTER, make_chat, run_repl
from tests.support.tool_rounds import Rounds
from tests.tools.conftest import START_TIMEOUT_S, key_ring, stdio


def chat_with_tools(tmp_path: Path, provider: Rounds | None = None, **tools):
    chat = make_chat(write_config(tmp_path))
    servers = McpServers({"t": stdio()}, key_ring(tmp_path), start_timeout_s=START_TIMEOUT_S)
    chat.tools = ToolSession(servers, ToolsConfig(**tools))
    chat.runtime.close_with(chat.tools.aclose)
    if provider is not None:
        chat.runtime._providers["echo"] = provider
    return chat


async def test_tools_on_and_off_and_the_list(tmp_path: Path) -> None:
    chat = chat_with_tools(tmp_path)
    s = await run_repl(chat, "/tools on t" + ENTER + "/tools off t.fail" + ENTER + "/tools" + ENTER)
    assert not s.errors(), s.text
    assert "tools on: t (" in s.text and "tools off: t.fail" in s.text
    rows = {line.split()[0]: line.split()[1] for line in s.text.splitlines() if line.startswith("t.")}
    assert rows["t.add"] == "on" and rows["t.fail"] == "off"


async def test_mcp_lists_servers_tools_prompts_and_resources(tmp_path: Path) -> None:
    s = await run_repl(chat_with_tools(tmp_path), "/mcp" + ENTER)
    assert not s.errors(), s.text
    assert "server" in s.text and "review" in s.text and "notes://today" in s.text and "add" in s.text


async def test_prompt_sends_the_servers_text_as_the_next_message(tmp_path: Path) -> None:
    chat = chat_with_tools(tmp_path, Rounds([TextDelta("reviewed"), Finish("stop")]))
    s = await run_repl(chat, "/prompt review topic=tests" + ENTER)
    assert not s.errors(), s.text
    assert chat.messages[0].content == "Please review tests, briefly."


@pytest.mark.parametrize(("typed", "ran"), [("y", True), ("n", False), ("a", True)])
async def test_a_call_is_asked_about_and_the_answer_goes_on(tmp_path: Path, typed: str, ran: bool) -> None:
    provider = Rounds([TextDelta("adding"), ToolCall("c1", "t__add", {"a": 2, "b": 3})], [TextDelta("done")])
    chat = chat_with_tools(tmp_path, provider, enabled=["t.add"])
    s = await run_repl(chat, "add please" + ENTER + typed + ENTER)
    assert not s.errors(), s.text
    assert "tool t.add" in s.text and "t__add" not in s.text and '"a": 2' in s.text  # the question itself goes to prompt-toolkit's output
    result = [p for p in chat.messages[-1].record.parts if p.kind == "tool_result"][0]
    assert (result.text == "5") is ran and (result.text == REFUSED) is not ran
    assert "done" in s.text
    if typed == "a":
        assert not chat.tools.policy.needs_asking("t.add")
    assert isinstance(ToolResult("c1", "t__add", "5"), ToolResult)


async def test_file_attaches_an_mcp_resource_to_the_next_message(tmp_path: Path) -> None:
    from tests.support.mcp_server import RESOURCE_TEXT

    chat = chat_with_tools(tmp_path, Rounds([TextDelta("read it"), Finish("stop")]))
    s = await run_repl(chat, "/file mcp://t/notes://today" + ENTER + "what does it say?" + ENTER)
    assert not s.errors(), s.text
    attached = chat.messages[0].attachments
    assert [(p.kind, p.name, p.text) for p in attached] == [("file", "mcp://t/notes://today", RESOURCE_TEXT)]


async def test_a_bad_mcp_address_is_one_clear_line(tmp_path: Path) -> None:
    s = await run_repl(chat_with_tools(tmp_path), "/file mcp://t" + ENTER + "/file mcp://nosuch/x" + ENTER)
    assert "an MCP resource is written mcp://SERVER/URI" in s.text
    assert "nosuch" in s.text and "Traceback" not in s.text
    assert s.chat.attachments == []
