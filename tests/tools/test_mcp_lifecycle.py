"""Servers that fail to start, crash or hang are one line each and the others go on; a stdio server
sees only the environment it declares; every server started is stopped at the end, also on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.config import KeySpec
from app.config._tools import McpServerConfig
from app.keys import KeyRing
from app.tools import McpServers, ToolError
from tests.support.cli import PASSWORD, SECRET, SECRET_CORE
from tests.tools.conftest import SERVER, START_TIMEOUT_S, key_ring, stdio

PYTHON = sys.executable


def _program(code: str) -> McpServerConfig:
    return McpServerConfig(command=[PYTHON, "-c", code])


def _gone(pid: int) -> bool:
    """The process has exited (a zombie not yet reaped by its parent counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "\nState:\tZ" in status.read_text()


async def test_failing_servers_are_one_line_each_and_the_others_go_on(tmp_path: Path) -> None:
    servers = {
        "good": stdio(),
        "missing": McpServerConfig(command=["orch-no-such-program"]),
        "exits": _program("import sys; print('cannot open the database', file=sys.stderr); sys.exit(3)"),
    }
    hangs = _program("import time; time.sleep(60)")
    async with McpServers(servers, key_ring(tmp_path), start_timeout_s=START_TIMEOUT_S) as session:
        # The hanging server gets a short start timeout, in a session of its own.
        async with McpServers({"hangs": hangs}, key_ring(tmp_path), start_timeout_s=1) as hanging:
            began = time.perf_counter()
            [hung] = await hanging.listings()
            assert time.perf_counter() - began < 10
        good, missing, exits = await session.listings()

    assert good.ok and {t.name for t in good.tools} >= {"add", "env"}
    assert missing.error == "MCP server 'missing' did not start: no program 'orch-no-such-program' on its PATH"
    assert exits.error == (
        "MCP server 'exits' did not start: it closed the connection (its last words: cannot open the database)"
    )
    assert hung.error == "MCP server 'hangs' did not start: no answer within 1 s"
    for listing in (missing, exits, hung):
        assert not listing.ok and not listing.tools and "\n" not in (listing.error or "")


async def test_a_server_that_did_not_start_is_a_tool_error_and_an_error_result(tmp_path: Path) -> None:
    async with McpServers({"missing": McpServerConfig(command=["./not-here"])}, key_ring(tmp_path),
                          base_dir=tmp_path) as session:  # fmt: skip
        with pytest.raises(ToolError) as caught:
            await session.start("missing")
        assert caught.value.lines() == [f"MCP server 'missing' did not start: no program at {tmp_path / 'not-here'}"]
        result = await session.call("missing", "anything", {}, timeout_s=5)
    assert result.is_error and result.text == caught.value.message


async def test_a_server_that_dies_mid_call_is_an_error_result_and_stays_gone(tmp_path: Path) -> None:
    async with McpServers({"t": stdio()}, key_ring(tmp_path), start_timeout_s=START_TIMEOUT_S) as session:
        assert (await session.call("t", "add", {"a": 1, "b": 2}, timeout_s=30)).text == "3"
        died = await session.call("t", "die", {}, timeout_s=30)
        after = await session.call("t", "add", {"a": 1, "b": 2}, timeout_s=30)
    assert died.is_error and died.text == "MCP server 't' stopped: it closed the connection"
    assert after.is_error and after.text == died.text


async def test_a_stdio_server_sees_only_what_it_declares_plus_path_and_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_vault
) -> None:
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "MISTRAL_API_KEY"):
        monkeypatch.setenv(name, SECRET)
    monkeypatch.setenv("SOMETHING_ELSE", "not for the server")
    vault = make_vault(tmp_path / "vault.enc", PASSWORD, {"db": "vault-value"})
    keys = KeyRing(vault, env={"ORCH_VAULT_PASSWORD": PASSWORD, "SOURCE": "env-value"})
    config = stdio(env={"PLAIN": "plain-value", "FROM_ENV": KeySpec(env="SOURCE"), "FROM_VAULT": KeySpec(vault="db")})
    async with McpServers({"t": config}, keys, start_timeout_s=START_TIMEOUT_S) as session:
        result = await session.call("t", "env", {}, timeout_s=30)
    seen = json.loads(result.text)
    assert not [name for name in seen if name.endswith("_API_KEY")]
    assert SECRET_CORE not in result.text
    # Python itself sets LC_CTYPE in its own environment when the locale is plain C (PEP 538).
    assert set(seen) - {"LC_CTYPE"} == {"PLAIN", "FROM_ENV", "FROM_VAULT", "PATH", "HOME"}
    assert (seen["PLAIN"], seen["FROM_ENV"], seen["FROM_VAULT"]) == ("plain-value", "env-value", "vault-value")
    assert (seen["PATH"], seen["HOME"]) == (os.environ["PATH"], os.environ["HOME"])


async def test_a_secret_that_cannot_be_had_is_one_line_naming_the_server(tmp_path: Path) -> None:
    config = McpServerConfig(url="http://127.0.0.1:9/mcp", headers={"Authorization": KeySpec(env="SEARCH_TOKEN")})
    async with McpServers({"search": config}, key_ring(tmp_path)) as session:
        [listing] = await session.listings()
    assert listing.error == (
        "MCP server 'search' did not start: no API key for Authorization. Fix it with `export SEARCH_TOKEN=…`."
    )


async def test_a_secret_in_a_server_s_last_words_is_masked(tmp_path: Path) -> None:
    code = "import os, sys; print('bad token', os.environ['TOKEN'], file=sys.stderr); sys.exit(1)"
    config = McpServerConfig(command=[PYTHON, "-c", code], env={"TOKEN": KeySpec(env="SOURCE")})
    async with McpServers({"leaky": config}, key_ring(tmp_path, {"SOURCE": SECRET})) as session:
        [listing] = await session.listings()
    assert SECRET_CORE not in (listing.error or "")
    assert listing.error == "MCP server 'leaky' did not start: it closed the connection (its last words: bad token ***)"


async def test_close_stops_every_server_started(tmp_path: Path) -> None:
    async with McpServers({"t": stdio()}, key_ring(tmp_path), start_timeout_s=START_TIMEOUT_S) as session:
        pid = int((await session.call("t", "pid", {}, timeout_s=30)).text)
        assert not _gone(pid)
    assert _gone(pid)
    after = await session.call("t", "pid", {}, timeout_s=30)
    assert after.is_error and after.text == "MCP server 't' was stopped with its session"


def test_ctrl_c_stops_the_servers(tmp_path: Path) -> None:
    script = f"""
import asyncio, os, signal, sys
from pathlib import Path
from app.config._tools import McpServerConfig
from app.keys import KeyRing
from app.tools import McpServers

async def main():
    config = McpServerConfig(command=[sys.executable, {str(SERVER)!r}])
    async with McpServers({{"t": config}}, KeyRing(Path("none.enc"), env={{}}), start_timeout_s=60) as servers:
        print((await servers.call("t", "pid", {{}}, timeout_s=30)).text, flush=True)
        await asyncio.sleep(60)

asyncio.run(main())
"""
    child = subprocess.Popen([PYTHON, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=tmp_path, start_new_session=True)  # fmt: skip
    try:
        assert child.stdout is not None
        pid = int(child.stdout.readline())
        child.send_signal(signal.SIGINT)
        child.wait(timeout=30)
    finally:
        child.kill()
    assert child.returncode != 0 and "KeyboardInterrupt" in (child.stderr.read() if child.stderr else "")
    assert _gone(pid)
