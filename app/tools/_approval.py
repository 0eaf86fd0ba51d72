"""Whether a tool call may run without asking: the approval policy of one session. No UI here."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from app.tools._names import covers, split


class Decision(Enum):
    """The user's answer to `run? [y]es / [n]o / [a]lways for this tool`."""

    YES = "yes"
    NO = "no"
    ALWAYS = "always"


class ApprovalPolicy:
    """Which tool calls run without asking, and the "always for this tool" answers of the session.

    Args:
        auto_approve: `tools.auto_approve`: server names or `server.tool` names that never ask.
        approve_all: every call runs unasked (`-y`).
    """

    def __init__(self, auto_approve: Iterable[str] = (), *, approve_all: bool = False) -> None:
        self._auto = list(auto_approve)
        self._always: set[str] = set()
        self.approve_all = approve_all

    def needs_asking(self, qualified: str) -> bool:
        """Must the user be asked before `server.tool` runs?"""
        if self.approve_all or qualified in self._always:
            return False
        server, tool = split(qualified)
        return tool is None or not any(covers(pattern, server, tool) for pattern in self._auto)

    def answer(self, qualified: str, decision: Decision) -> bool:
        """Apply the user's answer for `server.tool`: may it run? `ALWAYS` is remembered for the session."""
        if decision is Decision.ALWAYS:
            self._always.add(qualified)
        return decision is not Decision.NO
