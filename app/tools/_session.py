"""The tools of one session: its MCP servers, which tools are on, the approval policy, and what a model is offered.

    tools = ToolSession(servers, config.tools)        # nothing starts yet
    tools.enable(["files"])                            # `-T`, `/tools on`, a role's `tools:`
    offer = await tools.offer()                        # the servers start here; None when no tool is on
    offer.specs                                        # ToolSpecs under model-safe names
    offer.tool("files__read")                          # -> ToolInfo("files", "read"), or None
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from app.tools._approval import ApprovalPolicy
from app.tools._records import CallResult, ServerListing, ToolInfo
from app.tools._registry import ToolRegistry
from app.tools._wire_names import WireNames
from app.types import Part, ToolSpec

if TYPE_CHECKING:
    from app.config._tools import ToolsConfig
    from app.tools._servers import McpServers

_NO_ARGUMENTS = MappingProxyType({"type": "object", "properties": {}})


@dataclass(frozen=True)
class Offer:
    """The tools offered to one answer, and how to run them.

    Attributes:
        specs: the tools as the model is offered them, under model-safe names.
        names: the table from those names back to the tools.
    """

    specs: tuple[ToolSpec, ...]
    names: WireNames
    session: ToolSession

    @property
    def policy(self) -> ApprovalPolicy:
        return self.session.policy

    @property
    def max_rounds(self) -> int:
        return self.session.max_rounds

    def tool(self, wire_name: str) -> ToolInfo | None:
        """The offered tool a model's call names, or None (a name it made up)."""
        return self.names.tool(wire_name)

    async def call(self, tool: ToolInfo, arguments: Mapping[str, Any]) -> CallResult:
        """Run `tool`; a failure, a timeout or a dead server is a result with `is_error`."""
        return await self.session.servers.call(tool.server, tool.name, arguments, self.session.timeout_s)


class ToolSession:
    """The tools of one session (a REPL, a one-shot, a chain run).

    The servers start when a model is first offered tools (or `/tools`, `/mcp`
    ask), never while nothing is enabled.

    Args:
        servers: the session's MCP servers; the session closes them.
        config: `tools:` of the config: what is on at the start, what never asks, the loop's limits.
        approve_all: every call runs without asking (`-y`).
    """

    def __init__(self, servers: McpServers, config: ToolsConfig, *, approve_all: bool = False) -> None:
        self.servers = servers
        self.policy = ApprovalPolicy(config.auto_approve, approve_all=approve_all)
        self.max_rounds = config.max_rounds
        self.timeout_s = config.timeout_s
        self._rules: list[tuple[str, bool]] = [(name, True) for name in config.enabled]
        self._listings: list[ServerListing] | None = None

    def enable(self, names: Iterable[str]) -> None:
        """Turn on each of `names` (server names, or `server.tool`)."""
        self._rules += [(name, True) for name in names]

    def disable(self, names: Iterable[str]) -> None:
        self._rules += [(name, False) for name in names]

    @property
    def wanted(self) -> bool:
        """Whether any rule turns a tool on (else no server needs to start for an answer)."""
        return any(on for _, on in self._rules)

    async def listings(self) -> list[ServerListing]:
        """What every server offers, asked once a session (the servers start side by side)."""
        if self._listings is None:
            self._listings = await self.servers.listings()
        return self._listings

    async def registry(self) -> ToolRegistry:
        """The tools listed, with those the session's rules turn on."""
        registry = ToolRegistry(await self.listings())
        for name, on in self._rules:
            (registry.enable if on else registry.disable)(name)
        return registry

    def selection(self, names: Iterable[str]) -> Selection:
        """Only `names` on (a chain step's or a role's `tools:`), with this session's servers and approvals."""
        return Selection(self, tuple(names))

    async def offer(self) -> Offer | None:
        """The enabled tools, for one answer; None when none is on."""
        if not self.wanted:
            return None
        return self._offer(await self.registry())

    def _offer(self, registry: ToolRegistry) -> Offer | None:
        tools = registry.tools
        if not tools:
            return None
        names = WireNames(tools)
        specs = tuple(ToolSpec(names.wire(t.qualified), t.description, t.input_schema or dict(_NO_ARGUMENTS)) for t in tools)
        return Offer(specs, names, self)

    async def resource_part(self, address: str) -> Part:
        """The resource `mcp://SERVER/URI` (URI as the server lists it), read as a file part named by its address.

        Raises:
            UsageError: the address is not `mcp://SERVER/URI`.
            ToolError: no such server, it did not start, or it has no such resource.
        """
        from app.errors import UsageError

        server, _, uri = address.removeprefix("mcp://").partition("/")
        if not server or not uri:
            raise UsageError(f"{address}: an MCP resource is written mcp://SERVER/URI", "/mcp lists the resources.")
        read = await self.servers.read_resource(server, uri)
        text = f"{read.text}\n[cut: {read.size:,} characters in all]" if read.cut else read.text
        return Part("file", text, name=address, media_type=read.mime_type or "text/plain")

    async def aclose(self) -> None:
        """Stop every server that was started."""
        await self.servers.aclose()


@dataclass(frozen=True)
class Selection:
    """Some tools of a session, chosen by name: what a chain step or a role offers."""

    session: ToolSession
    names: tuple[str, ...]

    async def offer(self) -> Offer | None:
        if not self.names:
            return None
        return self.session._offer(ToolRegistry(await self.session.listings(), self.names))

