"""The tools a model may call: the listed tools that `tools.enabled` (and later changes) name."""

from __future__ import annotations

from collections.abc import Iterable

from app.tools._names import covers, split
from app.tools._records import ServerListing, ToolInfo


class ToolRegistry:
    """The enabled tools, by `server.tool` name. Pure logic: it is told what servers list.

    Names are server names (all its tools) or `server.tool`; each `enable` or
    `disable` is a rule, and the last rule that names a tool decides, so that
    `disable("files")` then `enable("files.read")` leaves only `read` on.

    Args:
        listings: what the servers offer (a failed server's listing has no tools).
        enabled: `tools.enabled` of the config.
    """

    def __init__(self, listings: Iterable[ServerListing], enabled: Iterable[str] = ()) -> None:
        self._all = {tool.qualified: tool for listing in listings for tool in listing.tools}
        self._rules: list[tuple[str, bool]] = []
        for name in enabled:
            self.enable(name)

    def enable(self, name: str) -> None:
        self._rule(name, True)

    def disable(self, name: str) -> None:
        self._rule(name, False)

    def is_enabled(self, qualified: str) -> bool:
        server, tool = split(qualified)
        if tool is None:
            return False
        on = False
        for pattern, value in self._rules:
            if covers(pattern, server, tool):
                on = value
        return on

    @property
    def tools(self) -> list[ToolInfo]:
        """The enabled tools, in the order the servers listed them."""
        return [tool for name, tool in self._all.items() if self.is_enabled(name)]

    @property
    def available(self) -> list[ToolInfo]:
        """Every listed tool, enabled or not."""
        return list(self._all.values())

    def get(self, qualified: str) -> ToolInfo | None:
        """The enabled tool called `server.tool`, or None (unknown, or not enabled)."""
        tool = self._all.get(qualified)
        return tool if tool is not None and self.is_enabled(qualified) else None

    def unmatched(self) -> list[str]:
        """Names enabled that name no listed tool: a typo, or a server that did not start."""
        return [
            pattern
            for pattern, on in self._rules
            if on and not any(covers(pattern, tool.server, tool.name) for tool in self._all.values())
        ]

    def _rule(self, name: str, on: bool) -> None:
        self._rules = [rule for rule in self._rules if rule[0] != name]
        self._rules.append((name, on))
