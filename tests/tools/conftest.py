"""What the MCP tests share: the test server (tests/support/mcp_server.py) over stdio and over HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config._tools import McpServerConfig
from app.keys import KeyRing
from app.vault import Vault
from tests.support.llm_server import free_port

SERVER = Path(__file__).resolve().parent.parent / "support" / "mcp_server.py"
# The test server imports the whole SDK: on a loaded machine its start takes seconds.
START_TIMEOUT_S = 60.0


def stdio(**fields) -> McpServerConfig:
    """The test server as a stdio server, with `fields` (env, cwd) on top."""
    return McpServerConfig(command=[sys.executable, str(SERVER)], **fields)


def key_ring(tmp_path: Path, env: dict[str, str] | None = None) -> KeyRing:
    """A key ring with no vault file and `env` as its environment."""
    return KeyRing(Vault(tmp_path / "no-vault.enc"), env=env or {})


@pytest.fixture(scope="session")
def http_url() -> Iterator[str]:
    """The test server over streamable HTTP on 127.0.0.1 (a free port): its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(SERVER), "http", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the HTTP test server did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(timeout=10)
