"""The vault file on disk: reading it, and replacing it atomically under a lock."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from app.errors import (
    VaultCorruptError,
    VaultError,
    VaultExistsError,
    VaultMissingError,
    VaultWriteError,
    WrongPasswordError,
)
from app.vault._format import (
    CHECK_MARKER,
    READABLE_VERSIONS,
    Header,
    KdfParams,
    NewerVersion,
    derive_key,
    new_document,
    parse_header,
)
from app.vault._secrets import Secrets, check_secret


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
        """What can be told without the password: path, format version, KDF parameters and names."""
        header = self._read_header()
        names = sorted(header.names) if header.names is not None else None
        return {"path": str(self.path), "version": header.version, "kdf": header.kdf, "names": names}

    def names(self) -> frozenset[str] | None:
        """The names of the secrets, read without the password; None for a version 1 file, which does not say.

        Raises:
            VaultMissingError, VaultCorruptError, VaultError: as `unlock`.
        """
        return self._read_header().names

    # --- reading ---------------------------------------------------------------

    def unlock(self, password: str) -> Secrets:
        """Decrypt the vault.

        Raises:
            VaultMissingError: there is no vault yet.
            WrongPasswordError: the password does not open it.
            VaultCorruptError: the file was modified or truncated.
            VaultError: the path is a folder, or a newer orch wrote the file.
        """
        return self._decrypt(self._read_header(), password)

    def _refuse_folder(self) -> None:
        if self.path.is_dir():
            raise VaultError(
                f"the vault path {self.path} is a folder, not a file",
                f"Set vault.path to a file, e.g. {self.path / 'vault.enc'}.",
            )

    def _read_header(self) -> Header:
        self._refuse_folder()
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raise VaultMissingError(f"no vault at {self.path}", "Create one with `orch vault init`.") from None
        except OSError as exc:
            raise VaultError(f"cannot read {self.path}: {exc.strerror}") from None
        try:
            return parse_header(raw)
        except NewerVersion as newer:
            versions = " and ".join(map(str, READABLE_VERSIONS))
            raise VaultError(
                f"{self.path.name} has format version {newer.version}, this orch reads versions {versions}",
                "Upgrade orch.",
            ) from None
        except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
            raise self._corrupt() from None

    def _corrupt(self) -> VaultCorruptError:
        return VaultCorruptError(
            f"{self.path.name} is corrupt or was modified; it was left untouched",
            f"Restore {self.backup_path.name} if it opens, or move the file away and run `orch vault init`.",
        )

    def _decrypt(self, header: Header, password: str) -> Secrets:
        from cryptography.fernet import Fernet, InvalidToken

        fernet = Fernet(derive_key(password, header.salt, header.params))
        try:
            marker = fernet.decrypt(header.check.encode("ascii"))
        except (InvalidToken, ValueError, UnicodeEncodeError):
            raise WrongPasswordError("wrong vault password", "Nothing was changed.") from None
        if marker != CHECK_MARKER:
            raise self._corrupt()
        try:
            payload = json.loads(fernet.decrypt(header.token.encode("ascii")))
            secrets = payload["secrets"]
            if not isinstance(secrets, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in secrets.items()
            ):
                raise ValueError("secrets")
        except (InvalidToken, ValueError, KeyError, TypeError, UnicodeEncodeError, RecursionError):
            raise self._corrupt() from None
        if header.names is not None and header.names != frozenset(secrets):
            raise self._corrupt()
        return Secrets(secrets)

    # --- writing ---------------------------------------------------------------

    def create(self, password: str, params: KdfParams = KdfParams()) -> None:
        """Make a new, empty vault.

        Raises:
            VaultExistsError: a vault already exists there.
        """
        self._refuse_folder()
        with self._locked():
            if self.exists():
                raise VaultExistsError(
                    f"a vault already exists at {self.path}", "Use `orch vault passwd` to change its password."
                )
            self._write({}, password, params)

    def update(self, password: str, change: Callable[[dict[str, str]], None]) -> Secrets:
        """Apply `change` to the secrets and save, all under the lock.

        Reading happens inside the lock, so two processes that set different
        secrets at once both keep their change. A version 1 file is written
        back as version 2.

        Raises:
            UsageError: a new or changed value is not printable ASCII (see `check_secret`).
        """
        with self._locked():
            header = self._read_header()
            before = self._decrypt(header, password)
            secrets = dict(before)
            change(secrets)
            for name, value in secrets.items():
                if before.get(name) != value:
                    check_secret(name, value)
            self._write(secrets, password, header.params)
            return Secrets(secrets)

    def change_password(self, old: str, new: str, params: KdfParams | None = None) -> None:
        """Re-encrypt every secret under `new`, with a fresh salt and today's KDF parameters (or `params`)."""
        with self._locked():
            secrets = dict(self._decrypt(self._read_header(), old))
            self._write(secrets, new, params or KdfParams())

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        folder = self.path.parent
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise _write_error(folder, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _write(self, secrets: Mapping[str, str], password: str, params: KdfParams) -> None:
        data = new_document(dict(secrets), password, params, os.urandom(16))
        folder = self.path.parent
        try:
            self._remove_stale_temp_files()
            if self.exists():
                _atomic_write(self.backup_path, self.path.read_bytes())
            _atomic_write(self.path, data)
        except VaultWriteError:
            raise
        except OSError as exc:
            raise _write_error(folder, exc) from None

    def _remove_stale_temp_files(self) -> None:
        """Temp files a killed write left behind; only a writer holding the lock makes them, and that is us."""
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()


def _write_error(folder: Path, exc: OSError) -> VaultWriteError:
    reason = exc.strerror or str(exc) or type(exc).__name__
    error = VaultWriteError(f"cannot write the vault in {folder}: {reason}", "Nothing was changed.")
    error.errno, error.strerror = exc.errno, exc.strerror
    return error


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
