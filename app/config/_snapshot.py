"""A checked configuration kept for the next start, so that reading it again needs neither YAML nor pydantic.

    found = read(home, config_path)      # (Config, Sources), or None: not kept, or a file has changed
    write(home, config, sources)         # after a check found no problem

One file, `ORCH_HOME/config.snapshot`, holds the configuration last checked:
a first line with the digest of what it was read from (the bytes of
config.yaml and of its models.yaml, with their paths, and the source of the
schema itself), a second with the models.yaml path, then the Config, pickled.
It is used only when that digest is the digest of the files as they are now,
and it is unpickled by an unpickler that makes nothing but the schema's own
sections. Another config.yaml (a project's own) replaces it.

A configuration that writes a value straight into `headers:` or an MCP
server's `env:` is not kept, since the value may be a secret: no copy of it is
made outside the file the user wrote it in.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

from app.config import _base, _chains, _schema, _tools
from app.config._schema import Config, Sources

FILE = "config.snapshot"
_SECTION_MODULES = {m.__name__: m for m in (_schema, _tools, _chains)}
_SCHEMA_FILES = tuple(Path(m.__file__) for m in (_base, _schema, _tools, _chains))


def read(home: Path, config_path: Path) -> tuple[Config, Sources] | None:
    """The kept configuration of `config_path`, if every file it was read from is unchanged."""
    try:
        with open(home / FILE, "rb") as kept:
            digest = kept.readline().rstrip(b"\n").decode("ascii")
            models_path = Path(kept.readline().rstrip(b"\n").decode("utf-8"))
            if digest != _digest(config_path, models_path):
                return None
            config = _SectionUnpickler(kept).load()
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None
    if not isinstance(config, Config):
        return None
    return config, Sources(config_path, models_path)


def write(home: Path, config: Config, sources: Sources) -> None:
    """Keep `config` for the next start (quietly not, when it may hold a secret or home cannot be written)."""
    if _holds_literal_values(config):
        return
    try:
        digest = _digest(sources.config, sources.models)
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = home / FILE
        payload = f"{digest}\n{sources.models}\n".encode() + pickle.dumps(config, protocol=5)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
        os.replace(partial, path)
    except (OSError, UnicodeEncodeError, pickle.PicklingError):
        pass


def _digest(config_path: Path, models_path: Path) -> str:
    """What the configuration depends on, as one sha256: both files with their paths, and the schema's source."""
    h = hashlib.sha256()
    for path in (config_path.resolve(), models_path.resolve(), *_SCHEMA_FILES):
        data = path.read_bytes()
        h.update(os.fsencode(path))
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def _holds_literal_values(config: Config) -> bool:
    if any(getattr(provider, "headers", None) for provider in config.providers.values()):
        return True
    return any(isinstance(value, str) for server in config.mcp_servers.values()
               for value in (*server.env.values(), *server.headers.values()))  # fmt: skip


class _SectionUnpickler(pickle.Unpickler):
    """Makes the schema's sections and nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        found = getattr(_SECTION_MODULES.get(module), name, None)
        if isinstance(found, type) and issubclass(found, _base.Section):
            return found
        raise pickle.UnpicklingError(f"{module}.{name} is not a part of the configuration")
