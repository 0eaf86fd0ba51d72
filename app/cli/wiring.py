"""The one place where the parts are built: config, key ring, vault, runtime, store, chat.

`Invocation` is what the command line asked for, as plain data; `Wiring` builds
each part from it when a command first asks for it (the config and the store
once), so that a command pays only for what it uses: `orch vault status` never
reads models.yaml, `orch models` never opens history.db. Everything past the
edge is handed built parts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import UsageError

if TYPE_CHECKING:
    from app.chat import Chat
    from app.config import Config, Sources
    from app.keys import KeyRing
    from app.roles import RoleBook
    from app.runtime import Runtime
    from app.store import Store
    from app.tools import ToolSession
    from app.vault import Vault


@dataclass(frozen=True)
class Invocation:
    """The global options and the default command's flags, parsed.

    Attributes:
        config_path: `--config` (None: discovery decides).
        home: `--home` (None: ORCH_HOME or the platform's data dir).
        model: `-m`; None for the config's default model.
        system: `-s`; None for the config's system prompt.
        options: `-o KEY=VALUE` pairs, as typed values.
        resume_latest: `-c` / `--continue`.
        resume: `--resume ID`.
        no_save: `--no-save`: the conversation is not stored.
        sanitize: `--sanitize`: a piped answer has its control characters made visible.
        role: `-r`: the role to take up.
        schema: `--schema`: a JSON Schema file or shorthand the answer must follow.
        prompt: the one-shot prompt (stdin appended); empty for the REPL.
        tools: `-T SERVER[.TOOL]`: tools turned on besides `tools.enabled`.
        approve_all: `-y`: every tool call runs without asking.
        max_cost: `--max-cost USD`: the most one answer may cost.
        attach: `-a` specs; max_files, max_mb: `--max-files`, `--max-mb` (None: the defaults).
    """

    config_path: str | None = None
    home: str | None = None
    no_color: bool = False
    model: str | None = None
    system: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    resume_latest: bool = False
    resume: str | None = None
    no_save: bool = False
    sanitize: bool = False
    role: str | None = None
    schema: str | None = None
    prompt: str = ""
    tools: tuple[str, ...] = ()
    approve_all: bool = False
    max_cost: float | None = None
    attach: tuple[str, ...] = ()
    max_files: int | None = None
    max_mb: float | None = None

    @property
    def resuming(self) -> bool:
        return self.resume_latest or self.resume is not None


class Wiring:
    """Builds the parts an invocation needs, each on first need; `close()` closes what it opened."""

    def __init__(self, invocation: Invocation) -> None:
        self.invocation = invocation
        self._config: tuple[Config, Sources] | None = None
        self._store: Store | None = None
        self._tools: ToolSession | None = None

    @property
    def home(self) -> Path:
        from app.config import state_dir

        return state_dir(self.invocation.home)

    def private_home(self) -> Path:
        """ORCH_HOME, created 0700 if it is not there yet (it holds every message and the vault)."""
        home = self.home
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        return home

    def input_history(self) -> Path:
        """The REPL's input history file, made 0600 before prompt-toolkit opens it (which would make it 0644)."""
        path = self.private_home() / "input_history"
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
            os.chmod(path, 0o600)  # one an older orch made world-readable
        except OSError:
            pass  # a read-only home: the REPL runs without saving its input
        return path

    def early_model_name(self) -> str | None:
        """The model the session starts on, known before the configuration is validated: `-m`, or
        the config file's plain `default_model:` line; None when only full loading can tell."""
        if self.invocation.model:
            return self.invocation.model
        if self.invocation.role:
            return None  # the role may name its own model: only the wired roles can tell
        from app.config import discover, peek_default_model

        try:
            return peek_default_model(discover(self.invocation.config_path))
        except UsageError:
            return None

    def config(self) -> tuple[Config, Sources]:
        """The configuration and where it was read from.

        Raises:
            ConfigError: it cannot be read or is not valid.
        """
        if self._config is None:
            from app import config

            self._config = config.load(self.invocation.config_path, home=self.home)
        return self._config

    def vault(self, config: Config | None = None) -> Vault:
        """The vault file: `vault.path` of `config` if it names one, else ORCH_HOME's."""
        from app.vault import Vault

        configured = config.vault.path if config else None
        return Vault(Path(configured).expanduser() if configured else self.home / "vault.enc")

    def key_ring(self, config: Config, *, interactive: bool = False, can_ask: bool = True) -> KeyRing:
        """Keys for `config`'s providers.

        Args:
            interactive: for the REPL, which asks the password itself (through
                prompt-toolkit) before a request needs it, and locks when idle.
            can_ask: off the REPL, whether a hidden prompt on the terminal may
                ask the password when a key needs it.
        """
        from app.keys import KeyRing

        asks = can_ask and not interactive
        return KeyRing(
            self.vault(config),
            password_source=_ask_vault_password if asks else None,
            idle_lock_s=config.vault.idle_lock_minutes * 60 if interactive else None,
        )

    def runtime(self, *, interactive: bool = False) -> Runtime:
        from app.runtime import Runtime

        config, _ = self.config()
        return Runtime(config, self.key_ring(config, interactive=interactive))

    def tools(self, runtime: Runtime) -> ToolSession | None:
        """The session's tools (`mcp_servers:`, `tools:`, `-T`, `-y`), built once; None with no server configured.

        Nothing starts here: each server starts when first needed, and all are
        stopped when `runtime` is closed.
        """
        config = runtime.config
        if self._tools is None and config.mcp_servers:
            from app.tools import McpServers, ToolSession

            _, sources = self.config()
            servers = McpServers(config.mcp_servers, runtime.keys, base_dir=sources.config.parent)
            self._tools = ToolSession(servers, config.tools, approve_all=self.invocation.approve_all)
            self._tools.enable(self.invocation.tools)
            runtime.close_with(self._tools.aclose)
        elif self.invocation.tools and not config.mcp_servers:
            raise UsageError("-T names a tool, but no MCP servers are configured", "Add them under mcp_servers:.")
        return self._tools

    def store(self) -> Store:
        """The history database, opened now."""
        if self._store is None:
            self._store = _open_store(self.home)
        return self._store

    def chat(self, *, interactive: bool = False) -> tuple[Chat, str | None]:
        """The conversation asked for: a new one, or the one `-c` / `--resume` names, loaded.

        The REPL (`interactive`) opens the store on first use, so that its prompt
        does not wait for SQLite; resuming reads it at once. With `--no-save` there
        is no store.

        Returns:
            The chat, and when resuming the line that says what was resumed.

        Raises:
            UsageError: an unknown model or conversation, or a bad `-o` option.
        """
        from app.chat import Chat

        invocation = self.invocation
        if invocation.no_save and invocation.resuming:
            raise UsageError("--no-save cannot continue a conversation", "Leave out --no-save, or -c / --resume.")
        runtime = self.runtime(interactive=interactive)
        config = runtime.config
        store: Any = None
        if not invocation.no_save:
            store = _StoreOnFirstUse(self) if interactive and not invocation.resuming else self.store()
        system = invocation.system if invocation.system is not None else config.system_prompt
        chat = Chat(runtime, runtime.model(invocation.model or config.default_model), system=system, store=store,
                    roles=self.roles())  # fmt: skip
        chat.tools = self.tools(runtime)
        resumed = None
        if invocation.resuming:
            from app.commands.conversations import resume

            try:
                resumed = resume(chat, invocation.resume, model=invocation.model)
            except UsageError as exc:
                if exc.hint:  # the REPL's command for the list, said as the shell's
                    exc.hint = exc.hint.replace("`/sessions`", "`orch history`")
                raise
        for key, value in invocation.options.items():
            chat.set_option(key, value)
        if invocation.schema:
            from app.schema import load_schema

            chat.schema = load_schema(invocation.schema)
        return chat, resumed

    def roles(self) -> RoleBook:
        """The roles of the configuration and ORCH_HOME (their files are read when first asked for)."""
        from app.roles import RoleBook

        config, sources = self.config()
        return RoleBook(config, self.home, base=Path(sources.config).parent)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def _ask_vault_password() -> str:
    # Looked up when asked, not bound at import: tests put a fake in its place.
    from app.ui import prompts

    try:
        return prompts.ask_hidden("Vault password: ")
    except UsageError:  # Ctrl-D: nothing given, so the key ring may take the key's env var instead
        return ""


def _open_store(home: Path) -> Store:
    from app.store import DB_NAME, Store

    return Store(home / DB_NAME)  # it makes the folder (0700), and says why when it cannot


class _StoreOnFirstUse:
    """The history store, opened when first used: the REPL's prompt does not wait for SQLite."""

    def __init__(self, wiring: Wiring) -> None:
        self._wiring = wiring

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._wiring.store(), name)

    def close(self) -> None:
        self._wiring.close()
