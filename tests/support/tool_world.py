"""A configuration with tools: models of the three wire formats on the loopback server, and the MCP test server.

    path = tools_config(world.root, server, enabled=["t"])
    run_orch("--config", str(path), "-m", "anthropic", "-T", "t", "-y", "add 2 and 3", env=PROVIDER_KEYS)

Models `openai`, `anthropic` and `gemini` are each of their kind, all answered
by `server`; the MCP server `t` is tests/support/mcp_server.py over stdio.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tests.support.config_files import write_config
from tests.support.llm_server import LLMServer

__all__ = ["KINDS", "MCP_SERVER", "PROVIDER_KEYS", "tools_config"]

KINDS = ("openai", "anthropic", "gemini")
MCP_SERVER = Path(__file__).resolve().parent / "mcp_server.py"
PROVIDER_KEYS = {"OPENAI_API_KEY": "sk-test-openai", "ANTHROPIC_API_KEY": "sk-ant-test", "GEMINI_API_KEY": "gm-test"}


def tools_config(folder: Path, server: LLMServer, *, enabled: Sequence[str] = (), default: str = "openai",
                 **tools: Any) -> Path:  # fmt: skip
    """config.yaml + models.yaml in `folder`; `enabled` and `tools` go under `tools:`. Returns config.yaml."""
    providers = {
        kind: {**server.provider_config(kind), "key": {"env": f"{kind.upper()}_API_KEY"}} for kind in KINDS
    }
    config = {
        "default_model": default,
        "network": {"max_retries": 0, "timeout_s": 30},
        "ui": {"markdown": False},
        "providers": providers,
        "mcp_servers": {"t": {"command": [sys.executable, str(MCP_SERVER)]}},
        "tools": {"enabled": list(enabled), **tools},
    }
    models = [{"name": kind, "provider": kind, "id": f"{kind}-test-3"} for kind in KINDS]
    return write_config(folder, config, models)
