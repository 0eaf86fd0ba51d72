"""`orch mcp`: the MCP servers, whether each starts (and why not), their tools, prompts and resources.

On a terminal, one block per server; to a pipe, tab-separated lines whose
first field says what the line is:

    server    NAME  stdio|http  ok|failed  REASON
    tool      NAME  TOOL        enabled|-  DESCRIPTION
    prompt    NAME  PROMPT      ARGUMENTS  DESCRIPTION
    resource  NAME  URI         NAME       MIME TYPE

What a server says (names, descriptions) is untrusted text: control
characters are made visible, tabs and newlines become spaces. A server that
fails is reported and the exit code stays 0; a config problem is exit 2.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from app.cli._subcommand import Subcommand
from app.errors import EXIT_OK

if TYPE_CHECKING:
    import argparse
    from pathlib import Path

    from app.cli.wiring import Wiring
    from app.config import Config
    from app.keys import KeyRing
    from app.tools import ServerListing, ToolRegistry


def run(args: argparse.Namespace, wiring: Wiring) -> int:
    import asyncio

    from app.tools import ToolRegistry, listing_rows

    config, sources = wiring.config()
    if not config.mcp_servers:
        print(f"No MCP servers are configured: add them under mcp_servers: in {sources.config}", file=sys.stderr)
        return EXIT_OK
    keys = wiring.key_ring(config)
    listings = asyncio.run(_list(config, keys, sources.config.parent))
    registry = ToolRegistry(listings, config.tools.enabled)
    if sys.stdout.isatty():
        _show(listings, registry)
    else:
        for row in listing_rows(listings, registry):
            print("\t".join(_field(cell) for cell in row))
    for name in registry.unmatched():
        print(f"tools.enabled names '{_field(name)}', which no server that started lists", file=sys.stderr)
    return EXIT_OK


async def _list(config: Config, keys: KeyRing, folder: Path) -> list[ServerListing]:
    from app.tools import McpServers

    async with McpServers(config.mcp_servers, keys, base_dir=folder) as servers:
        return await servers.listings()


def _show(listings: list[ServerListing], registry: ToolRegistry) -> None:
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from app.tools import first_line, prompt_arguments
    from app.ui.style import make_console

    console = make_console()
    for listing in listings:
        head = Text.assemble((_visible(listing.name), "bold"), f"  {listing.transport}  ")
        if not listing.ok:
            console.print(head.append(_visible(listing.error or "failed"), style="red"))
            continue
        counts = [_count(len(listing.tools), "tool"), _count(len(listing.prompts), "prompt"),
                  _count(len(listing.resources), "resource")]  # fmt: skip
        console.print(head.append(" · ".join(counts), style="green"))
        table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 2))
        for column in ("kind", "name", "about"):
            table.add_column(column, overflow="fold")
        for tool in listing.tools:
            mark = " *" if registry.is_enabled(tool.qualified) else ""
            table.add_row("tool", _visible(tool.name) + mark, _visible(first_line(tool.description)))
        for prompt in listing.prompts:
            table.add_row("prompt", _visible(f"{prompt.name}({prompt_arguments(prompt)})"),
                          _visible(first_line(prompt.description)))  # fmt: skip
        for resource in listing.resources:
            about = resource.name + (f" ({resource.mime_type})" if resource.mime_type else "")
            table.add_row("resource", _visible(resource.uri), _visible(about))
        if table.rows:
            console.print(Padding(table, (0, 0, 0, 4)))
    console.print("* enabled for models (tools.enabled)", style="dim", highlight=False)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _visible(text: str) -> str:
    from app.ui.sanitize import visible

    return visible(text)


def _field(text: str) -> str:
    """One tab-separated field: no tab or newline inside, control characters made visible."""
    return _visible(" ".join(text.split()))


COMMAND = Subcommand(
    "mcp", "the MCP servers: whether each starts, their tools, prompts and resources", lambda parser: None, run
)
