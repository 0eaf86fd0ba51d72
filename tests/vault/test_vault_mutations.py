"""Property: any byte flip or truncation of a small vault reads as corrupt or wrong password, and is left alone."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import VaultCorruptError, WrongPasswordError
from app.vault import Vault

PASSWORD = "correct horse battery"
SECRETS = {"openai": "sk-proj-SECRETVALUE-7f3a9c2e41d8b6"}


def mutations(original: bytes):
    flip = st.tuples(st.integers(0, len(original) - 1), st.integers(1, 255)).map(
        lambda f: original[: f[0]] + bytes([original[f[0]] ^ f[1]]) + original[f[0] + 1 :]
    )
    cut = st.integers(0, len(original) - 1).map(lambda n: original[:n])
    return st.one_of(flip, cut)


@settings(max_examples=150, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_flip_and_truncation_is_corrupt_or_a_wrong_password(world, make_vault, data):
    path = world.root / "small.enc"
    if not path.exists():
        make_vault(path, PASSWORD, SECRETS)
    original = path.read_bytes()
    mutated = data.draw(mutations(original), label="file")
    target = world.root / "mutated.enc"
    target.write_bytes(mutated)
    try:
        opened = dict(Vault(target).unlock(PASSWORD))
    except (VaultCorruptError, WrongPasswordError):
        pass
    else:
        # A change to insignificant whitespace may still open, and then to the same secrets.
        assert opened == SECRETS
    assert target.read_bytes() == mutated
