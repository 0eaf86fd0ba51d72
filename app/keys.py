"""Finding API keys: the vault first, then the provider's environment variable.

The vault is unlocked on the first request that needs it and kept unlocked
for the session; it is forgotten after `idle_lock_s` without use or on `lock()`.
Where the password comes from is the caller's business (`password_source`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Literal

from app.config import KeySpec
from app.errors import KeyMissingError, VaultError, VaultLockedError
from app.vault import Secrets, Vault

KeyStatus = Literal["vault", "env", "none needed", "missing", "locked"]
PASSWORD_ENV = "ORCH_VAULT_PASSWORD"


class KeyRing:
    """API keys for providers.

    Args:
        vault: the vault file (it may not exist).
        password_source: called when the vault must be unlocked and
            ORCH_VAULT_PASSWORD is not set; None means "cannot ask".
        env: the environment to read key variables from.
        idle_lock_s: forget the unlocked vault after this long unused.
    """

    def __init__(
        self,
        vault: Vault,
        password_source: Callable[[], str] | None = None,
        env: Mapping[str, str] = os.environ,
        idle_lock_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.vault = vault
        self.password_source = password_source
        self.env = env
        self.idle_lock_s = idle_lock_s
        self._clock = clock
        self._secrets: Secrets | None = None
        self._last_use = 0.0
        # `status` tries ORCH_VAULT_PASSWORD once, not once per model (each try costs a KDF run).
        self._status_unlock_tried = False

    def __repr__(self) -> str:
        return f"KeyRing(vault={self.vault!r}, unlocked={self.unlocked})"

    @property
    def unlocked(self) -> bool:
        self._expire()
        return self._secrets is not None

    def lock(self) -> None:
        self._secrets = None

    def unlock(self, password: str) -> None:
        self._secrets = self.vault.unlock(password)
        self._last_use = self._clock()

    def needs_password(self, spec: KeySpec | None) -> bool:
        """Would `get(spec)` have to unlock the vault with a password nobody gave yet?"""
        return (
            spec is not None
            and spec.vault is not None
            and not self.unlocked
            and self._may_hold_as_far_as_known(spec.vault)
            and not self.env.get(PASSWORD_ENV)
        )

    def get(self, provider: str, spec: KeySpec | None) -> str | None:
        """The key for `provider`, or None when it needs none.

        A key whose name a version 2 vault does not list comes from the env
        var at once, with no password asked. A cancelled password prompt
        (Ctrl-C, or nothing entered) falls back to the env var when it is set.

        Raises:
            KeyMissingError: neither the vault nor the env var has it.
            VaultLockedError: the vault must be opened, no password can be had,
                and the env var is not set either.
            WrongPasswordError, VaultCorruptError: from the vault.
        """
        if spec is None:
            return None
        has_env = bool(spec.env and self.env.get(spec.env))
        if spec.vault and self._may_hold(spec.vault):
            try:
                secrets = self._open()
            except (VaultLockedError, KeyboardInterrupt, EOFError):
                # Nobody can be asked (a script, a pipe), or the prompt was cancelled: the env var still serves.
                if not has_env:
                    raise
            else:
                if spec.vault in secrets:
                    return secrets[spec.vault]
        if has_env:
            return self.env[spec.env]
        setup = "" if self.vault.exists() else "`orch vault init`, then "
        fixes = [f"{setup}`orch vault set {spec.vault}`"] if spec.vault else []
        fixes += [f"`export {spec.env}=…`"] if spec.env else []
        raise KeyMissingError(f"no API key for {provider}", f"Fix it with {' or '.join(fixes)}." if fixes else None)

    def status(self, spec: KeySpec | None) -> KeyStatus:
        """Where `get` would find the key, told without asking for a password."""
        if spec is None:
            return "none needed"
        if spec.vault and self._may_hold_as_far_as_known(spec.vault):
            if self._secrets is None and self.env.get(PASSWORD_ENV) and not self._status_unlock_tried:
                self._status_unlock_tried = True
                try:
                    self.unlock(self.env[PASSWORD_ENV])
                except Exception:
                    pass
            if self._secrets is not None:
                if spec.vault in self._secrets:
                    return "vault"
            elif not (spec.env and self.env.get(spec.env)):
                return "locked"
        if spec.env and self.env.get(spec.env):
            return "env"
        return "missing"

    def _may_hold(self, name: str) -> bool:
        """Could the vault have `name`? Told without a password: a version 2 file lists its names."""
        if self._secrets is not None and not self._expired():
            return name in self._secrets
        if not self.vault.exists():
            return False
        names = self.vault.names()
        return names is None or name in names

    def _may_hold_as_far_as_known(self, name: str) -> bool:
        """`_may_hold`, where a vault that cannot be read counts as "maybe" (for questions that must not fail)."""
        try:
            return self._may_hold(name)
        except VaultError:
            return self.vault.exists()

    def _open(self) -> Secrets:
        self._expire()
        if self._secrets is None:
            password = self.env.get(PASSWORD_ENV)
            if password is None:
                if self.password_source is None:
                    raise VaultLockedError(
                        "the vault is locked and no password can be asked here",
                        f"Set {PASSWORD_ENV} or run orch in a terminal.",
                    )
                password = self.password_source()
                if not password:
                    raise VaultLockedError("no vault password was given", f"Set {PASSWORD_ENV} or enter it at the prompt.")
            self.unlock(password)
        self._last_use = self._clock()
        assert self._secrets is not None
        return self._secrets

    def _expired(self) -> bool:
        return bool(self.idle_lock_s) and self._clock() - self._last_use > self.idle_lock_s  # type: ignore[operator]

    def _expire(self) -> None:
        if self._secrets is not None and self._expired():
            self._secrets = None
