"""Hostile vault files, format version 2, write failures, and what KeyRing does without a password."""

from __future__ import annotations

import json
import os
import stat

import pytest

from app.config import KeySpec
from app.errors import (
    KeyMissingError,
    UsageError,
    VaultCorruptError,
    VaultError,
    VaultExistsError,
    VaultWriteError,
    WrongPasswordError,
)
from app.keys import KeyRing
from app.vault import KdfParams, Vault

PASSWORD = "correct horse battery"
SECRET = "sk-proj-SECRETVALUE-7f3a9c2e41d8b6"
OPENAI = KeySpec(vault="openai", env="OPENAI_API_KEY")


@pytest.fixture
def vault(world, make_vault) -> Vault:
    return make_vault(world.vault_path, PASSWORD, {"openai": SECRET})


def edit(vault: Vault, **changes) -> None:
    document = json.loads(vault.path.read_bytes())
    document.update(changes)
    vault.path.write_text(json.dumps(document))


def version_1(vault: Vault) -> None:
    document = json.loads(vault.path.read_bytes())
    del document["names"], document["header_sha256"]
    vault.path.write_text(json.dumps({**document, "version": 1}))


class Asker:
    def __init__(self, answer=PASSWORD) -> None:
        self.answer, self.calls = answer, 0

    def __call__(self) -> str:
        self.calls += 1
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


# --- 7. KDF bounds ------------------------------------------------------------------------


@pytest.mark.parametrize("kdf", [{"memory_kib": 1024 * 1024 + 1}, {"iterations": 11}, {"lanes": 17}, {"lanes": True}])
def test_kdf_parameters_past_the_bounds_are_corrupt_and_nothing_is_derived(vault, kdf, monkeypatch):
    version_1(vault)  # no header hash: the bounds alone must refuse it
    document = json.loads(vault.path.read_bytes())
    edit(vault, kdf={**document["kdf"], **kdf})
    monkeypatch.setattr("app.vault._store.derive_key", lambda *a: pytest.fail("derived a key"))
    with pytest.raises(VaultCorruptError, match="corrupt or was modified"):
        vault.unlock(PASSWORD)


def test_change_password_writes_todays_kdf_defaults(vault):
    vault.change_password(PASSWORD, "a new password 42")
    kdf = json.loads(vault.path.read_bytes())["kdf"]
    assert (kdf["memory_kib"], kdf["iterations"], kdf["lanes"]) == (65536, 3, 4)
    assert dict(vault.unlock("a new password 42")) == {"openai": SECRET}


# --- 8. malformed fields, deep nesting, folders, non-ASCII ------------------------------------


@pytest.mark.parametrize("version", ["1", "2", True, 1.0, None, 0])
def test_a_malformed_version_is_corruption(vault, version):
    edit(vault, version=version)
    with pytest.raises(VaultCorruptError):
        vault.unlock(PASSWORD)


def test_deeply_nested_json_is_corruption(vault):
    vault.path.write_bytes(b"[" * 100_000)
    with pytest.raises(VaultCorruptError):
        vault.unlock(PASSWORD)


def test_a_vault_path_that_is_a_folder_is_told(world, fast_kdf):
    folder = world.root / "afolder"
    folder.mkdir()
    for action in (lambda v: v.unlock(PASSWORD), lambda v: v.create(PASSWORD, fast_kdf)):
        with pytest.raises(VaultError, match="is a folder, not a file"):
            action(Vault(folder))


@pytest.mark.parametrize("value", ["sk-abc…", "sk-\u201cquoted\u201d", "sk-line\nbreak", "clé"])
def test_a_secret_that_is_not_printable_ascii_is_refused_at_set_time(vault, value):
    before = vault.path.read_bytes()
    with pytest.raises(UsageError, match="not printable ASCII") as caught:
        vault.update(PASSWORD, lambda s: s.__setitem__("groq", value))
    assert value not in str(caught.value)
    assert vault.path.read_bytes() == before


def test_init_on_an_existing_vault_is_a_usage_error(vault, fast_kdf):
    with pytest.raises(VaultExistsError) as caught:
        vault.create(PASSWORD, fast_kdf)
    assert caught.value.exit_code == 2


# --- 9. version 2 ----------------------------------------------------------------------------


def test_the_names_are_known_without_the_password(vault):
    assert vault.names() == {"openai"}
    assert vault.describe()["names"] == ["openai"]


@pytest.mark.parametrize("field", ["salt", "memory_kib"])
def test_a_damaged_header_is_corrupt_not_a_wrong_password(vault, field):
    document = json.loads(vault.path.read_bytes())
    kdf = document["kdf"]
    kdf[field] = "AAAAAAAAAAAAAAAAAAAAAA==" if field == "salt" else 2048
    edit(vault, kdf=kdf)
    with pytest.raises(VaultCorruptError):
        vault.unlock(PASSWORD)


def test_names_that_do_not_match_the_secrets_are_corrupt(world, make_vault):
    import hashlib

    vault = make_vault(world.vault_path, PASSWORD, {"openai": SECRET})
    document = json.loads(vault.path.read_bytes())
    document["names"] = ["gemini"]
    covered = {key: document[key] for key in ("format", "version", "kdf", "names")}
    canonical = json.dumps(covered, sort_keys=True, separators=(",", ":")).encode()
    document["header_sha256"] = hashlib.sha256(canonical).hexdigest()
    vault.path.write_text(json.dumps(document))
    with pytest.raises(VaultCorruptError):
        vault.unlock(PASSWORD)


def test_a_version_1_file_is_read_and_written_back_as_version_2(vault):
    version_1(vault)
    assert vault.names() is None
    assert dict(vault.unlock(PASSWORD)) == {"openai": SECRET}
    vault.update(PASSWORD, lambda s: s.__setitem__("groq", "gsk-groq"))
    document = json.loads(vault.path.read_bytes())
    assert document["version"] == 2 and document["names"] == ["groq", "openai"]


def test_a_key_the_vault_does_not_hold_comes_from_the_env_with_no_password(vault):
    asker = Asker()
    spec = KeySpec(vault="anthropic", env="ANTHROPIC_API_KEY")
    ring = KeyRing(vault, password_source=asker, env={"ANTHROPIC_API_KEY": "sk-ant-env"})
    assert ring.get("anthropic", spec) == "sk-ant-env"
    assert ring.status(spec) == "env" and not ring.needs_password(spec)
    with pytest.raises(KeyMissingError):
        KeyRing(vault, password_source=asker, env={}).get("gemini", KeySpec(vault="gemini"))
    assert asker.calls == 0


@pytest.mark.parametrize("answer", [KeyboardInterrupt(), EOFError(), ""])
def test_a_cancelled_password_prompt_falls_back_to_the_env_var(vault, answer):
    ring = KeyRing(vault, password_source=Asker(answer), env={"OPENAI_API_KEY": "sk-env"})
    assert ring.get("openai", OPENAI) == "sk-env"


def test_a_cancelled_prompt_without_an_env_var_still_fails(vault):
    with pytest.raises(KeyboardInterrupt):
        KeyRing(vault, password_source=Asker(KeyboardInterrupt()), env={}).get("openai", OPENAI)


def test_a_wrong_password_is_still_an_error_with_an_env_var(vault):
    ring = KeyRing(vault, password_source=Asker("wrong"), env={"OPENAI_API_KEY": "sk-env"})
    with pytest.raises(WrongPasswordError):
        ring.get("openai", OPENAI)


# --- 10. writes ------------------------------------------------------------------------------


def test_stale_temp_files_are_removed_on_the_next_write(vault):
    stale = [vault.path.parent / ".vault.enc.abc123.tmp", vault.path.parent / ".vault.enc.bak.def456.tmp"]
    for path in stale:
        path.write_bytes(b"left by a killed write")
    vault.update(PASSWORD, lambda s: s.__setitem__("groq", "gsk-groq"))
    assert not any(path.exists() for path in stale)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through read-only modes")
def test_a_read_only_folder_is_one_clear_line(world, fast_kdf):
    folder = world.root / "readonly"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(VaultWriteError, match=f"cannot write the vault in {folder}: Permission denied"):
            Vault(folder / "vault.enc").create(PASSWORD, fast_kdf)
    finally:
        folder.chmod(0o700)


def test_a_full_disk_is_one_clear_line_naming_the_folder(vault, monkeypatch):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(VaultWriteError) as caught:
        vault.update(PASSWORD, lambda s: s.__setitem__("groq", "gsk-groq"))
    assert caught.value.lines()[0] == f"cannot write the vault in {vault.path.parent}: No space left on device"
    assert isinstance(caught.value, OSError) and caught.value.errno == errno.ENOSPC


def test_kdf_defaults_fit_the_bounds():
    from app.vault import MAX_ITERATIONS, MAX_LANES, MAX_MEMORY_KIB

    params = KdfParams()
    assert params.memory_kib <= MAX_MEMORY_KIB and params.iterations <= MAX_ITERATIONS and params.lanes <= MAX_LANES
