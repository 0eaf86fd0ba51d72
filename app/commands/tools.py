"""The tools family: /tools [on|off NAME], /mcp and /prompt NAME [KEY=VALUE…].

`/prompt` sends the prompt's text as the next message at once (as `/chain`
sends its input): the arguments were typed, the text shows in the
conversation like any message, and `/undo` takes it back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.commands.arguments import parse_arguments
from app.commands.registry import CommandContext, CommandFamily, Registry
from app.commands.results import Ask, Notice, Result, Table
from app.errors import UsageError

if TYPE_CHECKING:
    from app.chat import Chat
    from app.tools import PromptInfo, ToolSession

COMMANDS = CommandFamily("tools")
NO_SERVERS = "No MCP servers are configured: add them under mcp_servers: in config.yaml."


def _session(chat: Chat) -> ToolSession:
    if chat.tools is None:
        raise UsageError("no MCP servers are configured", "Add them under mcp_servers: in config.yaml.")
    return chat.tools


@COMMANDS.command(
    "tools", help="list the tools of the MCP servers, or turn one (or a server's) on or off",
    usage="[on|off NAME…]",
    arguments=[("NAME", "a server (all its tools) or SERVER.TOOL")], example="/tools on files.read",
)  # fmt: skip
async def tools_(ctx: CommandContext, argument: str) -> Result:
    session = _session(ctx.chat)
    words = argument.split()
    if words and words[0] in ("on", "off"):
        if len(words) < 2:
            raise UsageError(f"/tools {words[0]} which?", f"Usage: /tools {words[0]} SERVER[.TOOL]")
        (session.enable if words[0] == "on" else session.disable)(words[1:])
        registry = await session.registry()
        unknown = [name for name in words[1:] if words[0] == "on" and name in registry.unmatched()]
        on = len(registry.tools)
        line = f"tools {words[0]}: {', '.join(words[1:])} ({on} tool{'s' if on != 1 else ''} on)"
        if unknown:
            return Notice(f"{line}; no server that started lists {', '.join(unknown)}", style="chat.error")
        return Notice(line)
    if words:
        raise UsageError(f"unknown /tools argument '{words[0]}'", "Usage: /tools [on|off NAME…]")
    registry = await session.registry()
    rows = [[tool.qualified, "on" if registry.is_enabled(tool.qualified) else "off", tool.description.strip()
             .split("\n", 1)[0]] for tool in registry.available]  # fmt: skip
    failed = [f"{listing.name}: {listing.error}" for listing in await session.listings() if not listing.ok]
    note = "; ".join(failed) if failed else "/tools on|off NAME turns tools on or off"
    return Table(["tool", "state", "about"], rows, title="tools", note=note)


@COMMANDS.command("mcp", help="the MCP servers: whether each started, their tools, prompts and resources")
async def mcp_(ctx: CommandContext, argument: str) -> Result:
    from app.tools import listing_rows

    if ctx.chat.tools is None:
        return Notice(NO_SERVERS)
    session = ctx.chat.tools
    rows = listing_rows(await session.listings(), await session.registry())
    return Table(["kind", "server", "name", "state", "about"], [row + [""] * (5 - len(row)) for row in rows])


@COMMANDS.command(
    "prompt", help="send an MCP prompt, filled in with KEY=VALUE arguments, as your next message",
    usage="[SERVER.]NAME [KEY=VALUE…]", example="/prompt review topic=tests",
)  # fmt: skip
async def prompt_(ctx: CommandContext, argument: str) -> Result:
    session = _session(ctx.chat)
    name = argument.split(maxsplit=1)[0] if argument.strip() else ""
    if not name:
        raise UsageError("which prompt?", "Usage: /prompt NAME [KEY=VALUE…]; /mcp lists the prompts.")
    prompt = await _find_prompt(session, name)
    args = parse_arguments(argument, fixed=1, keys=[a.name for a in prompt.arguments])
    missing = [a.name for a in prompt.arguments if a.required and a.name not in args.pairs]
    if missing:
        raise UsageError(f"prompt '{prompt.name}' needs {', '.join(missing)}", f"Usage: /prompt {name} KEY=VALUE…")
    messages = await session.servers.get_prompt(prompt.server, prompt.name, args.pairs)
    text = "\n\n".join(m.text for m in messages if m.text)
    if not text:
        return Notice(f"prompt '{prompt.name}' gave no text")
    return Ask(text)


async def _find_prompt(session: ToolSession, name: str) -> PromptInfo:
    server, _, prompt = name.partition(".") if "." in name else ("", "", name)
    found = [p for listing in await session.listings() for p in listing.prompts
             if p.name == prompt and server in ("", p.server)]  # fmt: skip
    if not found:
        raise UsageError(f"no MCP prompt '{name}'", "/mcp lists the prompts.")
    if len(found) > 1:
        servers = ", ".join(f"{p.server}.{p.name}" for p in found)
        raise UsageError(f"more than one server has a prompt '{name}'", f"Say which: {servers}")
    return found[0]


def register(registry: Registry) -> None:
    """Add /tools, /mcp and /prompt to `registry`."""
    registry.include(COMMANDS)
