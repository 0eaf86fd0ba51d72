"""A config whose `fast` model is served by the loopback `llm_server` (OpenAI wire), and input files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.config_files import write_config
from tests.support.llm_server import LLMServer


def batch_config(folder: Path, server: LLMServer, *, rate_limit: dict | None = None) -> Path:
    """config.yaml + models.yaml: `fast` (openai wire) and `claude` (anthropic wire) on `server`, no retries."""
    openai = {**server.provider_config("openai"), **({"rate_limit": rate_limit} if rate_limit else {})}
    return write_config(
        folder,
        {
            "default_model": "fast",
            "network": {"max_retries": 0},
            "providers": {"local": openai, "claude": server.provider_config("anthropic")},
            "chains": {"twice": {"steps": [{"id": "a", "prompt": "A: {{ input }}"},
                                           {"id": "b", "prompt": "B: {{ steps.a }} {{ tone }}"}],
                                 "variables": {"tone": "plain"}}},
        },
        [{"name": "fast", "provider": "local", "id": "fast-1", "pricing": {"input": 1.0, "output": 2.0}},
         {"name": "claude", "provider": "claude", "id": "claude-x"}],
    )  # fmt: skip


def write_inputs(path: Path, count: int, *, bad: set[int] = frozenset()) -> Path:
    """`count` JSONL rows `{"id": "r0", "input": "question 0"}`; the line numbers in `bad` are not JSON."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            out.write("{not json\n" if i in bad else json.dumps({"id": f"r{i}", "input": f"question {i}"}) + "\n")
    return path


def read_out(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def config_path(tmp_path: Path, llm_server: LLMServer) -> Path:
    return batch_config(tmp_path / "conf", llm_server)
