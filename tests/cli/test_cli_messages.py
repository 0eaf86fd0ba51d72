"""What the command line says where a new user stumbles (issue 10, "smaller"), `orch config init | path`,
and the modes of the state folder (issue 14 item 2)."""

from __future__ import annotations

import os
import stat

import pytest
import yaml

from app.cli.wiring import Invocation, Wiring
from tests.support.cli import PASSWORD, UNLOCK
from tests.support.llm_server import Reply

# --- subcommands with nothing after them ---------------------------------------------------------


@pytest.mark.parametrize(("command", "actions"), [
    ("vault", ["init", "set NAME", "list", "remove NAME", "passwd", "status"]),
    ("config", ["check", "init", "path"]),
])  # fmt: skip
def test_a_subcommand_alone_lists_its_actions(run_main, command, actions):
    rc, out, err = run_main(command)
    assert rc == 2 and out == ""
    assert err.startswith(f"orch: orch {command} needs an action:")
    for action in actions:
        assert f"orch {command} {action}" in err
    assert "error: the following arguments are required" not in err


def test_chain_alone_names_the_chains(run_main):
    rc, out, err = run_main("chain")
    assert rc == 2 and out == ""
    assert "which chain? There are: review" in err
    assert "required" not in err


def test_chain_alone_with_no_chains_says_so(run_main, world, write):
    config = write(world.root / "config.yaml", "default_model: echo\nproviders: {echo: {kind: echo}}\n")
    write(world.root / "models.yaml", "models: [{name: echo, provider: echo, id: echo}]\n")
    rc, _, err = run_main("--config", str(config), "chain")
    assert rc == 2 and "there are no chains" in err


def test_resume_of_an_unknown_conversation_points_at_orch_history(run_main):
    rc, out, err = run_main("--resume", "999", "hi")
    assert rc == 2 and out == ""
    assert "`orch history` lists them" in err
    assert "/sessions" not in err


# --- the vault's words ---------------------------------------------------------------------------


def test_vault_list_with_a_wrong_password_does_not_say_nothing_was_changed(run_main, vault):
    rc, _, err = run_main("vault", "list", env={"ORCH_VAULT_PASSWORD": PASSWORD + "-wrong"})
    assert rc == 2
    assert "wrong vault password" in err
    assert "changed" not in err.lower()


def test_a_missing_key_on_a_fresh_home_says_to_create_the_vault_first(run_main):
    rc, _, err = run_main("-m", "gpt-5", "hi")
    assert rc == 1
    assert "`orch vault init`, then `orch vault set openai`" in err
    assert "`export OPENAI_API_KEY=…`" in err


def test_a_missing_key_with_a_vault_does_not_ask_to_create_one(run_main, vault):
    rc, _, err = run_main("-m", "sonnet", "hi", env=UNLOCK)
    assert rc == 1
    assert "vault init" not in err and "`orch vault set anthropic`" in err


@pytest.fixture
def env_key_config(world, server):
    config = {"default_model": "lite", "network": {"max_retries": 0},
              "providers": {"litellm": {**server.provider_config("openai"), "key": {"env": "LITELLM_KEY"}}}}
    models = {"models": [{"name": "lite", "provider": "litellm", "id": "lite-1"}]}  # fmt: skip
    (world.root / "config.yaml").write_text(yaml.safe_dump(config))
    (world.root / "models.yaml").write_text(yaml.safe_dump(models))
    return world.root / "config.yaml"


def test_an_env_only_key_that_is_missing_says_export_it(run_main, env_key_config):
    rc, _, err = run_main("--config", str(env_key_config), "hi")
    assert rc == 1
    assert "Fix it with `export LITELLM_KEY=…`." in err


def test_an_env_only_key_that_is_rejected_says_export_it(run_main, env_key_config, server):
    server.script(Reply.json(401, {"error": {"message": "bad key"}}))
    rc, _, err = run_main("--config", str(env_key_config), "hi", env={"LITELLM_KEY": "sk-wrong-0123456789"})
    assert rc == 1
    assert "rejected the API key" in err
    assert "Fix it with `export LITELLM_KEY=…`." in err


# --- orch config init | path ---------------------------------------------------------------------


def test_config_init_copies_the_shipped_files_and_refuses_to_overwrite(run_main, world):
    from app.config import defaults_dir

    rc, out, _ = run_main("config", "init")
    target = world.xdg / "orch"
    assert rc == 0 and f"wrote {target / 'config.yaml'}" in out
    for name in ("config.yaml", "models.yaml"):
        assert (target / name).read_bytes() == (defaults_dir() / name).read_bytes()
    (target / "config.yaml").write_text("default_model: echo\n")
    rc, _, err = run_main("config", "init")
    assert rc == 2 and "already exists; nothing was copied" in err
    assert (target / "config.yaml").read_text() == "default_model: echo\n"

    rc, out, _ = run_main("config", "path")
    assert rc == 0
    assert f"config: {target / 'config.yaml'}" in out and f"models: {target / 'models.yaml'}" in out


def test_config_path_names_the_shipped_defaults_and_the_home(run_main, world):
    rc, out, _ = run_main("config", "path")
    assert rc == 0
    assert "the shipped defaults" in out
    assert f"home:   {world.home}" in out


# --- the state folder's modes --------------------------------------------------------------------


@pytest.fixture
def open_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_state_folder_is_0700_and_input_history_0600(world, open_umask):
    home = world.root / "fresh-home"
    wiring = Wiring(Invocation(home=str(home)))
    history = wiring.input_history()
    assert mode(home) == 0o700
    assert history.exists() and mode(history) == 0o600


def test_an_input_history_left_world_readable_is_made_private(world, open_umask):
    history = world.home / "input_history"
    history.write_text("old line\n")
    history.chmod(0o644)
    assert Wiring(Invocation()).input_history() == history
    assert mode(history) == 0o600 and history.read_text() == "old line\n"


def test_a_one_shot_answer_leaves_a_private_home(run_orch, world, open_umask):
    home = world.root / "new-home"
    assert run_orch("--home", str(home), "-m", "echo", "hi")[0] == 0
    assert mode(home) == 0o700
    for path in home.iterdir():
        assert mode(path) == 0o600, path
