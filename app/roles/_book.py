"""Every role a session can use, from its sources in order: a later source overrides an earlier by name.

1. the shipped roles (the package's `roles/` folder);
2. the folders `roles_dirs:` names, in the order given (Fabric patterns, `NAME/system.md`, or `NAME.md`);
3. `ORCH_HOME/roles/` (`NAME.md`, or `NAME/system.md`);
4. `roles:` in config.yaml.

The files are found when the book is first asked, not when it is made: a
session that never uses a role never lists a folder.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterator
from pathlib import Path

from app.config import Config, defaults_dir
from app.errors import ConfigError, UsageError
from app.roles._files import from_config, read_role, role_files
from app.roles._role import SavedRole

SHIPPED = "shipped"


def shipped_roles_dir() -> Path:
    """Where the shipped roles live (inside the package when built, the repo's `roles/` otherwise)."""
    return defaults_dir() / "roles"


class RoleBook:
    """The roles of one configuration and ORCH_HOME.

    Args:
        config: gives `roles:` and `roles_dirs:`.
        home: ORCH_HOME, whose `roles/` folder holds the user's own.
        base: the folder relative `roles_dirs:` resolve against (config.yaml's).
        shipped: the folder of the shipped roles (tests give their own).
    """

    def __init__(self, config: Config, home: Path, base: Path | None = None, shipped: Path | None = None) -> None:
        self.config = config
        self.home = home
        self.base = base
        self.shipped = shipped if shipped is not None else shipped_roles_dir()
        self._files: dict[str, tuple[Path, bool]] | None = None

    def folders(self) -> list[Path]:
        """The `roles_dirs:` folders, resolved."""
        resolved = []
        for folder in self.config.roles_dirs:
            path = Path(folder).expanduser()
            if not path.is_absolute() and self.base is not None:
                path = self.base / path
            resolved.append(path)
        return resolved

    def _found(self) -> dict[str, tuple[Path, bool]]:
        """Each role file by name, and whether it is a shipped one; later folders win."""
        if self._files is None:
            files = {name: (path, True) for name, path in role_files(self.shipped).items()}
            for folder in [*self.folders(), self.home / "roles"]:
                files |= {name: (path, False) for name, path in role_files(folder).items()}
            self._files = files
        return self._files

    def names(self) -> list[str]:
        """Every role's name, sorted."""
        return sorted({*self._found(), *self.config.roles})

    def get(self, name: str) -> SavedRole:
        """The role called `name`.

        Raises:
            UsageError: no such role, with the nearest names as a hint.
            ConfigError: its file cannot be read or is not a valid role.
        """
        if name in self.config.roles:
            return from_config(name, self.config.roles[name], "config.yaml")
        found = self._found().get(name)
        if found is None:
            near = difflib.get_close_matches(name, self.names(), n=3)
            hint = f"Did you mean {', '.join(near)}?" if near else "`/roles` lists the roles."
            raise UsageError(f"unknown role '{name}'", hint)
        path, shipped = found
        role = read_role(name, path)
        return dataclasses.replace(role, source=SHIPPED) if shipped else role

    def __iter__(self) -> Iterator[SavedRole | ConfigError]:
        """Every role by name; one whose file is broken is its error, so a listing can say so."""
        for name in self.names():
            try:
                yield self.get(name)
            except ConfigError as exc:
                yield exc
