"""The encrypted key store, `vault.enc`.

Format (JSON)::

    {"format": "orch-vault", "version": 1,
     "kdf": {"name": "argon2id", "salt": B64, "memory_kib": 65536, "iterations": 3, "lanes": 4},
     "check": FERNET_TOKEN, "token": FERNET_TOKEN}

The Fernet key is the urlsafe-base64 of the 32 bytes Argon2id derives from the
password. `check` encrypts a fixed marker: if it does not decrypt, the
password is wrong; if it does and `token` does not, the file was modified.

This module never prompts and never prints: passwords and secrets come in as
arguments. Every write happens under an exclusive lock, goes to a temp file in
the same folder (mode 0600, fsynced) and replaces the vault atomically, after
the previous version is kept as `vault.enc.bak`.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from app.errors import VaultCorruptError, VaultError, VaultMissingError, WrongPasswordError

FORMAT = "orch-vault"
VERSION = 1
_CHECK_MARKER = b"orch-vault-check-v1"


@dataclass(frozen=True)
class KdfParams:
    memory_kib: int = 65536
    iterations: int = 3
    lanes: int = 4


def mask(value: str) -> str:
    """A secret shown safely: its first three and last four characters at most.

    Values shorter than 20 characters show none of them: seven characters of
    a short secret would give most of it away.
    """
    if len(value) < 20:
        return "…" + "•" * 4
    return f"{value[:3]}…{value[-4:]}"


class Secrets(Mapping[str, str]):
    """Decrypted secrets held in memory. Their repr never shows a value."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)

    def __getitem__(self, name: str) -> str:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Secrets(names={sorted(self._values)!r})"

    def masked(self) -> dict[str, str]:
        return {name: mask(value) for name, value in sorted(self._values.items())}


def _derive_key(password: str, salt: bytes, params: KdfParams) -> bytes:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    raw = Argon2id(
        salt=salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    ).derive(password.encode("utf-8"))
    return base64.urlsafe_b64encode(raw)


class Vault:
    """The vault file at `path`.

    Args:
        path: where vault.enc lives; its folder is created on first write.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.backup_path = self.path.with_name(self.path.name + ".bak")
        self._lock_path = self.path.with_name(self.path.name + ".lock")

    def __repr__(self) -> str:
        return f"Vault({str(self.path)!r})"

    def exists(self) -> bool:
        return self.path.is_file()

    def describe(self) -> dict:
        """What can be told without the password: path, format and KDF parameters."""
        header = self._read_header()
        return {"path": str(self.path), "version": header["version"], "kdf": header["kdf"]}

    # --- reading ---------------------------------------------------------------

    def unlock(self, password: str) -> Secrets:
        """Decrypt the vault.

        Raises:
            VaultMissingError: there is no vault yet.
            WrongPasswordError: the password does not open it.
            VaultCorruptError: the file was modified or truncated.
        """
        return self._decrypt(self._read_header(), password)

    def _read_header(self) -> dict:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raise VaultMissingError(
                f"no vault at {self.path}", "Create one with `orch vault init`."
            ) from None
        except OSError as exc:
            raise VaultError(f"cannot read {self.path}: {exc.strerror}") from None
        try:
            header = json.loads(raw)
            if header.get("format") != FORMAT:
                raise ValueError("format")
            if header.get("version") != VERSION:
                raise VaultError(
                    f"{self.path.name} has format version {header.get('version')}, this orch reads {VERSION}",
                    "Upgrade orch.",
                )
            kdf = header["kdf"]
            if kdf.get("name") != "argon2id":
                raise ValueError("kdf")
            _check_params(_params_of(header))
            if len(base64.b64decode(kdf["salt"], validate=True)) < 8:
                raise ValueError("salt")
            if not isinstance(header["check"], str) or not isinstance(header["token"], str):
                raise ValueError("tokens")
        except VaultError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
            raise self._corrupt() from None
        return header

    def _corrupt(self) -> VaultCorruptError:
        return VaultCorruptError(
            f"{self.path.name} is corrupt or was modified; it was left untouched",
            f"Restore {self.backup_path.name} if it opens, or move the file away and run `orch vault init`.",
        )

    def _decrypt(self, header: dict, password: str) -> Secrets:
        from cryptography.fernet import Fernet, InvalidToken

        kdf = header["kdf"]
        params = KdfParams(int(kdf["memory_kib"]), int(kdf["iterations"]), int(kdf["lanes"]))
        fernet = Fernet(_derive_key(password, base64.b64decode(kdf["salt"]), params))
        try:
            marker = fernet.decrypt(header["check"].encode("ascii"))
        except (InvalidToken, ValueError, UnicodeEncodeError):
            raise WrongPasswordError("wrong vault password", "Nothing was changed.") from None
        if marker != _CHECK_MARKER:
            raise self._corrupt()
        try:
            payload = json.loads(fernet.decrypt(header["token"].encode("ascii")))
            secrets = payload["secrets"]
            if not isinstance(secrets, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in secrets.items()
            ):
                raise ValueError("secrets")
        except (InvalidToken, ValueError, KeyError, TypeError, UnicodeEncodeError):
            raise self._corrupt() from None
        return Secrets(secrets)

    # --- writing ---------------------------------------------------------------

    def create(self, password: str, params: KdfParams = KdfParams()) -> None:
        """Make a new, empty vault.

        Raises:
            VaultError: a vault already exists there.
        """
        with self._locked():
            if self.exists():
                raise VaultError(f"a vault already exists at {self.path}", "Use `orch vault passwd` to change its password.")
            self._write({}, password, params)

    def update(self, password: str, change: Callable[[dict[str, str]], None]) -> Secrets:
        """Apply `change` to the secrets and save, all under the lock.

        Reading happens inside the lock, so two processes that set different
        secrets at once both keep their change.
        """
        with self._locked():
            header = self._read_header()
            secrets = dict(self._decrypt(header, password))
            change(secrets)
            self._write(secrets, password, _params_of(header))
            return Secrets(secrets)

    def change_password(self, old: str, new: str, params: KdfParams | None = None) -> None:
        """Re-encrypt every secret under `new`, with a fresh salt."""
        with self._locked():
            header = self._read_header()
            secrets = dict(self._decrypt(header, old))
            self._write(secrets, new, params or _params_of(header))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _write(self, secrets: Mapping[str, str], password: str, params: KdfParams) -> None:
        from cryptography.fernet import Fernet

        salt = os.urandom(16)
        fernet = Fernet(_derive_key(password, salt, params))
        document = {
            "format": FORMAT,
            "version": VERSION,
            "kdf": {"name": "argon2id", "salt": base64.b64encode(salt).decode("ascii"), **asdict(params)},
            "check": fernet.encrypt(_CHECK_MARKER).decode("ascii"),
            "token": fernet.encrypt(json.dumps({"secrets": dict(secrets)}).encode("utf-8")).decode("ascii"),
        }
        data = (json.dumps(document, indent=1) + "\n").encode("ascii")
        if self.exists():
            _atomic_write(self.backup_path, self.path.read_bytes())
        _atomic_write(self.path, data)


def _params_of(header: dict) -> KdfParams:
    kdf = header["kdf"]
    return KdfParams(int(kdf["memory_kib"]), int(kdf["iterations"]), int(kdf["lanes"]))


def _check_params(params: KdfParams) -> None:
    """Refuse parameters Argon2id rejects, or that would exhaust the machine (a modified file).

    Raises:
        ValueError: they are out of bounds.
    """
    if not (
        1 <= params.lanes <= 64
        and 1 <= params.iterations <= 64
        and 8 * params.lanes <= params.memory_kib <= 4 * 1024 * 1024
    ):
        raise ValueError("kdf parameters")


def _atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a crash leaves the old or the new file, never half of one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
