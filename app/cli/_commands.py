"""The subcommands of `orch`, in the order `orch --help` lists them: the one list.

Importing it imports each subcommand's own small module; their heavy imports
(rich, httpx, cryptography, jinja2) wait inside the functions that run them.
"""

from __future__ import annotations

from app.cli import batch, chain, chains, config, history, mcp, models, vault
from app.cli._subcommand import Subcommand

SUBCOMMANDS: tuple[Subcommand, ...] = (
    chain.COMMAND,
    chains.COMMAND,
    batch.COMMAND,
    history.HISTORY,
    history.SEARCH,
    history.EXPORT,
    models.COMMAND,
    mcp.COMMAND,
    vault.COMMAND,
    config.COMMAND,
)

BY_NAME = {command.name: command for command in SUBCOMMANDS}
