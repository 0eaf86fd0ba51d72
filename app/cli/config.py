"""`orch config check | init | path`: validate the configuration, start one's own from the shipped
files, and say which files are in use."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli._subcommand import Action, with_actions
from app.errors import EXIT_OK, EXIT_USAGE, UsageError

if TYPE_CHECKING:
    import argparse

    from app.cli.wiring import Wiring
    from app.config import Config

_FILES = ("config.yaml", "models.yaml")


def check(args: argparse.Namespace, wiring: Wiring) -> int:
    from app import config as config_module

    path = config_module.discover(wiring.invocation.config_path)
    result = config_module.check(path)
    problems = list(result.problems)
    if result.partial is not None:  # the chains are checked even when something else is wrong
        from app.chains import check_chains

        problems += check_chains(result.partial, result.sources)
        problems += _role_file_problems(result.partial, wiring.home, result.sources.config.parent)
    print(f"config: {result.sources.config}")
    print(f"models: {result.sources.models}")
    for note in result.notes:
        print(note)
    if problems:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found")
        return EXIT_USAGE
    cfg = result.config
    assert cfg is not None
    print(f"ok: {len(cfg.providers)} providers, {len(cfg.models)} models, {len(cfg.chains)} chains")
    return EXIT_OK


def _role_file_problems(config: Config, home: Path, base: Path) -> list[str]:
    """The role files (ORCH_HOME/roles, `roles_dirs:`) that cannot be read, or that name an unknown model.

    Those under `roles:` in config.yaml are checked with the rest of the file."""
    from app.errors import ConfigError
    from app.roles import RoleBook

    labels = {label for m in config.models for label in (m.name, *m.aliases)}
    problems: list[str] = []
    for role in RoleBook(config, home, base=base):
        if isinstance(role, ConfigError):
            problems += role.problems
        elif role.model is not None and role.model not in labels and role.source not in ("config.yaml",):
            problems.append(f"{role.source}: role '{role.name}' uses unknown model '{role.model}'")
    return problems


def user_config_dir() -> Path:
    """Where a user's own config.yaml and models.yaml go: `$XDG_CONFIG_HOME/orch` (else ~/.config/orch)."""
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "orch"


def init(args: argparse.Namespace, wiring: Wiring) -> int:
    """Copy the shipped config.yaml and models.yaml to the user config dir; never overwrite either."""
    from app.config import defaults_dir

    target = user_config_dir()
    there = [target / name for name in _FILES if (target / name).exists()]
    if there:
        raise UsageError(f"{there[0]} already exists; nothing was copied",
                         "Edit it, or move it aside and run `orch config init` again.")  # fmt: skip
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in _FILES:
            shutil.copyfile(defaults_dir() / name, target / name)
    except OSError as exc:
        raise UsageError(f"cannot write to {target}: {exc.strerror or exc}") from None
    for name in _FILES:
        print(f"wrote {target / name}")
    print("orch reads them from now on; `orch config check` validates them.")
    return EXIT_OK


def path(args: argparse.Namespace, wiring: Wiring) -> int:
    """Which config.yaml and models.yaml are in use, and where state lives."""
    from app import config as config_module

    config_path = config_module.discover(wiring.invocation.config_path)
    sources = config_module.check(config_path).sources
    shipped = config_path.resolve() == (config_module.defaults_dir() / "config.yaml").resolve()
    home = wiring.home
    print(f"config: {sources.config}" + (" (the shipped defaults; `orch config init` copies them)" if shipped else ""))
    print(f"models: {sources.models}")
    print(f"home:   {home} (history.db, vault.enc, input_history)")
    return EXIT_OK


ACTIONS = {
    "check": Action("validate config.yaml, models.yaml and chains", check),
    "init": Action("copy the shipped config.yaml and models.yaml to your config dir", init),
    "path": Action("which config.yaml and models.yaml are in use, and where state lives", path),
}

COMMAND = with_actions("config", "the configuration", ACTIONS)
