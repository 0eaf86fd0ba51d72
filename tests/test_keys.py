"""app/keys.py: where a provider's key comes from, and when the vault password is asked."""

from __future__ import annotations

import json

import pytest

from app.config import KeySpec
from app.errors import KeyMissingError, VaultLockedError, WrongPasswordError
from app.keys import PASSWORD_ENV, KeyRing
from app.vault import Vault

PASSWORD = "vault password 1"
VAULT_KEY = "sk-from-the-vault-0123456789abcdef"
ENV_KEY = "sk-from-the-env-fedcba9876543210"
OPENAI = KeySpec(vault="openai", env="OPENAI_API_KEY")


class Asker:
    """A password source that counts how often it was asked."""

    def __init__(self, answer: str = PASSWORD) -> None:
        self.answer = answer
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return self.answer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def vault(world, make_vault) -> Vault:
    return make_vault(world.vault_path, PASSWORD, {"openai": VAULT_KEY})


def as_version_1(vault: Vault) -> Vault:
    """The same vault written as format version 1, which does not list its names."""
    document = json.loads(vault.path.read_bytes())
    del document["names"], document["header_sha256"]
    vault.path.write_text(json.dumps({**document, "version": 1}))
    return vault


def test_no_spec_needs_no_key(world):
    ring = KeyRing(Vault(world.vault_path), env={})
    assert ring.get("ollama", None) is None
    assert ring.status(None) == "none needed"


def test_vault_comes_before_the_env(vault):
    asker = Asker()
    ring = KeyRing(vault, password_source=asker, env={"OPENAI_API_KEY": ENV_KEY})
    assert ring.get("openai", OPENAI) == VAULT_KEY
    assert asker.calls == 1


def test_env_when_the_vault_lacks_the_name(vault):
    ring = KeyRing(vault, password_source=Asker(), env={"ANTHROPIC_API_KEY": ENV_KEY})
    spec = KeySpec(vault="anthropic", env="ANTHROPIC_API_KEY")
    assert ring.get("anthropic", spec) == ENV_KEY


def test_env_when_there_is_no_vault_and_nothing_is_asked(world):
    asker = Asker()
    ring = KeyRing(Vault(world.vault_path), password_source=asker, env={"OPENAI_API_KEY": ENV_KEY})
    assert ring.get("openai", OPENAI) == ENV_KEY
    assert ring.status(OPENAI) == "env"
    assert asker.calls == 0


def test_missing_key_says_how_to_add_one(world):
    ring = KeyRing(Vault(world.vault_path), env={})
    with pytest.raises(KeyMissingError) as caught:
        ring.get("openai", OPENAI)
    text = str(caught.value)
    assert "no API key for openai" in text
    assert "orch vault set openai" in text and "OPENAI_API_KEY" in text
    assert ring.status(OPENAI) == "missing"


def test_password_from_the_environment_wins_over_asking(vault):
    asker = Asker("not used")
    ring = KeyRing(vault, password_source=asker, env={PASSWORD_ENV: PASSWORD})
    assert ring.get("openai", OPENAI) == VAULT_KEY
    assert asker.calls == 0


def test_asked_once_per_session(vault):
    asker = Asker()
    ring = KeyRing(vault, password_source=asker, env={})
    for _ in range(3):
        assert ring.get("openai", OPENAI) == VAULT_KEY
    assert asker.calls == 1
    assert ring.unlocked


def test_locked_vault_and_nobody_to_ask(vault):
    ring = KeyRing(vault, password_source=None, env={})
    with pytest.raises(VaultLockedError, match=PASSWORD_ENV):
        ring.get("openai", OPENAI)


def test_wrong_password_propagates_and_keeps_the_ring_locked(vault):
    ring = KeyRing(vault, password_source=Asker("wrong one"), env={})
    with pytest.raises(WrongPasswordError):
        ring.get("openai", OPENAI)
    assert not ring.unlocked


def test_idle_lock_forgets_the_vault(vault):
    clock, asker = Clock(), Asker()
    ring = KeyRing(vault, password_source=asker, env={}, idle_lock_s=60, clock=clock)
    ring.get("openai", OPENAI)
    clock.now += 59
    ring.get("openai", OPENAI)  # use renews the timer
    clock.now += 59
    assert ring.unlocked
    clock.now += 2
    assert not ring.unlocked
    ring.get("openai", OPENAI)
    assert asker.calls == 2


def test_lock_forgets_at_once(vault):
    asker = Asker()
    ring = KeyRing(vault, password_source=asker, env={})
    ring.get("openai", OPENAI)
    ring.lock()
    assert not ring.unlocked
    ring.get("openai", OPENAI)
    assert asker.calls == 2


def test_status_never_asks(vault):
    as_version_1(vault)  # one that cannot tell which names it holds
    asker = Asker()
    ring = KeyRing(vault, password_source=asker, env={})
    assert ring.status(OPENAI) == "locked"
    assert ring.status(KeySpec(vault="groq")) == "locked"
    assert asker.calls == 0
    assert not ring.unlocked


def test_status_of_a_locked_vault_with_an_env_key_is_env(vault):
    ring = KeyRing(vault, env={"OPENAI_API_KEY": ENV_KEY})
    assert ring.status(OPENAI) == "env"


def test_status_uses_the_password_from_the_environment(vault):
    ring = KeyRing(vault, env={PASSWORD_ENV: PASSWORD})
    assert ring.status(OPENAI) == "vault"
    assert ring.status(KeySpec(vault="gemini", env="GEMINI_API_KEY")) == "missing"


def test_status_with_a_wrong_env_password_tries_once(vault, monkeypatch):
    tries = []
    real_unlock = Vault.unlock

    def counting_unlock(self, password):
        tries.append(password)
        return real_unlock(self, password)

    monkeypatch.setattr(Vault, "unlock", counting_unlock)
    ring = KeyRing(as_version_1(vault), env={PASSWORD_ENV: "wrong password"})
    statuses = [ring.status(KeySpec(vault=name)) for name in ("openai", "anthropic", "gemini", "groq")]
    assert statuses == ["locked"] * 4
    assert len(tries) == 1


def test_needs_password(vault, world):
    ring = KeyRing(vault, env={})
    assert ring.needs_password(OPENAI)
    assert not ring.needs_password(None)
    assert not ring.needs_password(KeySpec(env="OPENAI_API_KEY"))
    assert not KeyRing(vault, env={PASSWORD_ENV: PASSWORD}).needs_password(OPENAI)
    assert not KeyRing(Vault(world.root / "absent.enc"), env={}).needs_password(OPENAI)
    ring.unlock(PASSWORD)
    assert not ring.needs_password(OPENAI)


def test_repr_shows_no_key(vault):
    ring = KeyRing(vault, password_source=Asker(), env={})
    ring.get("openai", OPENAI)
    assert VAULT_KEY not in repr(ring)
    assert "unlocked=True" in repr(ring)


def test_a_locked_vault_that_cannot_be_asked_falls_back_to_the_env_var(world, make_vault):
    as_version_1(make_vault(world.vault_path, "correct horse", {"anthropic": "sk-ant-from-vault"}))
    spec = KeySpec(vault="openai", env="OPENAI_API_KEY")
    ring = KeyRing(Vault(world.vault_path), password_source=None, env={"OPENAI_API_KEY": "sk-from-env"})
    assert ring.get("openai", spec) == "sk-from-env"
    bare = KeyRing(Vault(world.vault_path), password_source=None, env={})
    with pytest.raises(VaultLockedError):
        bare.get("openai", spec)
