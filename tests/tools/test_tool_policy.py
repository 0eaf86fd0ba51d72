"""The tool registry (which tools a model may call) and the approval policy: pure logic."""

from __future__ import annotations

from app.tools import ApprovalPolicy, Decision, ServerListing, ToolInfo, ToolRegistry

LISTINGS = [
    ServerListing("files", "stdio", tools=(ToolInfo("files", "read"), ToolInfo("files", "write"))),
    ServerListing("web", "http", tools=(ToolInfo("web", "search"), ToolInfo("web", "fetch.page"))),
    ServerListing("down", "stdio", error="MCP server 'down' did not start: no answer within 20 s"),
]


def names(registry: ToolRegistry) -> list[str]:
    return [tool.qualified for tool in registry.tools]


def test_enabled_names_a_whole_server_or_one_tool() -> None:
    registry = ToolRegistry(LISTINGS, ["files", "web.search"])
    assert names(registry) == ["files.read", "files.write", "web.search"]
    assert registry.get("files.write") == ToolInfo("files", "write")
    assert registry.get("web.fetch.page") is None  # listed, not enabled
    assert len(registry.available) == 4


def test_nothing_is_enabled_unless_named() -> None:
    assert names(ToolRegistry(LISTINGS)) == []


def test_a_tool_name_may_hold_dots() -> None:
    registry = ToolRegistry(LISTINGS, ["web.fetch.page"])
    assert names(registry) == ["web.fetch.page"]


def test_the_last_rule_that_names_a_tool_decides() -> None:
    registry = ToolRegistry(LISTINGS, ["files"])
    registry.disable("files.write")
    assert names(registry) == ["files.read"]
    registry.disable("files")
    registry.enable("files.write")
    assert names(registry) == ["files.write"]
    registry.enable("files")
    assert names(registry) == ["files.read", "files.write"]


def test_names_that_match_no_listed_tool_are_told() -> None:
    registry = ToolRegistry(LISTINGS, ["files", "files.delete", "down", "nosuch"])
    assert registry.unmatched() == ["files.delete", "down", "nosuch"]
    assert names(registry) == ["files.read", "files.write"]


def test_auto_approve_names_servers_or_tools() -> None:
    policy = ApprovalPolicy(["files.read", "web"])
    assert not policy.needs_asking("files.read")
    assert policy.needs_asking("files.write")
    assert not policy.needs_asking("web.fetch.page")


def test_always_is_remembered_for_the_session_and_yes_is_not() -> None:
    policy = ApprovalPolicy()
    assert policy.answer("files.write", Decision.YES) is True
    assert policy.needs_asking("files.write")
    assert policy.answer("files.write", Decision.NO) is False
    assert policy.needs_asking("files.write")
    assert policy.answer("files.write", Decision.ALWAYS) is True
    assert not policy.needs_asking("files.write")
    assert policy.needs_asking("files.read")


def test_approve_all_asks_nothing() -> None:
    assert not ApprovalPolicy(approve_all=True).needs_asking("files.write")
