"""The attachments family: /file and /paste attach to the next message."""

from __future__ import annotations

import shlex
from pathlib import Path

from app.commands.arguments import parse_arguments
from app.commands.registry import CommandContext, CommandFamily, Registry
from app.commands.results import Notice, Result
from app.errors import UsageError

COMMANDS = CommandFamily("attachments")


def _pending(ctx: CommandContext) -> Notice:
    from app.attachments import describe

    return Notice(f"attached to the next message: {describe(ctx.chat.attachments)}")


@COMMANDS.command("file", usage="PATH... [--clear] [max_files=N] [max_mb=N]",
                  help="attach files, globs, folders or web pages to the next message",
                  arguments=[("PATH", "a file, a glob, a folder (its text files) or an http(s) URL"),
                             ("--clear", "drop what is attached"), ("max_files=N", "allow more files (200)"),
                             ("max_mb=N", "allow more MB (4)")],
                  example="/file src/*.py notes.md")  # fmt: skip
async def file(ctx: CommandContext, argument: str) -> Result:
    from app.attachments import DEFAULT_MAX_BYTES, DEFAULT_MAX_FILES, Limits, collect

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
        limits = Limits(int(parsed.pairs.get("max_files", DEFAULT_MAX_FILES)),
                        int(float(parsed.pairs.get("max_mb", DEFAULT_MAX_BYTES / 2**20)) * 2**20))  # fmt: skip
    except ValueError:
        raise UsageError("max_files and max_mb take numbers") from None
    parts = await collect(specs, base_dir=Path.cwd(), fetch=ctx.chat.runtime.client(), limits=limits)
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
