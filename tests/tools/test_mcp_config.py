"""`mcp_servers:` and `tools:` in config.yaml: their shape, and their problems at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Config, KeySpec, check

MODELS = "models:\n  - {name: echo, provider: echo, id: echo}\n"
PROVIDERS = "providers:\n  echo: {kind: echo}\n"


def problems(folder: Path, body: str) -> list[str]:
    (folder / "models.yaml").write_text(MODELS, encoding="utf-8")
    path = folder / "config.yaml"
    path.write_text(PROVIDERS + body, encoding="utf-8")
    return [p.replace(f"{path}:", "") for p in check(path).problems]


def test_the_defaults() -> None:
    config = Config()
    assert config.mcp_servers == {}
    assert (config.tools.enabled, config.tools.auto_approve, config.tools.max_rounds, config.tools.timeout_s) == (
        [], [], 10, 60
    )  # fmt: skip


def test_the_design_s_example_reads(tmp_path: Path) -> None:
    body = (
        "tools: {enabled: [files, search.find], auto_approve: [files.read], max_rounds: 3, timeout_s: 5}\n"
        "mcp_servers:\n"
        '  files: {command: [npx, -y, "@modelcontextprotocol/server-filesystem", "."], env: {}}\n'
        '  search: {url: "https://example.com/mcp", headers: {Authorization: {vault: search_token}}}\n'
        "  db: {command: [db-mcp], env: {DB_URL: {env: DATABASE_URL}, MODE: ro}, cwd: data}\n"
    )
    assert problems(tmp_path, body) == []
    config = Config.model_validate(
        {"mcp_servers": {"s": {"url": "u", "headers": {"A": {"vault": "t"}}}, "d": {"command": ["x"], "env": {"M": "ro"}}}}
    )
    assert config.mcp_servers["s"].headers == {"A": KeySpec(vault="t")}
    assert (config.mcp_servers["s"].transport, config.mcp_servers["d"].transport) == ("http", "stdio")
    assert config.mcp_servers["d"].env == {"M": "ro"}


@pytest.mark.parametrize(
    ("server", "problem"),
    [
        ("{command: [x], url: http://h/mcp}", "4: mcp_servers.a: give exactly one of 'command' (a program) or 'url' (streamable HTTP)"),
        ("{env: {A: b}}", "4: mcp_servers.a: give exactly one of 'command' (a program) or 'url' (streamable HTTP)"),
        ("{url: http://h/mcp, env: {A: b}}", "4: mcp_servers.a: 'env' and 'cwd' are for a 'command' server; a 'url' server takes 'headers'"),
        ("{command: [x], headers: {A: b}}", "4: mcp_servers.a: 'headers' is for a 'url' server; a 'command' server takes 'env'"),
        ("{command: []}", "4: mcp_servers.a.command: List should have at least 1 item after validation, not 0"),
        ("{command: [x], env: {A: {vualt: k}}}", "4: mcp_servers.a.env.A: unknown key 'vualt' (expected vault or env)"),
        ("{command: [x], env: {A: 3}}", "4: mcp_servers.a.env.A: expected text, {vault: NAME} or {env: NAME}"),
        ("{command: [x], args: [y]}", "4: unknown key 'args' in mcp_servers.a"),
    ],
)  # fmt: skip
def test_a_server_that_is_not_one_thing_or_the_other_is_a_config_problem(tmp_path: Path, server, problem) -> None:
    assert problems(tmp_path, f"mcp_servers:\n  a: {server}\n") == [problem]


def test_a_server_name_cannot_hold_a_dot(tmp_path: Path) -> None:
    assert problems(tmp_path, "mcp_servers:\n  my.files: {command: [x]}\n") == [
        "4: mcp_servers.my.files.[key]: a server's name holds only letters, digits, '-' and '_', not 'my.files'"
    ]


def test_tools_limits_are_checked(tmp_path: Path) -> None:
    assert problems(tmp_path, "tools: {max_rounds: 0, timeout_s: 0, ask: true}\n") == [
        "3: tools.max_rounds: Input should be greater than or equal to 1",
        "3: tools.timeout_s: Input should be greater than 0",
        "3: unknown key 'ask' in tools",
    ]

