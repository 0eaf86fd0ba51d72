"""Property: mutations of the shipped config.yaml and models.yaml give a valid config or problems at file:line."""

from __future__ import annotations

import re
import shutil

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.config import check, defaults_dir

NAMES = ("config.yaml", "models.yaml")


def mutate(data: bytes, kind: str, a: int, b: int, xor: int) -> bytes:
    lines = data.splitlines(keepends=True)
    if kind == "flip":
        i = a % len(data)
        return data[:i] + bytes([data[i] ^ xor]) + data[i + 1 :]
    i, j = sorted((a % len(lines), b % len(lines)))
    if kind == "delete":
        return b"".join(lines[:i] + lines[j + 1 :])
    return b"".join(lines[: j + 1] + lines[i : j + 1] + lines[j + 1 :])  # duplicate lines i..j


@settings(max_examples=150, database=None, suppress_health_check=list(HealthCheck))
@given(
    name=st.sampled_from(NAMES),
    steps=st.lists(
        st.tuples(
            st.sampled_from(["flip", "delete", "duplicate"]),
            st.integers(0, 10**6),
            st.integers(0, 10**6),
            st.integers(1, 255),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_a_mutated_shipped_file_loads_or_has_located_problems(world, name, steps):
    folder = world.root / "conf"
    if not folder.exists():
        folder.mkdir()
    for each in NAMES:
        shutil.copyfile(defaults_dir() / each, folder / each)
    target = folder / name
    data = target.read_bytes()
    for kind, a, b, xor in steps:
        data = mutate(data, kind, a, b, xor) or b"\n"
    target.write_bytes(data)
    result = check(folder / "config.yaml")  # an internal error would raise here
    if result.config is None:
        assert result.problems
    located = re.compile(rf"^{re.escape(str(folder))}/(config|models)\.yaml:\d+: ")
    for problem in result.problems:
        assert located.match(problem), problem
