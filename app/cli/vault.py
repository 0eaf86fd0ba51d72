"""`orch vault init | set NAME | list | remove NAME | passwd | status`: the key vault's upkeep.

Passwords and secrets come from a hidden prompt, or from the environment
(`ORCH_VAULT_PASSWORD`, `ORCH_VAULT_OLD_PASSWORD` for `passwd`) and stdin
when there is no terminal; never from the command line.
"""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING

from app.cli._subcommand import Action, with_actions
from app.errors import EXIT_OK, ConfigError, UsageError, VaultError, VaultExistsError, WrongPasswordError

if TYPE_CHECKING:
    import argparse

    from app.cli.wiring import Wiring
    from app.vault import Vault

_SECRET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MIN_PASSWORD = 8
OLD_PASSWORD_ENV = "ORCH_VAULT_OLD_PASSWORD"


def _ask(prompt: str) -> str:
    # Looked up when asked, not bound at import: tests put a fake in its place.
    from app.ui import prompts

    return prompts.ask_hidden(prompt)


def _password_env() -> str | None:
    from app.keys import PASSWORD_ENV

    return os.environ.get(PASSWORD_ENV)


def _password(prompt: str = "Vault password: ") -> str:
    return _password_env() or _ask(prompt)


def _new_password(password: str | None) -> str:
    """`password` if given, else one typed twice; refused when short."""
    if password is None:
        password = _ask("New vault password: ")
        if len(password) >= MIN_PASSWORD and _ask("Repeat it: ") != password:
            raise UsageError("the two passwords differ; nothing was changed")
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"the vault password needs at least {MIN_PASSWORD} characters; nothing was changed")
    return password


def _secret_value(name: str) -> str:
    value = _ask(f"Value for {name}: ") if sys.stdin.isatty() else sys.stdin.read()
    value = value.strip()
    if not value:
        raise UsageError(f"no value given for {name}; nothing was changed")
    return value


def _vault(wiring: Wiring, *, existing: bool = True, lenient: bool = False) -> Vault:
    """The vault the config names (or ORCH_HOME's); `existing`: it must be there.

    A config that cannot be read stops every action but `status` (`lenient`): its `vault.path`
    may name another vault, and a secret must never land where the fixed config will not look.
    """
    config = None
    try:
        config, _ = wiring.config()
    except ConfigError:
        if not lenient:
            raise
    vault = wiring.vault(config)
    if existing and not vault.exists():
        raise VaultError(f"no vault at {vault.path}", "Create one with `orch vault init`.")
    return vault


def _secret_name(args: argparse.Namespace) -> str:
    if not _SECRET_NAME.match(args.name):
        raise UsageError(f"'{args.name}' is not a valid secret name", "Use letters, digits, '.', '_' or '-'.")
    return args.name


# --- the actions ------------------------------------------------------------------


def status(args: argparse.Namespace, wiring: Wiring) -> int:
    vault = _vault(wiring, existing=False, lenient=True)
    if not vault.exists():
        print(f"no vault at {vault.path}\nCreate one with `orch vault init`.")
        return EXIT_OK
    info = vault.describe()
    kdf = info["kdf"]
    print(f"vault: {info['path']}")
    print(f"encryption: Fernet (AES-128-CBC + HMAC-SHA256), key from Argon2id "
          f"m={kdf['memory_kib']} KiB t={kdf['iterations']} p={kdf['lanes']}")  # fmt: skip
    print(f"backup: {vault.backup_path if vault.backup_path.exists() else 'none yet'}")
    return EXIT_OK


def init(args: argparse.Namespace, wiring: Wiring) -> int:
    vault = _vault(wiring, existing=False)
    if vault.exists():
        raise VaultExistsError(f"a vault already exists at {vault.path}", "Change its password with `orch vault passwd`.")
    vault.create(_new_password(_password_env()))
    print(f"created {vault.path}")
    print("Add a key with `orch vault set NAME` (e.g. openai, anthropic, gemini).")
    return EXIT_OK


def set_secret(args: argparse.Namespace, wiring: Wiring) -> int:
    from app.vault import mask

    name = _secret_name(args)
    vault = _vault(wiring)
    password = _password()
    vault.unlock(password)  # a wrong password fails before the secret is asked
    value = _secret_value(name)
    vault.update(password, lambda secrets: secrets.__setitem__(name, value))
    print(f"stored {name} ({mask(value)})")
    return EXIT_OK


def remove(args: argparse.Namespace, wiring: Wiring) -> int:
    name = _secret_name(args)
    vault = _vault(wiring)

    def without_it(secrets: dict[str, str]) -> None:
        if name not in secrets:
            raise UsageError(f"no secret named '{name}' in the vault")
        del secrets[name]

    vault.update(_password(), without_it)
    print(f"removed {name}")
    return EXIT_OK


def list_secrets(args: argparse.Namespace, wiring: Wiring) -> int:
    try:
        secrets = _vault(wiring).unlock(_password())
    except WrongPasswordError as exc:
        exc.hint = None  # listing changes nothing: "nothing was changed" would be noise
        raise
    if not secrets:
        print("the vault is empty; add a key with `orch vault set NAME`")
    for name, shown in secrets.masked().items():
        print(f"{name}\t{shown}")
    return EXIT_OK


def passwd(args: argparse.Namespace, wiring: Wiring) -> int:
    vault = _vault(wiring)
    from_env = os.environ.get(OLD_PASSWORD_ENV)
    old = from_env or _ask("Current vault password: ")
    vault.unlock(old)
    # Both from the environment, or both typed: never the new one from a variable set for something else.
    new = _new_password(_password_env() if from_env else None)
    vault.change_password(old, new)
    print("vault password changed")
    return EXIT_OK


ACTIONS = {
    "init": Action("create the vault", init),
    "set": Action("store a secret (value from a hidden prompt or stdin)", set_secret, ("name",)),
    "list": Action("names and masked values", list_secrets),
    "remove": Action("delete a secret", remove, ("name",)),
    "passwd": Action("change the vault password", passwd),
    "status": Action("where the vault is and how it is protected", status),
}

COMMAND = with_actions("vault", "the encrypted key vault", ACTIONS)
