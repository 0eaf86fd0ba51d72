"""`orch models` and `orch config check`: what they print, on a pipe and on a terminal."""

from __future__ import annotations

import re

import pexpect
import pytest

from tests.support.cli import ANSI, PASSWORD, UNLOCK, no_leak, spawn_orch
from tests.support.config_files import write_config

# --- orch models ------------------------------------------------------------------------------


def test_models_with_nothing_configured(run_orch):
    rc, out, err = run_orch("models")
    assert rc == 0 and err == ""
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "none needed" in rows["echo"] and "*" in rows["echo"]
    assert "missing" in rows["gpt-5"]
    assert "claude-sonnet-4-5" in rows["sonnet"]  # ids are not cut short in a pipe
    assert "orch vault init" in out and "orch vault set" in out
    assert not ANSI.search(out)


def test_models_never_asks_for_the_password_when_nothing_needs_it(run_orch, vault):
    # No terminal to ask on: asking would fail with exit 1.
    rc, out, err = run_orch("models")
    assert rc == 0 and err == ""
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "locked" in rows["gpt-5"]
    assert "none needed" in rows["echo"]


def test_models_tells_where_each_key_is(run_main, vault):
    rc, out, _ = run_main("models", env={**UNLOCK, "ANTHROPIC_API_KEY": "sk-ant-env-key-0000000000"})
    assert rc == 0
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "vault" in rows["gpt-5"]
    assert "env" in rows["sonnet"]
    assert "missing" in rows["gemini-pro"]
    assert "No keys yet" not in out
    no_leak(out)


def test_models_with_an_empty_vault_says_how_to_add_a_key(run_main, world, make_vault):
    make_vault(world.vault_path, PASSWORD)
    rc, out, _ = run_main("models", env=UNLOCK)
    assert rc == 0
    assert "No keys yet. Add one: `orch vault set openai`" in out
    assert "vault init" not in out


def test_models_with_a_key_in_the_env_does_not_say_no_keys(run_main):
    rc, out, _ = run_main("models", env={"OPENAI_API_KEY": "sk-env-key-0000000000000"})
    assert rc == 0
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "env" in rows["gpt-5"]
    assert "No keys yet" not in out


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [((), None, True), ((), {"NO_COLOR": "1"}, False), (("--no-color",), None, False)],
)
def test_colours_on_a_terminal_unless_no_color(orch_command, orch_env, vault, args, env, coloured):
    child, log = spawn_orch(orch_command, orch_env, *args, "models", env=env)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    out = log.getvalue()
    assert "gpt-5" in out
    assert "password:" not in out.lower()  # a terminal is there, and still nothing is asked
    assert bool(ANSI.search(out)) is coloured


# --- orch config check ------------------------------------------------------------------------


def test_config_check_ok(run_main):
    rc, out, err = run_main("config", "check")
    assert rc == 0, out + err
    assert re.search(r"^ok: \d+ providers, \d+ models, \d+ chains$", out, re.MULTILINE)


def test_config_check_prints_every_problem_and_exits_2(run_orch, world):
    config = write_config(
        world.cwd,
        "default_model: sonet\ncolour: red\nproviders:\n  echo: {kind: echo}\n  anthropic: {kind: anthropic}\n",
        "models:\n"
        "  - {name: echo, provider: echo, id: echo}\n"
        "  - {name: sonnet, provider: antropic, id: claude-sonnet-4-5}\n"
        "  - {name: fast, provider: echo, id: echo, aliases: [echo]}\n",
    )
    models = config.with_name("models.yaml")
    rc, out, err = run_orch("--config", "config.yaml", "config", "check")
    assert rc == 2, err
    lines = out.splitlines()
    assert "config.yaml:2: unknown key 'colour'" in lines
    assert "config.yaml:1: default_model 'sonet' is not in models.yaml (did you mean 'sonnet'?)" in lines
    assert "models.yaml:3: model 'sonnet' names unknown provider 'antropic'; did you mean 'anthropic'?" in lines
    assert "models.yaml:4: 'echo' is already used by the model at line 2" in lines
    assert "4 problems found" in lines
    assert config.name in out and models.name in out


def test_piped_models_imports_neither_rich_nor_the_schema_machinery_once_the_config_is_kept(run_orch, world):
    import subprocess
    import sys

    from tests.conftest import orch_env

    assert run_orch("models")[0] == 0  # checks the config, and keeps it
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "app", "models"], capture_output=True, text=True,
                          env=orch_env(), stdin=subprocess.DEVNULL, check=True)  # fmt: skip
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "echo" in done.stdout
    assert not {"rich", "pydantic", "yaml"} & imported
