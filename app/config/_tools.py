"""The `mcp_servers:` and `tools:` sections of config.yaml."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, model_validator

if TYPE_CHECKING:
    from app.config._schema import KeySpec


_NAME = re.compile(r"[A-Za-z0-9_-]+")


def _server_name(name: str) -> str:
    # The name is the first part of `server.tool`: a dot in it would make that ambiguous.
    if not _NAME.fullmatch(name):
        raise ValueError(f"a server's name holds only letters, digits, '-' and '_', not {name!r}")
    return name


ServerName = Annotated[str, AfterValidator(_server_name)]


def _secret_value(value: Any) -> str | KeySpec:
    # _schema imports this module, so KeySpec is imported here, by the time a file is read.
    from app.config._schema import KeySpec

    if isinstance(value, str | KeySpec):
        return value
    if not isinstance(value, dict):
        raise ValueError("expected text, {vault: NAME} or {env: NAME}")
    for key, name in value.items():
        if key not in ("vault", "env"):
            raise ValueError(f"unknown key '{key}' (expected vault or env)")
        if not isinstance(name, str):
            raise ValueError(f"'{key}' must be a name")
    return KeySpec(**value)


# Held as `str | KeySpec`; typed Any here because KeySpec cannot be named at import time.
SecretValue = Annotated[Any, PlainValidator(_secret_value)]
"""A value given as it is, or found like a provider's key: `{vault: NAME}` or `{env: NAME}`."""


class McpServerConfig(BaseModel):
    """One MCP server: started as a program (`command:`) or reached over streamable HTTP (`url:`).

    A program gets only the `env:` it declares, plus PATH and HOME. A relative
    `cwd` (and a relative program path) resolves against the config file's folder.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    command: list[str] | None = Field(default=None, min_length=1)
    env: dict[str, SecretValue] = {}
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, SecretValue] = {}

    @model_validator(mode="after")
    def _one_transport(self) -> McpServerConfig:
        if (self.command is None) == (self.url is None):
            raise ValueError("give exactly one of 'command' (a program) or 'url' (streamable HTTP)")
        if self.command is not None and self.headers:
            raise ValueError("'headers' is for a 'url' server; a 'command' server takes 'env'")
        if self.url is not None and (self.env or self.cwd is not None):
            raise ValueError("'env' and 'cwd' are for a 'command' server; a 'url' server takes 'headers'")
        return self

    @property
    def transport(self) -> str:
        """`stdio` or `http`."""
        return "stdio" if self.command is not None else "http"


class ToolsConfig(BaseModel):
    """Which tools models may call, which never ask first, and the tool loop's limits.

    `enabled` and `auto_approve` hold server names (every tool of that server)
    or `server.tool` names.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: list[str] = []
    auto_approve: list[str] = []
    max_rounds: int = Field(default=10, ge=1)
    timeout_s: float = Field(default=60, gt=0)


McpServersConfig = dict[ServerName, McpServerConfig]
