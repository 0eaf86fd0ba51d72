"""The checked configuration kept in ORCH_HOME: used while its files are unchanged, never trusted beyond that."""

from __future__ import annotations

import json
import os
import pickle
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import _snapshot, load
from app.errors import ConfigError

CONFIG = """\
default_model: fast
network: {timeout_s: 30}
providers:
  echo: {kind: echo}
  openai: {kind: openai, base_url: http://127.0.0.1:9/v1, key: {env: OPENAI_API_KEY}}
mcp_servers:
  files: {command: [python, server.py], env: {TOKEN: {vault: files}}}
"""
MODELS = """\
models:
  - {name: fast, provider: echo, id: echo, aliases: [quick]}
  - {name: gpt, provider: openai, id: gpt-5, options: {temperature: 0.2}, pricing: {input: 1, output: 2}}
"""


@pytest.fixture
def conf(world) -> Path:
    folder = world.root / "conf"
    folder.mkdir()
    (folder / "models.yaml").write_text(MODELS)
    path = folder / "config.yaml"
    path.write_text(CONFIG)
    return path


def kept_files(home: Path) -> list[Path]:
    path = home / _snapshot.FILE
    return [path] if path.is_file() else []


def test_a_checked_configuration_is_kept_and_read_back_the_same(conf, world):
    first, sources = load(str(conf), home=world.home)
    assert len(kept_files(world.home)) == 1
    again, sources_again = load(str(conf), home=world.home)
    assert again == first
    assert sources_again == sources
    assert again.find_model("quick").name == "fast"
    assert again.find_model("gpt").options.temperature == 0.2
    assert again.mcp_servers["files"].transport == "stdio"


def test_the_kept_configuration_is_read_without_yaml_or_pydantic(conf, world):
    load(str(conf), home=world.home)
    probe = (
        "import json, sys\n"
        "from app.config import load\n"
        f"config, _ = load({str(conf)!r}, home=__import__('pathlib').Path({str(world.home)!r}))\n"
        "print(json.dumps([config.default_model, 'pydantic' in sys.modules, 'yaml' in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == ["fast", False, False]


def test_a_change_of_either_file_is_seen_at_once_even_of_the_same_size_and_time(conf, world):
    load(str(conf), home=world.home)
    before = conf.stat()
    conf.write_text(CONFIG.replace("timeout_s: 30", "timeout_s: 31"))
    os.utime(conf, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert load(str(conf), home=world.home)[0].network.timeout_s == 31

    models = conf.parent / "models.yaml"
    models.write_text(MODELS.replace("aliases: [quick]", "aliases: [quack]"))
    assert load(str(conf), home=world.home)[0].find_model("quack").name == "fast"


def test_a_configuration_broken_after_it_was_kept_is_refused_with_its_problem(conf, world):
    load(str(conf), home=world.home)
    conf.write_text(CONFIG.replace("timeout_s: 30", "timeout_s: -1"))
    with pytest.raises(ConfigError) as caught:
        load(str(conf), home=world.home)
    assert any("network.timeout_s" in line for line in caught.value.lines())


def test_a_configuration_with_problems_is_never_kept(conf, world):
    conf.write_text(CONFIG + "bogus: 1\n")
    with pytest.raises(ConfigError):
        load(str(conf), home=world.home)
    assert kept_files(world.home) == []


def test_the_file_is_private_to_the_user(conf, world):
    load(str(conf), home=world.home)
    (kept,) = kept_files(world.home)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "literal",
    [
        "  web: {url: http://127.0.0.1:9/mcp, headers: {Authorization: Bearer sk-live}}\n",
        "  shell: {command: [python, s.py], env: {TOKEN: sk-live}}\n",
    ],
)
def test_a_value_written_straight_into_headers_or_env_is_never_copied(conf, world, literal):
    conf.write_text(CONFIG + literal)
    config, _ = load(str(conf), home=world.home)
    assert len(config.mcp_servers) == 2
    assert kept_files(world.home) == []


def test_provider_headers_are_never_copied(conf, world):
    conf.write_text(CONFIG.replace("key: {env: OPENAI_API_KEY}}", "headers: {X-Api-Key: sk-live}}"))
    load(str(conf), home=world.home)
    assert kept_files(world.home) == []


def test_a_damaged_file_is_ignored_and_replaced(conf, world):
    first, _ = load(str(conf), home=world.home)
    (kept,) = kept_files(world.home)
    kept.write_bytes(kept.read_bytes()[:-40])
    assert load(str(conf), home=world.home)[0] == first
    assert load(str(conf), home=world.home)[0] == first  # and the file was written anew
    assert kept.read_bytes().count(b"\n") >= 2


def test_a_pickle_naming_anything_but_the_schema_runs_nothing(conf, world, tmp_path):
    load(str(conf), home=world.home)
    (kept,) = kept_files(world.home)
    header = b"".join(kept.read_bytes().splitlines(keepends=True)[:2])
    witness = tmp_path / "ran"

    class Hostile:
        def __reduce__(self):
            return (os.system, (f"touch {witness}",))

    kept.write_bytes(header + pickle.dumps(Hostile(), protocol=5))
    config, _ = load(str(conf), home=world.home)
    assert config.default_model == "fast"
    assert not witness.exists()


def test_without_a_writable_home_the_configuration_still_loads(conf, world):
    home = world.root / "not-a-folder"
    home.write_text("a file where the home would be")
    assert load(str(conf), home=home)[0].default_model == "fast"
    assert load(str(conf), home=home)[0].default_model == "fast"


def test_another_config_replaces_it_and_each_is_read_right(conf, world):
    other = world.root / "project" / "config.yaml"
    other.parent.mkdir()
    other.write_text(CONFIG.replace("default_model: fast", "default_model: gpt"))
    (other.parent / "models.yaml").write_text(MODELS)
    for _ in range(2):
        assert load(str(conf), home=world.home)[0].default_model == "fast"
        assert load(str(other), home=world.home)[0].default_model == "gpt"


def test_one_shot_keeps_it_in_orch_home(conf, world, run_orch):
    rc, out, err = run_orch("--config", str(conf), "-m", "fast", "hello")
    assert rc == 0, err
    assert "hello" in out
    assert len(kept_files(world.home)) == 1
    rc, out, err = run_orch("--config", str(conf), "-m", "fast", "again")
    assert rc == 0, err
    assert "again" in out
