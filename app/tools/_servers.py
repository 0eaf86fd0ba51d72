"""`McpServers`: a session's MCP servers, each started on first use, all stopped at the end."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.tools._connection import CLOSED, Connection, describe
from app.tools._content import DEFAULT_LIMIT, contents_text, cut, parts_text, result_text
from app.tools._errors import ToolError
from app.tools._launch import Launch
from app.tools import _records as r

if TYPE_CHECKING:
    from mcp import Client

    from app.config._tools import McpServerConfig
    from app.keys import KeyRing

DEFAULT_START_TIMEOUT_S = 20.0
_MAX_PAGES = 100  # a server that hands out cursors for ever is cut off here


class McpServers:
    """The MCP servers of one session (a REPL, a one-shot, an `orch mcp`).

    Nothing starts when this is built: each server starts on the first call,
    listing, prompt or resource that needs it, and stays up for the session.
    A server that does not start is reported (a `ToolError`, or the `error` of
    its listing) and the others go on. Use it as an async context manager, or
    call `aclose()`: every server started is stopped, also after Ctrl-C.

    Args:
        servers: `mcp_servers:` of the config.
        keys: resolves the `{vault: …}` / `{env: …}` values of `env:` and `headers:`.
        base_dir: the config file's folder, against which a relative `cwd` or program path resolves.
        start_timeout_s: how long a server may take to start and answer.
        max_result_chars: a tool result or resource longer than this is cut, with a note.
    """

    def __init__(
        self,
        servers: Mapping[str, McpServerConfig],
        keys: KeyRing,
        *,
        base_dir: Path | None = None,
        start_timeout_s: float = DEFAULT_START_TIMEOUT_S,
        max_result_chars: int = DEFAULT_LIMIT,
    ) -> None:
        folder = base_dir if base_dir is not None else Path.cwd()
        self._configs = dict(servers)
        self._connections = {
            name: Connection(name, partial(Launch, name, config, keys, folder), start_timeout_s)
            for name, config in self._configs.items()
        }
        self._listings: dict[str, r.ServerListing] = {}
        self.max_result_chars = max_result_chars

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._configs)

    async def __aenter__(self) -> McpServers:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def start(self, server: str) -> None:
        """Start `server` now if it is not up yet.

        Raises:
            ToolError: no such server, or it did not start.
        """
        await self._client(server)

    async def listing(self, server: str) -> r.ServerListing:
        """What `server` offers (asked once a session), or in `error` why it cannot say.

        Raises:
            ToolError: no server of that name.
        """
        if server not in self._listings:
            self._listings[server] = await self._list(server)
        return self._listings[server]

    async def listings(self) -> list[r.ServerListing]:
        """Every server's listing, in config order; the servers are started side by side."""
        import asyncio

        return list(await asyncio.gather(*(self.listing(name) for name in self._configs)))

    async def call(self, server: str, tool: str, arguments: Mapping[str, Any], timeout_s: float) -> r.CallResult:
        """Run one tool. Its failure, a timeout or a server that is gone is a result with `is_error`.

        Args:
            server: the server's name.
            tool: the tool's name on that server.
            arguments: the tool's arguments, as the model gave them.
            timeout_s: how long the tool may run (the server's start not counted).
        """
        import anyio

        began = time.perf_counter()
        try:
            client = await self._client(server)
            with anyio.fail_after(timeout_s):
                result = await client.call_tool(tool, dict(arguments))
            text, is_error = result_text(result.content, result.structured_content), bool(result.is_error)
        except TimeoutError:
            text, is_error = f"the tool '{tool}' did not finish within {timeout_s:g} s", True
        except ToolError as exc:
            text, is_error = exc.message, True
        except Exception as exc:  # whatever the SDK raised: the model is told, the session goes on
            text, is_error = self._failed(server, exc), True
        kept, was_cut = cut(text, self.max_result_chars)
        return r.CallResult(server, tool, kept, is_error, time.perf_counter() - began, len(text), was_cut)

    async def get_prompt(
        self, server: str, name: str, arguments: Mapping[str, str] | None = None
    ) -> tuple[r.PromptMessage, ...]:
        """The messages of prompt `name`, filled in by `server` with `arguments`.

        Raises:
            ToolError: no such server, it did not start, or it refused (unknown prompt, missing argument).
        """
        result = await self._ask(server, f"prompt '{name}'", lambda c: c.get_prompt(name, dict(arguments or {})))
        return tuple(r.PromptMessage(str(m.role), parts_text([m.content])) for m in result.messages)

    async def read_resource(self, server: str, uri: str) -> r.ResourceText:
        """The resource at `uri` on `server`, as text, cut to the limit.

        Raises:
            ToolError: no such server, it did not start, or it has no such resource.
        """
        result = await self._ask(server, f"resource {uri}", lambda c: c.read_resource(uri))
        text = contents_text(result.contents)
        mime = next((item.mime_type for item in result.contents if item.mime_type), None)
        kept, was_cut = cut(text, self.max_result_chars)
        return r.ResourceText(server, uri, mime, kept, len(text), was_cut)

    async def aclose(self) -> None:
        """Stop every server that was started, side by side, and wait until they are gone."""
        import asyncio

        await asyncio.gather(*(connection.aclose() for connection in self._connections.values()))

    # --- inside -------------------------------------------------------------------

    def _connection(self, server: str) -> Connection:
        try:
            return self._connections[server]
        except KeyError:
            known = ", ".join(self._configs) or "none"
            raise ToolError(f"no MCP server '{server}' (configured: {known})") from None

    async def _client(self, server: str) -> Client:
        return await self._connection(server).client()

    def _failed(self, server: str, exc: Exception) -> str:
        reason = describe(exc)
        if reason == CLOSED:
            return self._connection(server).lost(reason).message
        return f"MCP server '{server}': {reason}"

    async def _ask(self, server: str, what: str, request: Callable[[Client], Awaitable[Any]]) -> Any:
        client = await self._client(server)
        try:
            return await request(client)
        except Exception as exc:
            reason = describe(exc)
            if reason == CLOSED:
                raise self._connection(server).lost(reason) from None
            raise ToolError(f"MCP server '{server}', {what}: {reason}") from None

    async def _list(self, server: str) -> r.ServerListing:
        transport = self._configs[server].transport if server in self._configs else "?"
        try:
            client = await self._client(server)
            capabilities = client.server_capabilities
            tools = await _pages(client.list_tools, "tools") if capabilities.tools else []
            prompts = await _pages(client.list_prompts, "prompts") if capabilities.prompts else []
            resources = await _pages(client.list_resources, "resources") if capabilities.resources else []
        except ToolError as exc:
            if server not in self._configs:
                raise
            return r.ServerListing(server, transport, error=exc.message)
        except Exception as exc:
            return r.ServerListing(server, transport, error=self._failed(server, exc))
        return r.ServerListing(
            server,
            transport,
            tools=tuple(r.ToolInfo(server, t.name, t.description or "", dict(t.input_schema or {})) for t in tools),
            prompts=tuple(_prompt(server, p) for p in prompts),
            resources=tuple(r.ResourceInfo(server, str(x.uri), x.name or "", x.mime_type) for x in resources),
        )


def _prompt(server: str, prompt: Any) -> r.PromptInfo:
    arguments = tuple(r.PromptArgument(a.name, a.description or "", bool(a.required)) for a in prompt.arguments or ())
    return r.PromptInfo(server, prompt.name, prompt.description or "", arguments)

async def _pages(fetch: Callable[..., Awaitable[Any]], field: str) -> list[Any]:
    items: list[Any] = []
    cursor = None
    for _ in range(_MAX_PAGES):
        page = await fetch(cursor=cursor)
        items.extend(getattr(page, field))
        cursor = page.next_cursor
        if not cursor:
            break
    return items
