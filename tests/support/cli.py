"""What the `orch` command-line tests share: the test vault's password and secret, the
leak check, the `vault` fixture, and `orch` in a pseudo-terminal."""

from __future__ import annotations

import io
import re

import pexpect
import pytest

from app.vault import Vault

PASSWORD = "vault-pass-Quartz9"
SECRET = "sk-proj-ORCHTESTSECRET-5d1e8b7a3c9f2e60"
SECRET_CORE = "ORCHTESTSECRET"  # any fragment long enough to recognise the secret
ANSI = re.compile(r"\x1b\[")
UNLOCK = {"ORCH_VAULT_PASSWORD": PASSWORD}


def no_leak(*outputs: str) -> None:
    for text in outputs:
        assert SECRET_CORE not in text, text
        assert PASSWORD not in text, text


@pytest.fixture(name="vault")
def vault_fixture(world, make_vault) -> Vault:
    """A vault in ORCH_HOME holding SECRET under `openai` (fast KDF parameters, read from the file)."""
    return make_vault(world.vault_path, PASSWORD, {"openai": SECRET})


def spawn_orch(orch_command, orch_env, *args, env=None):
    """`orch ARGS` in a pseudo-terminal, and the log of what it printed."""
    log = io.StringIO()
    child = pexpect.spawn(
        orch_command[0], [*orch_command[1:], *args], env=orch_env(env), encoding="utf-8", timeout=60, dimensions=(40, 200)
    )
    child.logfile_read = log
    return child, log
