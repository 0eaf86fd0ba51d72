"""The subcommands of `orch`, in the order `orch --help` lists them: the one list.

Each lives in a module of its own, imported when it is chosen (or when the
help lists them all): a one-shot answer imports none of them. Their heavy
imports (rich, httpx, cryptography, jinja2) wait inside the functions that
run them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.cli._subcommand import Subcommand

# name -> (module under app.cli, the Subcommand's name in it), in `orch --help` order.
_WHERE = {
    "chain": ("chain", "COMMAND"),
    "chains": ("chains", "COMMAND"),
    "batch": ("batch", "COMMAND"),
    "history": ("history", "HISTORY"),
    "search": ("history", "SEARCH"),
    "export": ("history", "EXPORT"),
    "models": ("models", "COMMAND"),
    "mcp": ("mcp", "COMMAND"),
    "vault": ("vault", "COMMAND"),
    "config": ("config", "COMMAND"),
}
NAMES = tuple(_WHERE)


def subcommand(name: str) -> Subcommand | None:
    """The subcommand called `name`, its module imported now; None when there is none."""
    where = _WHERE.get(name)
    if where is None:
        return None
    module, attribute = where
    return getattr(importlib.import_module(f"app.cli.{module}"), attribute)


def __getattr__(name: str) -> object:
    if name == "SUBCOMMANDS":  # every subcommand, for the help and the tests
        return tuple(subcommand(word) for word in NAMES)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
