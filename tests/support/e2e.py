"""Fixtures for end-to-end tests: a loopback model server, a config pointing at it,
and the real `orch` started in a pseudo-terminal.

tests/conftest.py registers this module as a plugin, so any test can ask for them by name;
a module that defines its own `server` or `config` fixture overrides these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.config_files import write_config
from tests.support.llm_server import LLMServer
from tests.support.terminal import Terminal


@pytest.fixture
def server() -> Iterator[LLMServer]:
    with LLMServer() as running:
        yield running


@pytest.fixture
def config(world, server: LLMServer) -> Path:
    """config.yaml + models.yaml: `local` (priced) streams from `server`, `echo` is offline."""
    cfg = {
        "default_model": "local",
        "network": {"max_retries": 0, "timeout_s": 30},
        "providers": {"local": server.provider_config("openai"), "echo": {"kind": "echo"}},
    }
    models = {
        "models": [
            {"name": "local", "provider": "local", "id": "loop-1", "pricing": {"input": 1.0, "output": 2.0}},
            {"name": "echo", "provider": "echo", "id": "echo"},
        ]
    }
    return write_config(world.root, cfg, models)


@pytest.fixture
def orch(config: Path, orch_command, orch_env) -> Iterator[Callable[..., Terminal]]:
    """`orch(*args)` -> the real REPL in a pty on the test's ORCH_HOME; closed after the test."""
    terminals: list[Terminal] = []

    def start(*args: str) -> Terminal:
        env = orch_env({"TERM": "xterm-256color", "EDITOR": "true"})
        terminal = Terminal([*orch_command, "--config", str(config), *args], env)
        terminals.append(terminal)
        return terminal

    yield start
    for terminal in terminals:
        terminal.close()
