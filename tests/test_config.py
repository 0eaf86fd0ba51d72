"""app/config.py: discovery, the shipped defaults, and every problem with its file:line."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from app import config as config_module
from app.config import ModelOptions, check, discover, load
from app.errors import ConfigError, UsageError
from app.runtime import cost

GOOD_CONFIG = """\
default_model: fast
providers:
  echo: {kind: echo}
  openai: {kind: openai, base_url: https://api.openai.com/v1, key: {vault: openai, env: OPENAI_API_KEY}}
  anthropic: {kind: anthropic, key: {vault: anthropic, env: ANTHROPIC_API_KEY}}
"""

GOOD_MODELS = """\
models:
  - name: fast
    provider: echo
    id: echo
    aliases: [quick]
  - name: gpt
    provider: openai
    id: gpt-5
    options: {temperature: 0.2}
    pricing: {input: 1.25, output: 10}
"""


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


@pytest.fixture
def files(world, write):
    """`files(config, models)` writes both beside each other and returns the config's path."""

    def make(config_text: str = GOOD_CONFIG, models_text: str | None = GOOD_MODELS) -> Path:
        path = write(world.root / "conf" / "config.yaml", dedent(config_text))
        if models_text is not None:
            write(path.parent / "models.yaml", dedent(models_text))
        return path

    return make


def problems_of(path: Path) -> list[str]:
    result = check(path)
    assert result.config is None, "a configuration with problems must not load"
    assert result.problems
    return result.problems


def the_problem(problems: list[str], pattern: str) -> str:
    found = [p for p in problems if re.search(pattern, p)]
    assert len(found) == 1, (pattern, problems)
    return found[0]


# --- the shipped defaults ---------------------------------------------------------------


def test_shipped_defaults_are_valid_and_offline_first():
    result = check(config_module.defaults_dir() / "config.yaml")
    assert result.problems == []
    cfg = result.config
    assert cfg is not None
    assert cfg.default_model == "echo"
    assert cfg.providers[cfg.find_model("echo").provider].kind == "echo"
    assert {"openai", "anthropic", "gemini", "ollama", "echo"} <= set(cfg.providers)
    assert cfg.providers["openai"].key.env == "OPENAI_API_KEY"


def test_a_good_configuration_loads(files):
    path = files()
    cfg, sources = load(str(path))
    assert sources.config == path and sources.models == path.parent / "models.yaml"
    assert cfg.find_model("quick").name == "fast"
    assert cfg.find_model("gpt").options.temperature == 0.2
    assert cost(cfg.find_model("gpt").pricing, 1_000_000, 100_000) == pytest.approx(2.25)


def test_unknown_model_suggests_the_nearest(files):
    cfg, _ = load(str(files()))
    with pytest.raises(UsageError) as caught:
        cfg.find_model("fats")
    assert "unknown model 'fats'" in str(caught.value)
    assert "Did you mean fast" in str(caught.value)
    assert caught.value.exit_code == 2


# --- discovery --------------------------------------------------------------------------


def test_discovery_order(world, write, monkeypatch):
    defaults = config_module.defaults_dir() / "config.yaml"
    assert discover(None) == defaults
    xdg = write(world.xdg / "orch" / "config.yaml", "{}\n")
    assert discover(None) == xdg
    write(world.cwd / "config.yaml", "{}\n")
    assert discover(None) == xdg, "a bare ./config.yaml is never read"
    project = write(world.cwd / ".orch" / "config.yaml", "{}\n")
    assert discover(None).resolve() == project.resolve()
    from_env = write(world.root / "env.yaml", "{}\n")
    monkeypatch.setenv("ORCH_CONFIG", str(from_env))
    assert discover(None) == from_env
    explicit = write(world.root / "explicit.yaml", "{}\n")
    assert discover(str(explicit)) == explicit


def test_a_named_config_that_does_not_exist_is_a_usage_error(world):
    with pytest.raises(UsageError, match="config file not found"):
        discover(str(world.root / "nope.yaml"))
    with pytest.raises(UsageError, match="config file not found"):
        discover(None, env={"ORCH_CONFIG": str(world.root / "nope.yaml")})


def test_models_file_is_read_relative_to_the_config(files, world, write):
    write(world.root / "conf" / "more" / "list.yaml", dedent(GOOD_MODELS))
    path = files(GOOD_CONFIG + "models_file: more/list.yaml\n", None)
    cfg, sources = load(str(path))
    assert sources.models == path.parent / "more" / "list.yaml"
    assert cfg.find_model("gpt").id == "gpt-5"


def test_a_missing_models_file_is_named(files):
    path = files(GOOD_CONFIG + "models_file: gone.yaml\n", None)
    problem = the_problem(problems_of(path), "models file not found")
    assert problem.startswith(f"{path}:6:")


# --- each kind of problem, with its file:line -------------------------------------------


def test_yaml_syntax_error_has_file_and_line(files):
    path = files("default_model: fast\nproviders:\n  echo: {kind: echo\n  other: 1\n")
    problem = the_problem(problems_of(path), "YAML syntax error")
    assert re.match(rf"{re.escape(str(path))}:[34]: YAML syntax error: ", problem)


def test_yaml_syntax_error_in_models_file(files):
    path = files(GOOD_CONFIG, "models:\n  - name: fast\n    provider: [echo\n")
    problem = the_problem(problems_of(path), "YAML syntax error")
    assert problem.startswith(str(path.parent / "models.yaml") + ":")


def test_a_tab_indented_file_is_a_syntax_error_not_a_crash(files):
    path = files("default_model: fast\nproviders:\n\techo: {kind: echo}\n")
    problem = the_problem(problems_of(path), "YAML syntax error")
    assert problem.startswith(f"{path}:3:")


def test_unknown_keys_at_every_depth(files):
    path = files(
        """
        default_model: fast
        colour: red
        network:
          timeout_s: 5
          retries: 3
        providers:
          echo: {kind: echo}
          openai:
            kind: openai
            base_url: https://api.openai.com/v1
            api_key: sk-should-be-in-the-vault
        """
    )
    problems = problems_of(path)
    assert the_problem(problems, "'colour'") == f"{path}:2: unknown key 'colour'"
    assert the_problem(problems, "'retries'") == (
        f"{path}:5: unknown key 'retries' in network (did you mean 'max_retries'?)"
    )
    assert the_problem(problems, "'api_key'") == (
        f"{path}:11: unknown key 'api_key' in providers.openai (did you mean 'key'?)"
    )
    assert not any("sk-should-be-in-the-vault" in p for p in problems)


def test_unknown_key_in_a_model(files):
    path = files(GOOD_CONFIG, GOOD_MODELS + "    temprature: 0.3\n")
    problem = the_problem(problems_of(path), "temprature")
    assert problem == f"{path.parent / 'models.yaml'}:11: unknown key 'temprature' in models.1"


def test_unknown_provider_kind(files):
    path = files(GOOD_CONFIG + "  psychic: {kind: telepathy}\n")
    problem = the_problem(problems_of(path), "telepathy")
    assert problem.startswith(f"{path}:6: providers.psychic: unknown kind 'telepathy'")


def test_model_naming_an_unknown_provider_suggests_the_nearest(files):
    models = GOOD_MODELS + "  - name: sonnet\n    provider: antropic\n    id: claude-sonnet-4-5\n"
    path = files(GOOD_CONFIG, models)
    problem = the_problem(problems_of(path), "unknown provider")
    assert problem == (
        f"{path.parent / 'models.yaml'}:12: model 'sonnet' names unknown provider 'antropic'; "
        "did you mean 'anthropic'?"
    )


def test_unknown_provider_with_nothing_near_lists_the_known_ones(files):
    models = GOOD_MODELS + "  - {name: x, provider: zzzzzz, id: x}\n"
    problem = the_problem(problems_of(files(GOOD_CONFIG, models)), "unknown provider")
    assert "known: echo, openai, anthropic" in problem


def test_duplicate_names_and_aliases(files):
    models = GOOD_MODELS + (
        "  - name: gpt\n"
        "    provider: openai\n"
        "    id: gpt-4.1\n"
        "  - name: other\n"
        "    provider: echo\n"
        "    id: echo\n"
        "    aliases: [quick]\n"
    )
    path = files(GOOD_CONFIG, models)
    models_path = path.parent / "models.yaml"
    problems = problems_of(path)
    assert the_problem(problems, "'gpt'") == f"{models_path}:11: 'gpt' is already used by the model at line 6"
    assert the_problem(problems, "'quick'") == f"{models_path}:17: 'quick' is already used by the model at line 2"


def test_default_model_that_does_not_exist(files):
    path = files(GOOD_CONFIG.replace("default_model: fast", "default_model: fsat"))
    problem = the_problem(problems_of(path), "default_model")
    assert problem == f"{path}:1: default_model 'fsat' is not in models.yaml (did you mean 'fast'?)"


def test_a_value_of_the_wrong_type(files):
    path = files(GOOD_CONFIG + "network: {timeout_s: soon}\n")
    problem = the_problem(problems_of(path), "timeout_s")
    assert problem.startswith(f"{path}:6: network.timeout_s: ")


def test_models_in_config_yaml_are_pointed_elsewhere(files):
    path = files(GOOD_CONFIG + "models: []\n")
    assert the_problem(problems_of(path), "belong in models.yaml").startswith(f"{path}:6:")


def test_every_problem_of_both_files_at_once(files):
    """One check reports them all, whatever fails first."""
    path = files(
        """
        default_model: sonet
        colour: red
        providers:
          echo: {kind: echo}
          anthropic: {kind: anthropic, key: {vault: anthropic}, api_key: x}
        """,
        """
        models:
          - name: echo
            provider: echo
            id: echo
          - name: sonnet
            provider: antropic
            id: claude-sonnet-4-5
          - name: fast
            provider: echo
            id: echo
            aliases: [echo]
          - name: broken
            provider: echo
            id: echo
            options: {temprature: 2}
        """,
    )
    models_path = path.parent / "models.yaml"
    problems = problems_of(path)
    expected = {
        f"{path}:2: unknown key 'colour'",
        f"{path}:5: unknown key 'api_key' in providers.anthropic (did you mean 'key'?)",
        f"{path}:1: default_model 'sonet' is not in models.yaml (did you mean 'sonnet'?)",
        f"{models_path}:6: model 'sonnet' names unknown provider 'antropic'; did you mean 'anthropic'?",
        f"{models_path}:11: 'echo' is already used by the model at line 2",
        f"{models_path}:15: unknown key 'temprature' in models.3.options (did you mean 'temperature'?)",
    }
    assert set(problems) == expected
    with pytest.raises(ConfigError) as caught:
        load(str(path))
    assert caught.value.exit_code == 2
    assert caught.value.problems == problems
    assert "6 problems" in str(caught.value)


def test_a_single_problem_is_one_line(files):
    path = files(GOOD_CONFIG + "bogus: 1\n")
    with pytest.raises(ConfigError) as caught:
        load(str(path))
    assert caught.value.lines() == [f"{path}:6: unknown key 'bogus'"]


def test_an_empty_config_uses_defaults_and_needs_its_default_model(files):
    path = files("", "models:\n  - {name: echo, provider: echo, id: echo}\n")
    problem = the_problem(problems_of(path), "echo")
    assert "names unknown provider 'echo'" in problem


def test_a_list_at_the_top_is_refused(files):
    path = files("- a\n- b\n")
    assert the_problem(problems_of(path), "expected a mapping").startswith(f"{path}:1:")


# --- options ------------------------------------------------------------------------------


def test_options_merge_and_validate():
    base = ModelOptions(temperature=0.7, max_tokens=100)
    assert base.merged({"temperature": 0.1}).to_request() == {"temperature": 0.1, "max_tokens": 100}
    with pytest.raises(ValidationError, match="less than or equal to 2"):
        base.merged({"temperature": 9})
    with pytest.raises(ValidationError, match="tempreature\n  Unexpected keyword argument"):
        base.merged({"tempreature": 0.1})


def test_problems_are_listed_in_file_and_line_order(tmp_path):
    (tmp_path / "config.yaml").write_text(
        "default_model: nope\nproviders: {echo: {kind: echo, bogus: 1}}\nnetwork: {timeout_s: -1}\n"
    )
    (tmp_path / "models.yaml").write_text("models:\n  - {name: a, provider: ech, id: x}\n")
    problems = config_module.check(tmp_path / "config.yaml").problems
    positions = [(p.split(":")[0], int(p.split(":")[1])) for p in problems]
    assert positions == sorted(positions)
    assert [line for _, line in positions] == [1, 2, 3, 2]


def test_a_section_is_read_only_once_made():
    import dataclasses

    from app.config import Config

    made = ModelOptions(temperature=0.5)
    checked = Config.model_validate({"network": {"timeout_s": 30}})
    for section, name in ((made, "temperature"), (checked.network, "timeout_s"), (checked, "default_model")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(section, name, 1)
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(section, name)
    assert dataclasses.replace(made, temperature=0.7).temperature == 0.7 and made.temperature == 0.5


def test_sections_are_equal_by_value_and_show_their_fields():
    from app.config import ModelConfig

    a = ModelConfig(name="a", provider="p", id="x", options=ModelOptions(temperature=0.2))
    assert a == ModelConfig(name="a", provider="p", id="x", options=ModelOptions(temperature=0.2))
    assert a != ModelConfig(name="a", provider="p", id="y") and a != "a"
    assert repr(a).startswith("ModelConfig(name='a', provider='p', id='x', aliases=[], options=ModelOptions(temperature=0.2")
    with pytest.raises(TypeError):
        hash(a)
