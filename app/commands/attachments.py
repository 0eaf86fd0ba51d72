"""The attachments family: /file and /paste attach to the next message."""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterator
from pathlib import Path

from app.commands.arguments import parse_arguments
from app.commands.registry import CommandContext, CommandFamily, Registry
from app.commands.results import Notice, Result
from app.errors import UsageError

COMMANDS = CommandFamily("attachments")


def _pending(ctx: CommandContext) -> Notice:
    from app.attachments import describe

    return Notice(f"attached to the next message: {describe(ctx.chat.attachments)}")


def _paths(ctx: CommandContext, argument: str) -> Iterator[str]:
    """The files and folders the last word may name (a folder with its `/`, to go on into it)."""
    word = argument.rsplit(" ", 1)[-1]
    if word.startswith(("-", "http://", "https://")) or "=" in word:
        return
    folder, _, start = word.rpartition("/")
    where = Path(os.path.expanduser(folder + "/" if folder or word.startswith("/") else ".")).resolve()
    try:
        names = sorted(os.listdir(where))
    except OSError:
        return
    prefix = f"{folder}/" if folder or word.startswith("/") else ""
    for name in names:
        if name.startswith(start) and (start.startswith(".") or not name.startswith(".")):
            yield prefix + name + ("/" if (where / name).is_dir() else "")


@COMMANDS.command("file", usage="PATH... [--clear] [max_files=N] [max_mb=N]",
                  help="attach files, globs, folders or web pages to the next message",
                  arguments=[("PATH", "a file, a glob, a folder (its text files), an http(s) URL, or mcp://SERVER/URI"),
                             ("--clear", "drop what is attached"), ("max_files=N", "allow more files (200)"),
                             ("max_mb=N", "allow more MB (4)")],
                  example="/file src/*.py notes.md", complete=_paths)  # fmt: skip
async def file(ctx: CommandContext, argument: str) -> Result:
    from app.attachments import Limits, collect

    parsed = parse_arguments(argument, options={"--clear"}, keys=("max_files", "max_mb"))
    specs = shlex.split(parsed.rest)
    if "--clear" in parsed.options:
        ctx.chat.attachments = []
        return Notice("nothing attached")
    if not specs:
        if ctx.chat.attachments:
            return _pending(ctx)
        raise UsageError("usage: /file PATH...", "/file --clear drops what is attached.")
    try:
        files, mb = parsed.pairs.get("max_files"), parsed.pairs.get("max_mb")
        limits = Limits.of(None if files is None else int(files), None if mb is None else float(mb))
    except ValueError:
        raise UsageError("max_files and max_mb take numbers") from None
    tools = ctx.chat.tools
    parts = await collect(specs, base_dir=Path.cwd(), fetch=ctx.chat.runtime.client(), limits=limits,
                          resource=tools.resource_part if tools is not None else None)  # fmt: skip
    ctx.chat.attach(parts)
    return _pending(ctx)


@COMMANDS.command("paste", help="attach the clipboard's image or text to the next message")
async def paste(ctx: CommandContext, argument: str) -> Result:
    from app.attachments import clipboard_part

    ctx.chat.attach([clipboard_part()])
    return _pending(ctx)


def register(registry: Registry) -> None:
    """Add /file and /paste to `registry`."""
    registry.include(COMMANDS)
