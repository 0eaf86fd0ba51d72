"""Tool names a model API accepts, for `server.tool` names that it may not.

Every wire format takes only `^[a-zA-Z0-9_-]{1,64}$` as a tool's name, so
`files.read` is offered as `files__read`. The table is built from the tools
offered, so that a name goes back to its tool by lookup, never by guessing
where the server's name ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.tools._records import ToolInfo

MAX_LENGTH = 64
_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9_-]")


class WireNames:
    """A two-way table between `server.tool` names and names every API accepts (unique, stable in order)."""

    def __init__(self, tools: Iterable[ToolInfo]) -> None:
        self._to_wire: dict[str, str] = {}
        self._to_tool: dict[str, ToolInfo] = {}
        for tool in tools:
            name = self._unique(_safe(f"{tool.server}__{tool.name}"))
            self._to_wire[tool.qualified] = name
            self._to_tool[name] = tool

    def wire(self, qualified: str) -> str:
        """The name the model is offered for `server.tool`.

        Raises:
            KeyError: a tool that is not in the table.
        """
        return self._to_wire[qualified]

    def tool(self, wire_name: str) -> ToolInfo | None:
        """The tool a model's name stands for, or None when it is none of those offered."""
        return self._to_tool.get(wire_name)

    def _unique(self, name: str) -> str:
        if name not in self._to_tool:
            return name
        n = 2
        while (candidate := f"{name[: MAX_LENGTH - len(str(n)) - 1]}_{n}") in self._to_tool:
            n += 1
        return candidate


def _safe(name: str) -> str:
    return _NOT_ALLOWED.sub("_", name)[:MAX_LENGTH]
