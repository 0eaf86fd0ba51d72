"""app/vault.py: the file format, atomic writes, the lock, and what never leaks."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import (
    VaultCorruptError,
    VaultError,
    VaultMissingError,
    WrongPasswordError,
)
from app.vault import KdfParams, Secrets, Vault, mask

PASSWORD = "correct horse battery"
SECRET = "sk-proj-SECRETVALUE-7f3a9c2e41d8b6"  # recognisable, long enough to be masked as sk-…b6


@pytest.fixture
def vault(world, make_vault) -> Vault:
    return make_vault(world.vault_path, PASSWORD, {"openai": SECRET, "anthropic": "sk-ant-other-0123456789abcdef"})


def leftovers(folder: Path) -> list[str]:
    """Temp files a write left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- round trip and format -----------------------------------------------------------


def test_round_trip(world, fast_kdf):
    vault = Vault(world.vault_path)
    vault.create(PASSWORD, fast_kdf)
    assert dict(vault.unlock(PASSWORD)) == {}
    vault.update(PASSWORD, lambda s: s.update(openai=SECRET, gemini="AIza-gemini-key"))
    vault.update(PASSWORD, lambda s: s.__setitem__("groq", "gsk_groq"))
    reopened = Vault(world.vault_path)
    assert dict(reopened.unlock(PASSWORD)) == {"openai": SECRET, "gemini": "AIza-gemini-key", "groq": "gsk_groq"}


def test_update_returns_the_new_secrets_and_can_delete(vault):
    result = vault.update(PASSWORD, lambda s: s.pop("anthropic"))
    assert dict(result) == {"openai": SECRET}
    assert dict(vault.unlock(PASSWORD)) == {"openai": SECRET}


def test_default_kdf_parameters_are_the_documented_ones():
    assert KdfParams() == KdfParams(memory_kib=65536, iterations=3, lanes=4)


def test_file_follows_the_documented_format(vault):
    """Read the file with `cryptography` directly, as DESIGN.md describes it, not through app.vault."""
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    import hashlib

    document = json.loads(vault.path.read_bytes())
    assert set(document) == {"format", "version", "kdf", "names", "header_sha256", "check", "token"}
    assert (document["format"], document["version"]) == ("orch-vault", 2)
    assert document["names"] == ["anthropic", "openai"]
    covered = {key: document[key] for key in ("format", "version", "kdf", "names")}
    canonical = json.dumps(covered, sort_keys=True, separators=(",", ":")).encode()
    assert document["header_sha256"] == hashlib.sha256(canonical).hexdigest()
    kdf = document["kdf"]
    assert kdf["name"] == "argon2id"
    assert (kdf["memory_kib"], kdf["iterations"], kdf["lanes"]) == (1024, 1, 1)
    salt = base64.b64decode(kdf["salt"])
    assert len(salt) >= 16
    raw = Argon2id(salt=salt, length=32, iterations=1, lanes=1, memory_cost=1024).derive(PASSWORD.encode())
    fernet = Fernet(base64.urlsafe_b64encode(raw))
    fernet.decrypt(document["check"].encode())  # the check token opens under the same key
    payload = json.loads(fernet.decrypt(document["token"].encode()))
    assert payload == {"secrets": {"openai": SECRET, "anthropic": "sk-ant-other-0123456789abcdef"}}


def test_every_write_uses_a_fresh_salt(vault):
    before = json.loads(vault.path.read_bytes())["kdf"]["salt"]
    vault.update(PASSWORD, lambda s: None)
    assert json.loads(vault.path.read_bytes())["kdf"]["salt"] != before


def test_missing_vault(world):
    vault = Vault(world.vault_path)
    assert not vault.exists()
    with pytest.raises(VaultMissingError, match="no vault at"):
        vault.unlock(PASSWORD)
    with pytest.raises(VaultMissingError):
        vault.update(PASSWORD, lambda s: None)
    assert not world.vault_path.exists()


def test_create_refuses_to_overwrite(vault, fast_kdf):
    before = vault.path.read_bytes()
    with pytest.raises(VaultError, match="already exists"):
        Vault(vault.path).create("another password", fast_kdf)
    assert vault.path.read_bytes() == before
    assert dict(vault.unlock(PASSWORD))["openai"] == SECRET


def test_describe_tells_the_kdf_without_the_password(vault):
    info = vault.describe()
    assert info["path"] == str(vault.path)
    assert info["kdf"]["memory_kib"] == 1024
    assert SECRET not in json.dumps(info)


# --- wrong password, corruption --------------------------------------------------------


def test_wrong_password_is_told_and_changes_nothing(vault):
    before = vault.path.read_bytes()
    backup = vault.backup_path.read_bytes()
    with pytest.raises(WrongPasswordError) as caught:
        vault.unlock("not the password")
    assert "wrong vault password" in str(caught.value)
    assert caught.value.exit_code == 2
    with pytest.raises(WrongPasswordError):
        vault.update("not the password", lambda s: s.__setitem__("x", "y"))
    with pytest.raises(WrongPasswordError):
        vault.change_password("not the password", "new password 123")
    assert vault.path.read_bytes() == before
    assert vault.backup_path.read_bytes() == backup


def _flip(data: bytes, index: int, mask_byte: int = 0x01) -> bytes:
    return data[:index] + bytes([data[index] ^ mask_byte]) + data[index + 1 :]


def test_a_flipped_byte_in_the_token_is_corruption_and_never_overwritten(vault):
    data = vault.path.read_bytes()
    token = json.loads(data)["token"]
    index = data.index(token.encode()) + len(token) // 2
    vault.path.write_bytes(_flip(data, index))
    modified = vault.path.read_bytes()
    with pytest.raises(VaultCorruptError, match="corrupt or was modified"):
        vault.unlock(PASSWORD)
    with pytest.raises(VaultCorruptError):
        vault.update(PASSWORD, lambda s: s.__setitem__("new", "value"))
    with pytest.raises(VaultCorruptError):
        vault.change_password(PASSWORD, "another password")
    assert vault.path.read_bytes() == modified


def test_a_swapped_token_is_corruption(world, vault, make_vault):
    """A token from another vault under another key: `check` opens, `token` does not."""
    other = make_vault(world.root / "other.enc", "other password", {"x": "y"})
    document = json.loads(vault.path.read_bytes())
    document["token"] = json.loads(other.path.read_bytes())["token"]
    vault.path.write_text(json.dumps(document))
    with pytest.raises(VaultCorruptError):
        vault.unlock(PASSWORD)


@pytest.mark.parametrize("keep", [0, 1, 10, 0.5, -2])
def test_a_truncated_file_is_corruption(vault, keep):
    data = vault.path.read_bytes()
    cut = data[: int(len(data) * keep) if isinstance(keep, float) else keep]
    vault.path.write_bytes(cut)
    with pytest.raises(VaultCorruptError, match="corrupt or was modified"):
        vault.unlock(PASSWORD)
    with pytest.raises(VaultCorruptError):
        vault.update(PASSWORD, lambda s: None)
    assert vault.path.read_bytes() == cut


def test_every_prefix_is_refused_or_identical(vault):
    data = vault.path.read_bytes()
    original = dict(vault.unlock(PASSWORD))
    # Every 7th length, and every one near the end where the JSON closes (writes are slow here).
    lengths = sorted(set(range(0, len(data), 7)) | set(range(len(data) - 40, len(data))))
    for length in lengths:
        vault.path.write_bytes(data[:length])
        try:
            opened = dict(vault.unlock(PASSWORD))
        except VaultCorruptError:
            continue
        # Only cutting trailing whitespace may leave a readable file, and then the same one.
        assert data[length:].strip() == b"" and opened == original


@pytest.mark.parametrize(
    "kdf",
    [
        {"lanes": 0},
        {"iterations": 0},
        {"memory_kib": 4},
        {"memory_kib": 2**40},
        {"salt": "c2FsdA=="},  # 4 bytes: below Argon2's minimum
        {"name": "scrypt"},
        {"memory_kib": "lots"},
    ],
)
def test_impossible_kdf_parameters_are_corruption_not_a_crash(vault, kdf):
    document = json.loads(vault.path.read_bytes())
    document["kdf"].update(kdf)
    vault.path.write_text(json.dumps(document))
    with pytest.raises(VaultCorruptError):
        vault.unlock(PASSWORD)


def test_a_newer_format_version_is_named(vault):
    document = json.loads(vault.path.read_bytes())
    document["version"] = 3
    vault.path.write_text(json.dumps(document))
    with pytest.raises(VaultError, match="format version 3"):
        vault.unlock(PASSWORD)


@settings(max_examples=120, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_flipped_byte_is_detected_or_harmless(world, make_vault, data):
    """Flip one byte anywhere: orch refuses the file, or (whitespace) reads the very same secrets."""
    path = world.root / "flip.enc"
    if not path.exists():
        make_vault(path, PASSWORD, {"openai": SECRET})
    original = path.read_bytes()
    index = data.draw(st.integers(0, len(original) - 1), label="index")
    bit = data.draw(st.integers(1, 255), label="xor")
    mutated = world.root / "mutated.enc"
    mutated.write_bytes(_flip(original, index, bit))
    try:
        opened = dict(Vault(mutated).unlock(PASSWORD))
    except VaultError:
        return
    assert opened == {"openai": SECRET}


# --- writes: atomicity, backup, permissions ----------------------------------------------


def test_files_are_private(world, fast_kdf):
    vault = Vault(world.root / "fresh" / "dir" / "vault.enc")
    vault.create(PASSWORD, fast_kdf)
    vault.update(PASSWORD, lambda s: s.__setitem__("openai", SECRET))
    assert stat.S_IMODE(vault.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(vault.backup_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(vault.path.parent.stat().st_mode) == 0o700


def test_backup_holds_the_previous_version(vault):
    vault.update(PASSWORD, lambda s: s.__setitem__("openai", "sk-rotated-key-000000000000"))
    assert dict(Vault(vault.backup_path).unlock(PASSWORD))["openai"] == SECRET
    assert dict(vault.unlock(PASSWORD))["openai"] == "sk-rotated-key-000000000000"


class Crash(BaseException):
    """Stands for a crash: not an Exception, so nothing on the way may swallow it."""


@pytest.mark.parametrize("failing", ["vault", "any"])
@pytest.mark.parametrize("error", [OSError("disk full"), Crash()])
def test_failure_between_write_and_replace_keeps_the_old_vault(vault, monkeypatch, failing, error):
    before = vault.path.read_bytes()
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if failing == "any" or Path(dst) == vault.path:
            raise error
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(type(error)):
        vault.update(PASSWORD, lambda s: s.__setitem__("new", "never stored"))
    monkeypatch.setattr(os, "replace", real_replace)

    assert vault.path.read_bytes() == before
    assert dict(Vault(vault.path).unlock(PASSWORD)) == {
        "openai": SECRET,
        "anthropic": "sk-ant-other-0123456789abcdef",
    }
    assert leftovers(vault.path.parent) == []


def test_failure_while_writing_the_temp_file_leaves_nothing(vault, monkeypatch):
    before = vault.path.read_bytes()

    def fsync(fd):
        raise Crash()

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(Crash):
        vault.update(PASSWORD, lambda s: s.clear())
    monkeypatch.undo()
    assert vault.path.read_bytes() == before
    assert leftovers(vault.path.parent) == []


def test_a_process_killed_before_replace_leaves_the_old_vault(world, vault):
    """A real crash: the process dies (os._exit) right before the vault is replaced."""
    script = textwrap.dedent(
        f"""
        import os, sys
        from pathlib import Path
        from app.vault import Vault
        target = Path({str(vault.path)!r})
        real = os.replace
        def replace(src, dst):
            if Path(dst) == target:
                os._exit(3)
            real(src, dst)
        os.replace = replace
        Vault(target).update({PASSWORD!r}, lambda s: s.__setitem__("new", "lost"))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, timeout=30)
    assert done.returncode == 3, done.stderr.decode()
    assert dict(Vault(vault.path).unlock(PASSWORD)) == {
        "openai": SECRET,
        "anthropic": "sk-ant-other-0123456789abcdef",
    }
    # The next write still works, and the stale temp file holds no clear text.
    vault.update(PASSWORD, lambda s: s.__setitem__("after", "crash"))
    assert "after" in vault.unlock(PASSWORD)
    for leftover in world.home.iterdir():
        assert SECRET.encode() not in leftover.read_bytes()


_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from app.vault import Vault
    path, password, tag, go, count = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4]), int(sys.argv[5])
    go.with_name(f"ready-{tag}").touch()
    while not go.exists():
        time.sleep(0.001)
    vault = Vault(Path(path))
    for i in range(count):
        vault.update(password, lambda s, i=i: s.__setitem__(f"{tag}-{i}", f"value-{tag}-{i}"))
    """
)


def test_two_processes_writing_at_once_both_keep_their_changes(world, make_vault):
    vault = make_vault(world.vault_path, PASSWORD)
    go = world.root / "go"
    count = 12
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(vault.path), PASSWORD, tag, str(go), str(count)],
            stderr=subprocess.PIPE,
        )
        for tag in ("alpha", "beta")
    ]
    deadline = time.monotonic() + 30
    while not all((world.root / f"ready-{tag}").exists() for tag in ("alpha", "beta")):
        assert time.monotonic() < deadline, "the writers never started"
        time.sleep(0.005)
    go.touch()  # both start writing at the same moment
    for writer in writers:
        _, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err.decode()
    names = set(vault.unlock(PASSWORD))
    expected = {f"{tag}-{i}" for tag in ("alpha", "beta") for i in range(count)}
    assert names == expected
    assert leftovers(world.home) == []


# --- nothing leaks -------------------------------------------------------------------------


def test_no_secret_or_password_in_the_bytes_on_disk(world, vault):
    vault.update(PASSWORD, lambda s: s.__setitem__("gemini", "AIzaSy-gemini-SECRET-98765"))
    for path in world.home.iterdir():
        data = path.read_bytes()
        for needle in (SECRET, "AIzaSy-gemini-SECRET-98765", PASSWORD, "SECRETVALUE"):
            assert needle.encode() not in data, (path.name, needle)
            assert base64.b64encode(needle.encode()) not in data


def test_repr_and_str_never_show_a_value(vault):
    secrets = vault.unlock(PASSWORD)
    assert isinstance(secrets, Secrets)
    for shown in (repr(secrets), str(secrets), f"{secrets}", repr(vault), repr([secrets])):
        assert SECRET not in shown
        assert "SECRETVALUE" not in shown
    assert "openai" in repr(secrets)  # names are not secret, and they help


def test_errors_never_carry_the_password_or_a_secret(vault):
    wrong = "Wr0ng-Passw0rd-Xyzzy"
    with pytest.raises(WrongPasswordError) as caught:
        vault.unlock(wrong)
    text = str(caught.value) + repr(caught.value) + " ".join(map(str, caught.value.args))
    assert wrong not in text and PASSWORD not in text
    data = vault.path.read_bytes()
    vault.path.write_bytes(data.replace(b'"token": "', b'"token": "x'))
    with pytest.raises(VaultCorruptError) as corrupt:
        vault.unlock(PASSWORD)
    assert SECRET not in str(corrupt.value) and PASSWORD not in str(corrupt.value)
    assert corrupt.value.__cause__ is None and corrupt.value.__suppress_context__


def test_change_password(vault):
    vault.change_password(PASSWORD, "a brand new password")
    with pytest.raises(WrongPasswordError):
        vault.unlock(PASSWORD)
    assert dict(vault.unlock("a brand new password"))["openai"] == SECRET
    assert dict(Vault(vault.backup_path).unlock(PASSWORD))["openai"] == SECRET


# --- mask ------------------------------------------------------------------------------------


def test_mask_shows_the_ends_of_a_long_key():
    assert mask("sk-proj-abcdefghijklmnopqrstuvwxyz-abcd") == "sk-…abcd"


@settings(database=None)
@given(st.text(alphabet=st.characters(blacklist_characters="…•"), min_size=1, max_size=80))
def test_mask_never_reveals_a_value(value):
    shown = mask(value)
    assert value not in shown
    revealed = len(shown.replace("…", "").replace("•", ""))
    assert revealed == 0 if len(value) < 20 else revealed == 7
