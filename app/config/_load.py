"""Loading the configuration: the kept snapshot when its files are unchanged, else a full check."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from app.config._discovery import discover
from app.config._schema import Config, Sources
from app.errors import ConfigError


def load(
    explicit: str | None = None, env: Mapping[str, str] = os.environ, *, home: Path | None = None
) -> tuple[Config, Sources]:
    """Discover and load the configuration.

    Args:
        home: ORCH_HOME, where a configuration that passed its check is kept for
            the next start (`_snapshot`); None reads and checks the files every time.

    Raises:
        ConfigError: with every problem found.
        UsageError: an explicit config path that does not exist.
    """
    from app.config import _snapshot

    path = discover(explicit, env)
    if home is not None and (kept := _snapshot.read(home, path)) is not None:
        return kept
    from app.config._check import check

    result = check(path)
    if result.config is None:
        raise ConfigError(result.problems)
    if home is not None:
        _snapshot.write(home, result.config, result.sources)
    return result.config, result.sources
