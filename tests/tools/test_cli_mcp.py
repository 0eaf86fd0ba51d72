"""`orch mcp` end to end: the real `orch`, a config naming the test server and two that cannot start."""

from __future__ import annotations

import sys
from pathlib import Path

import pexpect

from tests.support.cli import ANSI, spawn_orch
from tests.tools.conftest import SERVER

MODELS = "models:\n  - {name: echo, provider: echo, id: echo}\n"


def write_config(folder: Path, body: str) -> Path:
    (folder / "models.yaml").write_text(MODELS, encoding="utf-8")
    path = folder / "config.yaml"
    path.write_text("providers:\n  echo: {kind: echo}\n" + body, encoding="utf-8")
    return path


def servers_config(folder: Path) -> Path:
    return write_config(
        folder,
        "tools: {enabled: [t.add, t.env, nosuch]}\n"
        "mcp_servers:\n"
        f"  t: {{command: [{sys.executable}, {SERVER}]}}\n"
        "  gone: {command: [orch-no-such-program]}\n"
        "  web: {url: 'http://127.0.0.1:9/mcp', headers: {Authorization: {env: WEB_TOKEN}}}\n",
    )


def test_piped_it_lists_servers_tools_prompts_and_resources_tab_separated(run_orch, world) -> None:
    rc, out, err = run_orch("--config", str(servers_config(world.root)), "mcp", timeout=120)
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == "server\tt\tstdio\tok\t"
    assert "tool\tt\tadd\tenabled\tAdd two integers." in lines
    assert "tool\tt\tslow\t-\tSleep for s seconds, then say so." in lines
    assert "prompt\tt\treview\ttopic\tAsk for a review of a topic." in lines
    assert "resource\tt\tnotes://today\ttoday\ttext/plain" in lines
    assert lines[-2:] == [
        "server\tgone\tstdio\tfailed\tMCP server 'gone' did not start: no program 'orch-no-such-program' on its PATH",
        "server\tweb\thttp\tfailed\tMCP server 'web' did not start: no API key for Authorization. "
        "Fix it with `export WEB_TOKEN=…`.",
    ]
    assert not ANSI.search(out)
    assert err == "tools.enabled names 'nosuch', which no server that started lists\n"


def test_on_a_terminal_it_is_a_readable_listing(orch_command, orch_env, world) -> None:
    child, log = spawn_orch(orch_command, orch_env, "--config", str(servers_config(world.root)), "mcp")
    child.expect(pexpect.EOF, timeout=120)
    child.close()
    screen = ANSI.sub("", log.getvalue()).replace("\x1b", "")
    assert child.exitstatus == 0, screen
    assert "6 tools" in screen or "tools · 1 prompt · 1 resource" in screen
    assert "add *" in screen and "review(topic)" in screen and "notes://today" in screen
    assert "no program 'orch-no-such-program'" in screen
    assert "\t" not in screen


def test_no_servers_is_said_and_not_a_failure(run_main, world) -> None:
    rc, out, err = run_main("--config", str(write_config(world.root, "")), "mcp")
    assert (rc, out) == (0, "")
    assert err.startswith("No MCP servers are configured: add them under mcp_servers: in ")


def test_a_config_problem_is_exit_2_with_its_line(run_main, world) -> None:
    path = write_config(world.root, "mcp_servers:\n  both: {command: [x], url: http://h/mcp}\n")
    rc, out, err = run_main("--config", str(path), "mcp")
    assert (rc, out) == (2, "")
    assert f"{path}:4: mcp_servers.both: give exactly one of 'command'" in err
