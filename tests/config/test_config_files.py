"""Hostile and mistaken config files: each is a problem at file:line, never an internal error or a hang."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from app.config import ModelOptions, check, defaults_dir, discover, load
from app.errors import ConfigError, UsageError

CONFIG = "default_model: echo\nproviders:\n  echo: {kind: echo}\n"
MODELS = "models:\n  - {name: echo, provider: echo, id: echo}\n"


@pytest.fixture
def folder(world) -> Path:
    path = world.root / "conf"
    path.mkdir()
    (path / "models.yaml").write_text(MODELS)
    return path


def problems(config: Path) -> list[str]:
    result = check(config)
    assert result.config is None and result.problems, result
    return result.problems


def one(found: list[str], pattern: str) -> str:
    matching = [p for p in found if re.search(pattern, p)]
    assert len(matching) == 1, (pattern, found)
    return matching[0]


# --- 1. discovery ---------------------------------------------------------------------------


def test_a_project_config_is_read_and_a_bare_config_yaml_never(world, write):
    write(world.cwd / "config.yaml", "default_model: hijacked\n")
    assert discover(None) == defaults_dir() / "config.yaml"
    xdg = write(world.xdg / "orch" / "config.yaml", "{}\n")
    assert discover(None) == xdg
    project = write(world.cwd / ".orch" / "config.yaml", "{}\n")
    assert discover(None).resolve() == project.resolve()


def test_a_named_config_that_is_a_folder_says_so(world):
    with pytest.raises(UsageError, match="is a folder"):
        discover(str(world.root))


# --- 2. aliases -----------------------------------------------------------------------------


def billion_laughs(levels: int = 9) -> str:
    rows = ['x0: &x0 ["a","a","a","a","a","a","a","a","a","a"]']
    rows += [f"x{i}: &x{i} [{','.join([f'*x{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(rows) + "\n"


def test_aliases_that_expand_without_bound_are_refused_at_their_line(folder):
    config = folder / "config.yaml"
    config.write_text(billion_laughs())
    started = time.monotonic()
    found = one(problems(config), "expand")
    assert time.monotonic() - started < 5
    assert found.startswith(f"{config}:5: ")  # x4 is the first to pass 100,000 values


def test_a_recursive_alias_is_a_config_error(folder):
    config = folder / "config.yaml"
    config.write_text("default_model: echo\nsystem_prompt: &r [*r]\n")
    assert one(problems(config), "alias").startswith(f"{config}:2: ")


def test_a_few_aliases_are_fine(folder):
    config = folder / "config.yaml"
    config.write_text(CONFIG + "network: &net {timeout_s: 5}\n")
    assert check(config).problems == []


# --- 3. bytes, keys, characters ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["config.yaml", "models.yaml"])
def test_invalid_utf8_is_a_problem_at_its_line(folder, name):
    (folder / "config.yaml").write_text(CONFIG)
    target = folder / name
    target.write_bytes(target.read_bytes() + b"# caf\xe9\n")
    line = target.read_bytes().count(b"\n")
    assert one(problems(folder / "config.yaml"), "UTF-8") == f"{target}:{line}: not valid UTF-8 (byte 0xe9)"


@pytest.mark.parametrize("key", ["[a, b]", "{a: 1}"])
def test_a_key_that_is_a_list_or_mapping_is_a_problem(folder, key):
    config = folder / "config.yaml"
    config.write_text(CONFIG + f"network:\n  ? {key}\n  : 1\n")
    assert one(problems(config), "key is a").startswith(f"{config}:5: ")


def test_a_control_character_is_reported_at_its_line(folder):
    config = folder / "config.yaml"
    config.write_text(CONFIG + "system_prompt: bell\x07\n")
    found = one(problems(config), "x0007")
    assert found.startswith(f"{config}:4: ") and "position" not in found


def test_a_duplicate_key_is_a_problem(folder):
    config = folder / "config.yaml"
    config.write_text(CONFIG + "default_model: other\n")
    assert one(problems(config), "twice") == f"{config}:4: key 'default_model' is given twice (first at line 1)"


# --- 4. what `config check` used to miss -------------------------------------------------------


def test_a_schema_error_in_one_chain_leaves_the_others_checkable(folder):
    from app.chains import check_chains

    config = folder / "config.yaml"
    config.write_text(
        CONFIG
        + "chains:\n"
        + "  broken:\n    steps: [{id: a, prompt: hi, bogus: 1}]\n"
        + "  wrong:\n    steps: [{id: a, model: nosuchmodel, prompt: hi}]\n"
    )
    result = check(config)
    assert result.config is None
    one(result.problems, "bogus")
    assert result.partial is not None and list(result.partial.chains) == ["wrong"]
    one(check_chains(result.partial, result.sources), "nosuchmodel")


def test_without_a_models_yaml_the_shipped_models_are_used_and_said(world):
    config = world.root / "alone" / "config.yaml"
    config.parent.mkdir()
    config.write_text((defaults_dir() / "config.yaml").read_text().replace("default_model: echo", "default_model: sonnet"))
    result = check(config)
    assert result.problems == []
    assert result.sources.models == defaults_dir() / "models.yaml"
    assert result.config.find_model("sonnet").provider == "anthropic"
    assert one(result.notes, "shipped models").startswith(f"{config}: no models.yaml")


def test_a_base_url_that_is_not_a_url(folder):
    config = folder / "config.yaml"
    config.write_text(CONFIG + "  local: {kind: openai, base_url: not-a-url}\n")
    assert one(problems(config), "base_url").startswith(f"{config}:4: providers.local.base_url: ")


def test_an_unknown_code_theme_is_a_problem_and_a_known_one_is_not(folder):
    config = folder / "config.yaml"
    config.write_text(CONFIG + "ui: {code_theme: nosuchtheme}\n")
    assert one(problems(config), "code_theme").startswith(f"{config}:4: ui.code_theme: unknown theme 'nosuchtheme'")
    config.write_text(CONFIG + "ui: {code_theme: dracula}\n")
    assert check(config).problems == []


def test_a_misspelt_key_gets_the_nearest(folder):
    config = folder / "config.yaml"
    config.write_text(CONFIG + "netwrok: {timeout_s: 5}\n")
    assert one(problems(config), "netwrok") == f"{config}:4: unknown key 'netwrok' (did you mean 'network'?)"


@pytest.mark.parametrize("word", ["no", "yes", "on", "off"])
def test_a_yaml_boolean_where_a_string_belongs_hints_at_quoting(folder, word):
    config = folder / "config.yaml"
    config.write_text(CONFIG + f"chains:\n  c:\n    steps:\n      - id: {word}\n        prompt: hi\n")
    found = one(problems(config), "boolean")
    assert found.startswith(f"{config}:7: chains.c.steps.0.id: ") and f'quote it ("{word}")' in found


# --- 5. options --------------------------------------------------------------------------------


def test_a_single_stop_string_is_a_list_of_one():
    assert ModelOptions().merged({"stop": "END"}).stop == ["END"]


@pytest.mark.parametrize("effort", ["none", "minimal", "low", "medium", "high", "xhigh", "max"])
def test_every_reasoning_effort_is_accepted(effort):
    assert ModelOptions(reasoning_effort=effort).to_request() == {"reasoning_effort": effort}


# --- 6. values, odd files, relative paths ---------------------------------------------------------


def test_a_huge_value_is_cut_in_the_message(folder):
    config = folder / "config.yaml"
    config.write_text(f"default_model: {'x' * 100_000}\n")
    found = one(problems(config), "default_model")
    assert len(found) < 500 and "…" in found


def test_a_huge_unknown_kind_is_cut_in_the_message(folder):
    config = folder / "config.yaml"
    config.write_text(CONFIG + f"  huge: {{kind: {'k' * 100_000}}}\n")
    assert len(one(problems(config), "unknown kind")) < 500


@pytest.mark.parametrize("target", ["/dev/zero", "FOLDER"])
def test_a_models_file_that_is_not_a_file_says_what_it_is(folder, target):
    named = str(folder) if target == "FOLDER" else target
    config = folder / "config.yaml"
    config.write_text(CONFIG + f"models_file: {named}\n")
    found = one(problems(config), "models file")
    assert "not found" not in found
    assert ("is a folder" if target == "FOLDER" else "is not a regular file") in found


def test_a_relative_vault_path_resolves_against_the_config_folder(folder):
    config = folder / "config.yaml"
    config.write_text(CONFIG + "vault: {path: secrets/vault.enc}\n")
    loaded, _ = load(str(config))
    assert Path(loaded.vault.path) == folder / "secrets" / "vault.enc"


def test_a_broken_config_does_not_load(folder):
    config = folder / "config.yaml"
    config.write_text(billion_laughs())
    with pytest.raises(ConfigError):
        load(str(config))
