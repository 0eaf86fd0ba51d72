"""The vault.enc document: reading its header strictly, and writing a new one.

Everything read from the file is checked before it is used: a KDF parameter
out of bounds would otherwise let a hostile file hang or exhaust the machine
in the key derivation, before any token is even looked at.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

FORMAT = "orch-vault"
VERSION = 2
READABLE_VERSIONS = (1, 2)
CHECK_MARKER = b"orch-vault-check-v1"

MAX_MEMORY_KIB = 1024 * 1024  # 1 GiB
MAX_ITERATIONS = 10
MAX_LANES = 16


@dataclass(frozen=True)
class KdfParams:
    memory_kib: int = 65536
    iterations: int = 3
    lanes: int = 4


class NewerVersion(Exception):
    """The file has a format version this orch does not read yet."""

    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


@dataclass(frozen=True)
class Header:
    """What a vault file tells before it is decrypted.

    Attributes:
        names: the secrets' names (a version 2 file), None for version 1, which does not say.
    """

    version: int
    kdf: dict[str, Any]
    params: KdfParams
    salt: bytes
    names: frozenset[str] | None
    check: str
    token: str


def parse_header(raw: bytes) -> Header:
    """The header of a vault file.

    Raises:
        NewerVersion: a format version above the ones read here.
        ValueError: anything else that is not a well-formed vault (the file is corrupt).
    """
    try:
        document = json.loads(raw)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError("format")
    version = document.get("version")
    if type(version) is not int or version < 1:
        raise ValueError("version")
    if version not in READABLE_VERSIONS:
        raise NewerVersion(version)
    kdf = document.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("name") != "argon2id":
        raise ValueError("kdf")
    names = None
    if version >= 2:
        names = document.get("names")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
            raise ValueError("names")
        if document.get("header_sha256") != header_digest(version, kdf, names):
            raise ValueError("header_sha256")
    params = _bounded(kdf)
    salt = kdf.get("salt")
    salt_bytes = base64.b64decode(salt, validate=True) if isinstance(salt, str) else b""
    if len(salt_bytes) < 8:
        raise ValueError("salt")
    check, token = document.get("check"), document.get("token")
    if not isinstance(check, str) or not isinstance(token, str):
        raise ValueError("tokens")
    return Header(version, kdf, params, salt_bytes, frozenset(names) if names is not None else None, check, token)


def _bounded(kdf: dict[str, Any]) -> KdfParams:
    """The KDF parameters, refused unless Argon2id takes them and a laptop can afford them."""
    values = [kdf.get(name) for name in ("memory_kib", "iterations", "lanes")]
    if not all(type(v) is int for v in values):
        raise ValueError("kdf parameters")
    params = KdfParams(*values)
    if not (
        1 <= params.lanes <= MAX_LANES
        and 1 <= params.iterations <= MAX_ITERATIONS
        and 8 * params.lanes <= params.memory_kib <= MAX_MEMORY_KIB
    ):
        raise ValueError("kdf parameters")
    return params


def header_digest(version: int, kdf: dict[str, Any], names: list[str]) -> str:
    """sha256 over format, version, kdf and names, as canonical JSON."""
    covered = {"format": FORMAT, "version": version, "kdf": kdf, "names": names}
    return hashlib.sha256(json.dumps(covered, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def derive_key(password: str, salt: bytes, params: KdfParams) -> bytes:
    """The Fernet key: urlsafe-base64 of the 32 bytes Argon2id derives from the password."""
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    raw = Argon2id(
        salt=salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    ).derive(password.encode("utf-8"))
    return base64.urlsafe_b64encode(raw)


def new_document(secrets: dict[str, str], password: str, params: KdfParams, salt: bytes) -> bytes:
    """A version 2 vault file holding `secrets` under `password`."""
    from cryptography.fernet import Fernet

    fernet = Fernet(derive_key(password, salt, params))
    kdf = {"name": "argon2id", "salt": base64.b64encode(salt).decode("ascii"), **asdict(params)}
    names = sorted(secrets)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "kdf": kdf,
        "names": names,
        "header_sha256": header_digest(VERSION, kdf, names),
        "check": fernet.encrypt(CHECK_MARKER).decode("ascii"),
        "token": fernet.encrypt(json.dumps({"secrets": secrets}).encode("utf-8")).decode("ascii"),
    }
    return (json.dumps(document, indent=1) + "\n").encode("ascii")
