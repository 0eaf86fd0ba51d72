"""`server` and `server.tool` names, as `tools.enabled` and `tools.auto_approve` hold them."""

from __future__ import annotations


def split(name: str) -> tuple[str, str | None]:
    """`"files.read"` -> `("files", "read")`; `"files"` -> `("files", None)`.

    A server's name holds no dot, so the first dot ends it; a tool's name may hold more.
    """
    server, dot, tool = name.partition(".")
    return server, (tool if dot else None)


def covers(pattern: str, server: str, tool: str) -> bool:
    """Does `pattern` (a server name, or `server.tool`) name this tool?"""
    pattern_server, pattern_tool = split(pattern)
    return pattern_server == server and pattern_tool in (None, tool)
