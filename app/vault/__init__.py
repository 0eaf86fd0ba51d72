"""The encrypted key store, `vault.enc`.

Format (JSON), version 2::

    {"format": "orch-vault", "version": 2,
     "kdf": {"name": "argon2id", "salt": B64, "memory_kib": 65536, "iterations": 3, "lanes": 4},
     "names": [NAME, ...], "header_sha256": HEX,
     "check": FERNET_TOKEN, "token": FERNET_TOKEN}

The Fernet key is the urlsafe-base64 of the 32 bytes Argon2id derives from the
password. `check` encrypts a fixed marker: if it does not decrypt, the
password is wrong; if it does and `token` does not, the file was modified.
`names` tells which secrets are there without the password; `header_sha256`
(over format, version, kdf and names) makes a damaged header read as corrupt
rather than as a wrong password. Version 1 has neither; it is read as before
and written as version 2 on its next change.

This package never prompts and never prints: passwords and secrets come in as
arguments. Every write happens under an exclusive lock, goes to a temp file in
the same folder (mode 0600, fsynced) and replaces the vault atomically, after
the previous version is kept as `vault.enc.bak`.
"""

from app.vault._format import FORMAT, MAX_ITERATIONS, MAX_LANES, MAX_MEMORY_KIB, VERSION, KdfParams
from app.vault._secrets import Secrets, check_secret, mask
from app.vault._store import Vault

__all__ = [
    "FORMAT",
    "MAX_ITERATIONS",
    "MAX_LANES",
    "MAX_MEMORY_KIB",
    "VERSION",
    "KdfParams",
    "Secrets",
    "Vault",
    "check_secret",
    "mask",
]
