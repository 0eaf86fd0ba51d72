"""A real MCP server for the tests, written with the SDK's server framework.

    python tests/support/mcp_server.py              # stdio
    python tests/support/mcp_server.py http PORT    # streamable HTTP on 127.0.0.1:PORT, path /mcp

Tools: `add(a, b)`, `slow(s)` (sleeps s seconds), `fail()` (raises), `big(n)` (n
characters), `env()` (its own environment, as JSON), `header(name)` (a header of the
HTTP request that called it), `pid()` (its process id), `die()` (the process exits
mid-call), `complain(text)` (fails with `text` as its error). A prompt `review(topic)` and a resource `notes://today`.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

RESOURCE_TEXT = "Today: write the tests first."

# CRITICAL: a failing tool is not logged with a rich traceback, which would take longer than the call.
server = MCPServer("orch-test", log_level="CRITICAL")


@server.tool(description="Add two integers.")
def add(a: int, b: int) -> int:
    return a + b


@server.tool(description="Sleep for s seconds, then say so.")
async def slow(s: float) -> str:
    await asyncio.sleep(s)
    return f"slept {s}"


@server.tool(description="Always fails.")
def fail() -> str:
    raise RuntimeError("the tool broke on purpose")


@server.tool(description="Fails, with text as its error (what the server says is passed on as it is).")
def complain(text: str) -> str:
    raise ToolError(text)


@server.tool(description="A result of n characters.")
def big(n: int) -> str:
    return "x" * n


@server.tool(description="The server's own environment, as JSON.")
def env() -> str:
    return json.dumps(dict(os.environ), sort_keys=True)


@server.tool(description="A header of the HTTP request that called this tool (empty over stdio).")
def header(name: str, ctx: Context) -> str:
    request = ctx.request_context.request
    headers = getattr(request, "headers", None)
    return headers.get(name, "") if headers is not None else ""


@server.tool(description="The server's process id.")
def pid() -> int:
    return os.getpid()


@server.tool(description="The server process exits at once, mid-call.")
def die() -> str:
    os._exit(3)


@server.prompt(description="Ask for a review of a topic.")
def review(topic: str) -> str:
    return f"Please review {topic}, briefly."


@server.resource("notes://today", name="today", description="Today's note.", mime_type="text/plain")
def today() -> str:
    return RESOURCE_TEXT


def main(argv: list[str]) -> None:
    if argv[:1] == ["http"]:
        server.run("streamable-http", host="127.0.0.1", port=int(argv[1]))
    else:
        server.run("stdio")


if __name__ == "__main__":
    main(sys.argv[1:])
