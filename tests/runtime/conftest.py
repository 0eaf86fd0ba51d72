"""A world of two loopback servers: `first` (anthropic) whose model falls back to `second`'s (openai)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.runtime import Runtime
from tests.support import config_files
from tests.support.chain_world import load_config, make_runtime
from tests.support.llm_server import LLMServer


@pytest.fixture
def second() -> Iterator[LLMServer]:
    with LLMServer() as server:
        yield server


def world(folder: Path, first: LLMServer, second: LLMServer, *, budget: str = "", fallback: str = "[gpt]") -> Runtime:
    """`sonnet` (anthropic at `first`, falling back to `fallback`), `gpt` (openai at `second`), `echo`."""
    config = f"""\
        default_model: sonnet
        network: {{max_retries: 1, timeout_s: 10}}
        {budget}
        providers:
          first: {{kind: anthropic, base_url: '{first.base_url("anthropic")}'}}
          second: {{kind: openai, base_url: '{second.base_url("openai")}'}}
          echo: {{kind: echo}}
        """
    models = f"""\
        models:
          - {{name: sonnet, provider: first, id: claude-x, fallback: {fallback}, cache: auto,
              pricing: {{input: 3.0, output: 15.0, cache_read: 0.3, cache_write: 3.75}}}}
          - {{name: gpt, provider: second, id: gpt-x, pricing: {{input: 1.0, output: 4.0}}}}
          - {{name: echo, provider: echo, id: echo}}
        """
    config_, _ = load_config(config_files.write_config(folder, config, models))
    return make_runtime(config_, folder)
