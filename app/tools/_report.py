"""What servers offer, as rows of plain text: `orch mcp` and `/mcp` show the same thing."""

from __future__ import annotations

from collections.abc import Iterable

from app.tools._records import PromptInfo, ServerListing
from app.tools._registry import ToolRegistry


def listing_rows(listings: Iterable[ServerListing], registry: ToolRegistry) -> list[list[str]]:
    """One row per server, tool, prompt and resource, the first field saying which:

        server    NAME  stdio|http  ok|failed  REASON
        tool      NAME  TOOL        enabled|-  DESCRIPTION
        prompt    NAME  PROMPT      ARGUMENTS  DESCRIPTION
        resource  NAME  URI         NAME       MIME TYPE

    The text is the servers' own: the caller makes it safe to show.
    """
    rows: list[list[str]] = []
    for listing in listings:
        status = ["ok", ""] if listing.ok else ["failed", listing.error or ""]
        rows.append(["server", listing.name, listing.transport, *status])
        for tool in listing.tools:
            enabled = "enabled" if registry.is_enabled(tool.qualified) else "-"
            rows.append(["tool", listing.name, tool.name, enabled, first_line(tool.description)])
        for prompt in listing.prompts:
            rows.append(["prompt", listing.name, prompt.name, prompt_arguments(prompt), first_line(prompt.description)])
        for resource in listing.resources:
            rows.append(["resource", listing.name, resource.uri, resource.name, resource.mime_type or ""])
    return rows


def prompt_arguments(prompt: PromptInfo) -> str:
    """`topic, depth?`: the arguments, optional ones marked."""
    return ", ".join(a.name + ("" if a.required else "?") for a in prompt.arguments)


def first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0]
