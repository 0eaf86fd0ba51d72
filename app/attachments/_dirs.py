"""A folder as its text files, in name order, skipping what `.gitignore` files rule out."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from app.attachments._files import text_file_part
from app.attachments._limits import Budget
from app.types import Part

if TYPE_CHECKING:
    from pathspec import PathSpec

# Never a project's own text: version control's and tools' folders.
_ALWAYS_SKIPPED = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv"})


def folder_parts(root: Path, name: str, budget: Budget) -> list[Part]:
    """The text files under `root` (named `name/…`), binary files skipped.

    Every `.gitignore` on the way down applies to its own folder and below, as in git.

    Raises:
        UsageError: a limit would be passed.
    """
    parts = []
    for path, relative in _walk(root):
        part = text_file_part(path, f"{name.rstrip('/')}/{relative}", budget)
        if part is not None:
            parts.append(part)
    return parts


def _walk(root: Path) -> Iterator[tuple[Path, str]]:
    rules: list[tuple[str, PathSpec]] = []  # (folder relative to root, its .gitignore) along the current path
    for folder, dirs, files in os.walk(root):
        here = os.path.relpath(folder, root).replace(os.sep, "/")
        here = "" if here == "." else here + "/"
        rules = [(base, spec) for base, spec in rules if here.startswith(base)]
        if ".gitignore" in files:
            rules.append((here, _spec(Path(folder) / ".gitignore")))
        dirs[:] = sorted(d for d in dirs if d not in _ALWAYS_SKIPPED and not _ignored(rules, here + d + "/"))
        for file in sorted(files):
            if not _ignored(rules, here + file):
                yield Path(folder) / file, here + file


def _ignored(rules: list[tuple[str, PathSpec]], relative: str) -> bool:
    return any(spec.match_file(relative[len(base):]) for base, spec in rules)


def _spec(path: Path) -> PathSpec:
    from pathspec import GitIgnoreSpec

    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    return GitIgnoreSpec.from_lines(lines)
