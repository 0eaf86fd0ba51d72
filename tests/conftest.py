"""Shared fixtures: every test runs in its own empty world.

The autouse `isolated` fixture points ORCH_HOME, XDG_CONFIG_HOME and the
working directory at fresh temp dirs and removes every variable that could
let a developer's own keys, vault password, config or colour settings leak
into a test. `run_orch` runs the real `orch` in a subprocess with no
controlling terminal, so that nothing can ever block on a password prompt.

Helpers reach tests as fixtures (`run_orch`, `make_vault`, `fast_kdf`,
`orch_env`), so no test module has to import this file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from app.vault import KdfParams, Vault

# Fixtures of tests/support: the e2e world (a loopback model server, a config pointing at it, `orch` in a
# pty), `llm_server`, and the CLI tests' `vault`.
pytest_plugins = ("tests.support.llm_server", "tests.support.cli", "tests.support.e2e")

# Property tests check what is computed, not how fast: no per-example deadline
# (200 ms by default) and no complaint about slow data generation, either of
# which a loaded CI machine can trip at random.
settings.register_profile("orch", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("orch")

# Argon2id parameters small enough for unit tests (~1 ms a derivation).
FAST_KDF = KdfParams(memory_kib=1024, iterations=1, lanes=1)

_LEAKY_ENV = (
    "ORCH_CONFIG",
    "ORCH_HOME",
    "ORCH_VAULT_PASSWORD",
    "ORCH_VAULT_OLD_PASSWORD",
    "ORCH_DEBUG",
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR_FORCE",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "COLUMNS",
    "LINES",
    "XDG_CONFIG_HOME",
    # The tests' fake services listen on 127.0.0.1: no proxy may stand between.
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)
_KEY_ENV = re.compile(r"(_API_KEY|_API_TOKEN)$")


@dataclass(frozen=True)
class World:
    """The temp dirs a test lives in."""

    root: Path
    home: Path  # ORCH_HOME
    cwd: Path  # the working directory: no ./config.yaml unless a test writes one
    xdg: Path  # XDG_CONFIG_HOME

    @property
    def vault_path(self) -> Path:
        return self.home / "vault.enc"


@pytest.fixture(scope="session")
def bytecode_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the `orch` subprocesses keep their .pyc files, outside the repo: in the venv, so that every
    test worker and every later run shares them (each worker compiling its own cost a run ~15 s of CPU).
    Outside a venv, or where it cannot be written, a folder of this run's own."""
    shared = Path(sys.prefix) / "pycache-for-tests"
    if sys.prefix != sys.base_prefix:
        try:
            shared.mkdir(exist_ok=True)
            return shared
        except OSError:
            pass
    return tmp_path_factory.getbasetemp().parent / "pycache"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bytecode_cache: Path) -> World:
    for name in list(os.environ):
        if name in _LEAKY_ENV or _KEY_ENV.search(name):
            monkeypatch.delenv(name, raising=False)
    # Without this, every subprocess would compile app/ again (PYTHONDONTWRITEBYTECODE
    # may be set to keep the tree clean): a third of each run's time.
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    monkeypatch.setenv("PYTHONPYCACHEPREFIX", str(bytecode_cache))
    world = World(tmp_path, tmp_path / "home", tmp_path / "cwd", tmp_path / "xdg")
    for folder in (world.home, world.cwd, world.xdg):
        folder.mkdir()
    monkeypatch.setenv("ORCH_HOME", str(world.home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(world.xdg))
    monkeypatch.chdir(world.cwd)
    return world


@pytest.fixture
def world(isolated: World) -> World:
    return isolated


def orch_command() -> list[str]:
    """How to run the real `orch`: the venv's script if installed, else `python -m app`."""
    script = Path(sys.executable).with_name("orch")
    if script.is_file():
        return [sys.executable, str(script)]
    return [sys.executable, "-m", "app"]


def orch_env(env: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """The (already isolated) process environment with `env` on top; a None value removes a name."""
    merged = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


def run_orch(
    *args: str,
    env: Mapping[str, str | None] | None = None,
    stdin: str | bytes | None = None,
    timeout: float = 30,
    cwd: Path | None = None,
) -> tuple[int, str, str]:
    """Run `orch ARGS...` and return (exit code, stdout, stderr).

    The child gets no controlling terminal (a new session), so a password
    prompt fails at once instead of hanging; stdin is empty unless given.
    """
    data = stdin.encode() if isinstance(stdin, str) else stdin
    completed = subprocess.run(
        [*orch_command(), *args],
        check=False,
        input=data if data is not None else b"",
        capture_output=True,
        env=orch_env(env),
        cwd=cwd,
        timeout=timeout,
        start_new_session=True,
    )
    return (
        completed.returncode,
        completed.stdout.decode("utf-8", "replace"),
        completed.stderr.decode("utf-8", "replace"),
    )


def make_vault(path: Path, password: str, secrets: Mapping[str, str] | None = None) -> Vault:
    """A vault with FAST_KDF parameters (the CLI reads them from the file)."""
    vault = Vault(path)
    vault.create(password, FAST_KDF)
    if secrets:
        vault.update(password, lambda current: current.update(secrets))
    return vault


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- the helpers as fixtures ------------------------------------------------------


@pytest.fixture(name="run_orch")
def run_orch_fixture():
    """`run_orch(*args, env=None, stdin=None)` -> (rc, stdout, stderr) of the real `orch`."""
    return run_orch


@pytest.fixture(name="orch_env")
def orch_env_fixture():
    """`orch_env(overrides)` -> the environment `run_orch` would give the child."""
    return orch_env


@pytest.fixture(name="orch_command")
def orch_command_fixture() -> list[str]:
    return orch_command()


@pytest.fixture(name="make_vault")
def make_vault_fixture():
    """`make_vault(path, password, secrets)` -> a Vault with fast KDF parameters."""
    return make_vault


@pytest.fixture
def fast_kdf() -> KdfParams:
    return FAST_KDF


@pytest.fixture(name="write")
def write_fixture():
    """`write(path, text)` -> path, creating its folder."""
    return write


@pytest.fixture
def run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """`run_main(*args, env=None, stdin=None)` -> (rc, stdout, stderr) of `app.cli.main` in this process.

    The same code as the `orch` script, minus the interpreter start-up: for
    the many variants of a command. stdin is not a terminal, and a password
    prompt fails as it would with no terminal.
    """
    import io

    from app import cli
    from app.errors import VaultLockedError
    from app.ui import prompts

    def no_terminal(prompt: str) -> str:
        raise VaultLockedError("the vault password is needed and there is no terminal to ask it on")

    def run(*args: str, env: Mapping[str, str | None] | None = None, stdin: str | None = None) -> tuple[int, str, str]:
        with monkeypatch.context() as patch:
            for name, value in (env or {}).items():
                if value is None:
                    patch.delenv(name, raising=False)
                else:
                    patch.setenv(name, value)
            patch.setattr(sys, "stdin", io.StringIO(stdin or ""))
            patch.setattr(prompts, "ask_hidden", no_terminal)
            capsys.readouterr()
            rc = cli.main(list(args))
            out, err = capsys.readouterr()
        return rc, out, err

    return run
