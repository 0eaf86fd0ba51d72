"""A real MCP server, over stdio and over streamable HTTP: listed, each tool called, a prompt, a resource."""

from __future__ import annotations

import asyncio
import time

import pytest
import pytest_asyncio

from app.config import KeySpec
from app.config._tools import McpServerConfig
from app.tools import McpServers, ToolError
from tests.support.mcp_server import RESOURCE_TEXT
from tests.tools.conftest import START_TIMEOUT_S, key_ring, stdio

pytestmark = pytest.mark.asyncio(loop_scope="module")

LIMIT = 50_000
TOKEN = "tok-ORCHTEST-7f3a"


@pytest_asyncio.fixture(loop_scope="module", scope="module", params=["stdio", "http"])
async def servers(request, tmp_path_factory):
    """One session's servers, the test server under the name `t`, shared by the module's tests."""
    if request.param == "stdio":
        config = stdio()
    else:
        url = request.getfixturevalue("http_url")
        config = McpServerConfig(url=url, headers={"X-Token": KeySpec(env="SRC")})
    keys = key_ring(tmp_path_factory.mktemp("keys"), {"SRC": TOKEN})
    async with McpServers({"t": config}, keys, start_timeout_s=START_TIMEOUT_S, max_result_chars=LIMIT) as session:
        yield session


async def test_the_listing_names_tools_prompts_and_resources(servers: McpServers) -> None:
    listing = await servers.listing("t")
    assert listing.ok and listing.error is None
    tools = {tool.name: tool for tool in listing.tools}
    assert {"add", "slow", "fail", "big", "env"} <= set(tools)
    assert tools["add"].description == "Add two integers."
    assert tools["add"].qualified == "t.add"
    assert set(tools["add"].input_schema["properties"]) == {"a", "b"}
    [prompt] = listing.prompts
    assert prompt.name == "review" and [(a.name, a.required) for a in prompt.arguments] == [("topic", True)]
    [resource] = listing.resources
    assert (resource.uri, resource.name, resource.mime_type) == ("notes://today", "today", "text/plain")


async def test_a_tool_answers(servers: McpServers) -> None:
    result = await servers.call("t", "add", {"a": 2, "b": 40}, timeout_s=30)
    assert (result.text, result.is_error, result.size, result.cut) == ("42", False, 2, False)
    assert (result.server, result.tool) == ("t", "add")
    assert 0 < result.seconds < 30


async def test_a_failing_tool_is_an_error_result(servers: McpServers) -> None:
    result = await servers.call("t", "fail", {}, timeout_s=30)
    assert result.is_error and "fail" in result.text


async def test_an_unknown_tool_is_an_error_result(servers: McpServers) -> None:
    result = await servers.call("t", "no_such_tool", {}, timeout_s=30)
    assert result.is_error and "no_such_tool" in result.text


async def test_a_slow_tool_times_out_as_an_error_result(servers: McpServers) -> None:
    result = await servers.call("t", "slow", {"s": 20}, timeout_s=0.5)
    assert result.is_error
    assert result.text == "the tool 'slow' did not finish within 0.5 s"
    assert result.seconds < 10
    # The session goes on after the timeout.
    assert (await servers.call("t", "add", {"a": 1, "b": 1}, timeout_s=30)).text == "2"


async def test_a_large_result_is_cut_with_a_note(servers: McpServers) -> None:
    result = await servers.call("t", "big", {"n": LIMIT + 10_000}, timeout_s=30)
    assert not result.is_error and result.cut
    assert result.size == LIMIT + 10_000
    assert result.text.startswith("x" * LIMIT)
    assert result.text[LIMIT:] == f"\n[cut: {LIMIT + 10_000:,} characters in all, the first {LIMIT:,} kept]"


async def test_parallel_calls_run_side_by_side(servers: McpServers) -> None:
    await servers.start("t")
    began = time.perf_counter()
    results = await asyncio.gather(*(servers.call("t", "slow", {"s": 1}, timeout_s=30) for _ in range(3)))
    assert [r.text for r in results] == ["slept 1.0"] * 3
    assert time.perf_counter() - began < 2.5  # one after another would be 3 s


async def test_a_prompt_is_filled_in(servers: McpServers) -> None:
    [message] = await servers.get_prompt("t", "review", {"topic": "the parser"})
    assert (message.role, message.text) == ("user", "Please review the parser, briefly.")


async def test_a_prompt_without_its_argument_is_refused(servers: McpServers) -> None:
    with pytest.raises(ToolError) as caught:
        await servers.get_prompt("t", "review", {})
    assert caught.value.message.startswith("MCP server 't', prompt 'review': ")


async def test_a_resource_is_read(servers: McpServers) -> None:
    resource = await servers.read_resource("t", "notes://today")
    assert (resource.text, resource.mime_type, resource.size, resource.cut) == (
        RESOURCE_TEXT, "text/plain", len(RESOURCE_TEXT), False
    )  # fmt: skip


async def test_an_unknown_resource_is_a_tool_error(servers: McpServers) -> None:
    with pytest.raises(ToolError, match=r"^MCP server 't', resource notes://nothing: "):
        await servers.read_resource("t", "notes://nothing")


async def test_an_unknown_server_is_named(servers: McpServers) -> None:
    with pytest.raises(ToolError, match=r"^no MCP server 'nope' \(configured: t\)$"):
        await servers.listing("nope")
    result = await servers.call("nope", "add", {}, timeout_s=1)
    assert result.is_error and result.text == "no MCP server 'nope' (configured: t)"


async def test_http_headers_reach_the_server_with_their_secret(servers: McpServers) -> None:
    result = await servers.call("t", "header", {"name": "x-token"}, timeout_s=30)
    expected = "" if (await servers.listing("t")).transport == "stdio" else TOKEN
    assert (result.text, result.is_error) == (expected, False)
