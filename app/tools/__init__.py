"""Tools from MCP servers: the servers of a session, what they offer, and which calls may run.

    async with McpServers(config.mcp_servers, keys, base_dir=folder) as servers:
        listings = await servers.listings()                 # each server started on first use
        registry = ToolRegistry(listings, config.tools.enabled)
        result = await servers.call("files", "read", {"path": "a.txt"}, timeout_s=60)
        result.text, result.is_error, result.seconds        # a failure is a result, not an exception

Servers are reached through the official `mcp` SDK, imported only when a
server first starts. A stdio server's environment is only what it declares,
plus PATH and HOME.
"""

from app.tools._approval import ApprovalPolicy, Decision
from app.tools._errors import ToolError
from app.tools._records import (
    CallResult,
    PromptArgument,
    PromptInfo,
    PromptMessage,
    ResourceInfo,
    ResourceText,
    ServerListing,
    ToolInfo,
)
from app.tools._registry import ToolRegistry
from app.tools._report import first_line, listing_rows, prompt_arguments
from app.tools._servers import McpServers
from app.tools._session import Offer, Selection, ToolSession
from app.tools._wire_names import WireNames

__all__ = [
    "ApprovalPolicy",
    "CallResult",
    "Decision",
    "McpServers",
    "Offer",
    "PromptArgument",
    "PromptInfo",
    "PromptMessage",
    "ResourceInfo",
    "ResourceText",
    "Selection",
    "ServerListing",
    "ToolError",
    "ToolInfo",
    "ToolRegistry",
    "ToolSession",
    "WireNames",
    "first_line",
    "listing_rows",
    "prompt_arguments",
]
