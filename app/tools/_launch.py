"""How one configured server is reached: its program or URL, its environment or headers, its secrets.

A stdio server's environment is only what it declares plus PATH and HOME.
The SDK's stdio transport always adds a few more of the user's variables
(LOGNAME, SHELL, TERM, USER), so on POSIX the program is started through a
one-line Python launcher that replaces itself (`execve`) with the server,
given exactly that environment. The values travel in the environment, never
in argv, where other users could read them.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.tools._errors import ToolError

if TYPE_CHECKING:
    from mcp import Client

    from app.config._tools import McpServerConfig
    from app.keys import KeyRing

# argv: the launcher's own name, the variable names to keep (comma-separated), the program, its arguments.
_EXEC_CLEAN = (
    "import os,sys;"
    "keep=sys.argv[1].split(',');"
    "os.execve(sys.argv[2],sys.argv[2:],{k:os.environ[k] for k in keep if k in os.environ})"
)
_LAST_WORDS_BYTES = 4096
_HTTP_TIMEOUT_S = 30.0
_HTTP_STREAM_READ_S = 300.0  # a server may keep a response stream open and quiet for long


class Launch:
    """One server's way in, resolved: `connect()` opens a connected SDK client.

    Args:
        name: the server's name in `mcp_servers:`.
        config: its configuration.
        keys: resolves `{vault: …}` / `{env: …}` values, once, here.
        base_dir: the config file's folder, for a relative `cwd` or program path.

    Raises:
        ToolError: a secret that cannot be had.
    """

    def __init__(self, name: str, config: McpServerConfig, keys: KeyRing, base_dir: Path) -> None:
        self.name = name
        self.config = config
        self._secrets: list[str] = []
        self._values = _resolve(name, config.env if config.command is not None else config.headers, keys, self._secrets)
        self._base_dir = base_dir
        self._stderr: Any = None

    def connect(self) -> AbstractAsyncContextManager[Client]:
        """The SDK client for this server, to enter (which starts or reaches the server).

        Raises:
            ToolError: the program does not exist.
        """
        if self.config.command is not None:
            return self._stdio()
        return _http(self.config.url or "", dict(self._values))

    def last_words(self) -> str | None:
        """The last line the program wrote on stderr, secrets masked; None if none (or no program)."""
        if self._stderr is None:
            return None
        try:
            self._stderr.seek(0, os.SEEK_END)
            end = self._stderr.tell()
            self._stderr.seek(max(0, end - _LAST_WORDS_BYTES))
            tail = self._stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return None
        lines = [line.strip() for line in tail.splitlines() if line.strip()]
        return self.mask(lines[-1][:200]) if lines else None

    def mask(self, text: str) -> str:
        """`text` with every resolved secret value replaced by `***`."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def close(self) -> None:
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _stdio(self) -> AbstractAsyncContextManager[Client]:
        from mcp import Client, StdioServerParameters
        from mcp.client.stdio import stdio_client

        program, *args = self.config.command or [""]
        env = {**self._values}
        env.setdefault("PATH", os.environ.get("PATH", os.defpath))
        env.setdefault("HOME", os.environ.get("HOME", str(Path.home())))
        cwd = self._base_dir / Path(self.config.cwd).expanduser() if self.config.cwd is not None else None
        found = _find_program(self.name, program, env["PATH"], self._base_dir)
        if os.name == "posix":
            args = ["-I", "-S", "-c", _EXEC_CLEAN, ",".join(env), found, *args]
            found = sys.executable
        params = StdioServerParameters(command=found, args=args, env=env, cwd=cwd)
        # Its stderr is kept aside, not shown: a server's log would break up orch's screen,
        # and its last line is what tells why it did not start.
        self._stderr = tempfile.TemporaryFile()
        return Client(stdio_client(params, errlog=self._stderr), client_info=_client_info())


def _resolve(name: str, values: Mapping[str, Any], keys: KeyRing, secrets: list[str]) -> dict[str, str]:
    from app.config import KeySpec
    from app.errors import OrchError

    resolved: dict[str, str] = {}
    for key, value in values.items():
        if not isinstance(value, KeySpec):
            resolved[key] = value
            continue
        try:
            secret = keys.get(key, value)
        except OrchError as exc:
            # One line: a server's failure is a line of its own in a listing.
            fix = f". {exc.hint}" if exc.hint else ""
            raise ToolError(f"MCP server '{name}' did not start: {exc.message}{fix}") from None
        resolved[key] = secret or ""
        if secret:
            secrets.append(secret)
    return resolved


def _find_program(name: str, program: str, path: str, base_dir: Path) -> str:
    if os.sep in program or (os.altsep and os.altsep in program):
        candidate = base_dir / Path(program).expanduser()
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
        raise ToolError(f"MCP server '{name}' did not start: no program at {candidate}")
    found = shutil.which(program, path=path)
    if found is None:
        raise ToolError(f"MCP server '{name}' did not start: no program '{program}' on its PATH")
    return found


@asynccontextmanager
async def _http(url: str, headers: dict[str, str]) -> AsyncIterator[Client]:
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    timeout = httpx2.Timeout(_HTTP_TIMEOUT_S, read=_HTTP_STREAM_READ_S)
    async with httpx2.AsyncClient(headers=headers, timeout=timeout) as http:
        async with Client(streamable_http_client(url, http_client=http), client_info=_client_info()) as client:
            yield client


def _client_info() -> Any:
    from mcp.types import Implementation

    from app import __version__

    return Implementation(name="orch", version=__version__)
