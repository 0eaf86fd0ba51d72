"""Where the configuration files and the state folder are."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from app.errors import UsageError


def defaults_dir() -> Path:
    """Where the shipped config.yaml and models.yaml live.

    A built wheel carries them inside the package; a source checkout or an
    editable install reads the repo's top-level copies.
    """
    packaged = Path(__file__).parent.parent / "defaults"
    if (packaged / "config.yaml").is_file():
        return packaged
    return Path(__file__).resolve().parent.parent.parent


def discover(explicit: str | None = None, env: Mapping[str, str] = os.environ) -> Path:
    """The config.yaml to use, first found wins.

    The order: `explicit` (--config), $ORCH_CONFIG, ./.orch/config.yaml (a
    project's own), $XDG_CONFIG_HOME/orch/config.yaml, then the shipped
    defaults. A bare ./config.yaml is never read: the name is too common for a
    file that happens to be in the working directory to take orch over.

    Raises:
        UsageError: a named config that is missing, a folder, or not a regular file.
    """
    for candidate in (explicit, env.get("ORCH_CONFIG")):
        if candidate:
            path = Path(candidate).expanduser()
            if not path.is_file():
                raise UsageError(f"config file {why_not_a_file(path)}: {path}")
            return path
    project = Path(".orch") / "config.yaml"
    if project.is_file():
        return project
    xdg = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "orch" / "config.yaml"
    if xdg.is_file():
        return xdg
    return defaults_dir() / "config.yaml"


def why_not_a_file(path: Path) -> str:
    """Why `path`, which is not a regular file, cannot be read as one: 'is a folder', ..."""
    if path.is_dir():
        return "is a folder"
    if path.exists():
        return "is not a regular file"
    return "not found"


def state_dir(explicit: str | None = None, env: Mapping[str, str] = os.environ) -> Path:
    """ORCH_HOME: where vault.enc, history.db and input_history live."""
    chosen = explicit or env.get("ORCH_HOME")
    if chosen:
        return Path(chosen).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("orch", appauthor=False))
