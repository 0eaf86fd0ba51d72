"""Configurations for chain tests and benchmarks: echo models, loopback models, any chains.

    path = write_config(tmp_path, CHAINS_YAML, loopback=server)
    config, sources = load_config(path)
    runtime = make_runtime(config, tmp_path)
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from app.config import Config, Sources, check
from app.keys import KeyRing
from app.runtime import Runtime
from app.vault import Vault
from tests.support import config_files

if TYPE_CHECKING:
    from app.chat import Chat
    from tests.support.llm_server import LLMServer

_CONFIG = """\
default_model: echo
network: {timeout_s: 20, connect_timeout_s: 2, max_retries: 0}
ui: {markdown: false}
providers:
  echo: {kind: echo}
  slow: {kind: echo, delay_s: 0.05}
"""

_MODELS = """\
models:
  - {name: echo, provider: echo, id: echo, aliases: [e]}
  - {name: priced, provider: echo, id: echo, pricing: {input: 1.0, output: 2.0}}
  - {name: slow, provider: slow, id: echo}
"""


def write_config(folder: Path, chains: str = "chains: {}\n", *, loopback: LLMServer | None = None,
                 loopback_models: tuple[str, ...] = ("loop", "loop2", "loop3")) -> Path:  # fmt: skip
    """The chain world's config.yaml (with `chains`, YAML text) and models.yaml in `folder`; return config.yaml.

    With `loopback`, a provider `loop` of kind openai points at it and models
    `loop`, `loop2`, `loop3` use it. The files are written by `config_files.write_config`.
    """
    config = _CONFIG
    models = _MODELS
    if loopback is not None:
        config += f"  loop: {{kind: openai, base_url: '{loopback.base_url('openai')}'}}\n"
        for name in loopback_models:
            models += f"  - {{name: {name}, provider: loop, id: test-{name}, pricing: {{input: 1.0, output: 1.0}}}}\n"
    return config_files.write_config(folder, config + textwrap.dedent(chains), models)


def load_config(path: Path) -> tuple[Config, Sources]:
    """The loaded configuration; fails loudly when the base config has problems (chains are not checked)."""
    result = check(path)
    assert result.config is not None, result.problems
    return result.config, result.sources


def make_runtime(config: Config, home: Path) -> Runtime:
    return Runtime(config, KeyRing(Vault(home / "vault.enc"), env={}))


def make_chat(folder: Path, chains: str = "chains: {}\n", *, saved: bool = False) -> Chat:
    """A chat on the echo model over `write_config(folder, chains)`; `saved`: with a store in `folder`."""
    from app.chat import Chat
    from app.store import Store

    config, _ = load_config(write_config(folder, chains))
    runtime = make_runtime(config, folder)
    return Chat(runtime, runtime.model("echo"), store=Store(folder / "history.db") if saved else None)
