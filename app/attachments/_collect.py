"""What the user named — paths, globs, folders, URLs — as the parts of one message."""

from __future__ import annotations

import glob
import os
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from app.attachments._dirs import folder_parts
from app.attachments._files import file_part
from app.attachments._limits import Budget, Limits
from app.errors import UsageError
from app.types import Part

if TYPE_CHECKING:
    import httpx

_GLOB_CHARS = frozenset("*?[")


async def collect(
    specs: Iterable[str], *, base_dir: Path, fetch: httpx.AsyncClient | None = None, limits: Limits = Limits(),
    resource: Callable[[str], Awaitable[Part]] | None = None,
) -> list[Part]:
    """The parts for `specs`, in the order given.

    Args:
        specs: each a file, a glob (`src/**/*.py`), a folder, an `http(s)://` URL, or an MCP
            resource (`mcp://SERVER/URI`).
        base_dir: what relative paths are relative to (the working folder; a chain's config folder).
        fetch: the shared HTTP client URLs are fetched with (`Runtime.client()`); None refuses URLs.
        limits: how much may be read, over all the specs together.
        resource: reads an `mcp://` address from the session's MCP servers; None refuses them.

    Returns:
        `file` parts (text with its path as `name`, and its media type) and `image` parts (bytes).

    Raises:
        UsageError: something named cannot be attached (binary, missing, unreadable, past a limit);
            then nothing is attached.
    """
    budget = Budget(limits)
    parts: list[Part] = []
    for spec in specs:
        if spec.startswith(("http://", "https://")):
            from app.attachments._web import url_part

            parts.append(await url_part(spec, fetch, budget))
        elif spec.startswith("mcp://"):
            if resource is None:
                raise UsageError(f"{spec}: there are no MCP servers in this session", "Declare them under mcp_servers:.")
            parts.append(await resource(spec))
        else:
            parts += _local(spec, base_dir, budget)
    return parts


def _local(spec: str, base_dir: Path, budget: Budget) -> list[Part]:
    expanded = os.path.expanduser(spec)
    if _GLOB_CHARS.isdisjoint(expanded):
        return _path(base_dir / expanded, spec, budget)
    root = str(base_dir)
    matches = sorted(glob.glob(expanded, root_dir=root, recursive=True))
    if not matches:
        raise UsageError(f"no file matches {spec}")
    parts = []
    for match in matches:
        if os.path.isfile(os.path.join(root, match)):  # a glob's folders are not walked: `**` says what it means
            parts.append(file_part(base_dir / match, match, budget))
    return parts


def _path(path: Path, name: str, budget: Budget) -> list[Part]:
    if path.is_dir():
        return folder_parts(path, name, budget)
    return [file_part(path, name, budget)]
