"""The `mcp_servers:` and `tools:` sections of config.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from app.config._base import Section

if TYPE_CHECKING:
    from pydantic import Field

    from app.config._schema import KeySpec

    ServerName = str
    SecretValue = Any


_NAME = re.compile(r"[A-Za-z0-9_-]+")


def _server_name(name: str) -> str:
    # The name is the first part of `server.tool`: a dot in it would make that ambiguous.
    if not _NAME.fullmatch(name):
        raise ValueError(f"a server's name holds only letters, digits, '-' and '_', not {name!r}")
    return name


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


def pydantic_names() -> dict[str, Any]:
    """The names this module's annotations take from pydantic, made when a file is first validated."""
    from pydantic import AfterValidator, Field, PlainValidator

    return {
        "Field": Field,
        "ServerName": Annotated[str, AfterValidator(_server_name)],
        # Held as `str | KeySpec`: a value given as it is, or found like a provider's key,
        # `{vault: NAME}` or `{env: NAME}`.
        "SecretValue": Annotated[Any, PlainValidator(_secret_value)],
    }


@dataclass(kw_only=True, repr=False, eq=False)
class McpServerConfig(Section):
    """One MCP server: started as a program (`command:`) or reached over streamable HTTP (`url:`).

    A program gets only the `env:` it declares, plus PATH and HOME. A relative
    `cwd` (and a relative program path) resolves against the config file's folder.
    """

    command: Annotated[list[str] | None, Field(min_length=1)] = None
    env: dict[str, SecretValue] = field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, SecretValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.command is None) == (self.url is None):
            raise ValueError("give exactly one of 'command' (a program) or 'url' (streamable HTTP)")
        if self.command is not None and self.headers:
            raise ValueError("'headers' is for a 'url' server; a 'command' server takes 'env'")
        if self.url is not None and (self.env or self.cwd is not None):
            raise ValueError("'env' and 'cwd' are for a 'command' server; a 'url' server takes 'headers'")

    @property
    def transport(self) -> str:
        """`stdio` or `http`."""
        return "stdio" if self.command is not None else "http"


@dataclass(kw_only=True, repr=False, eq=False)
class ToolsConfig(Section):
    """Which tools models may call, which never ask first, and the tool loop's limits.

    `enabled` and `auto_approve` hold server names (every tool of that server)
    or `server.tool` names.
    """

    enabled: list[str] = field(default_factory=list)
    auto_approve: list[str] = field(default_factory=list)
    max_rounds: Annotated[int, Field(ge=1)] = 10
    timeout_s: Annotated[float, Field(gt=0)] = 60
