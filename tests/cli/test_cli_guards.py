"""The edge's guards: no vault write on a config it cannot read; config check says everything at once."""

from __future__ import annotations

from tests.support.cli import UNLOCK
from tests.support.config_files import write_config
from tests.support.llm_server import stream_reply


def test_a_vault_write_refuses_a_config_it_cannot_read(run_main, world, tmp_path):
    elsewhere = tmp_path / "keys" / "vault.enc"
    write_config(world.cwd / ".orch", f"vault: {{path: '{elsewhere}'}}\nui: {{colours: loud}}\n")
    for args, stdin in ((("vault", "init"), None), (("vault", "set", "openai"), "sk-x\n")):
        rc, out, err = run_main(*args, env=UNLOCK, stdin=stdin)
        assert rc == 2, err
        assert "unknown key 'colours'" in err and out == ""
    # Nothing was written, neither where the broken config points nor in ORCH_HOME.
    assert not elsewhere.exists() and not world.vault_path.exists()


def test_vault_status_still_answers_on_a_broken_config(run_main, world):
    write_config(world.cwd / ".orch", "ui: {colours: loud}\n")
    rc, out, _ = run_main("vault", "status")
    assert rc == 0 and "no vault at" in out


def test_config_check_checks_every_chain_even_when_one_has_a_schema_error(run_main, world):
    config = write_config(world.cwd / ".orch", """
        default_model: echo
        providers: {echo: {kind: echo}}
        chains:
          broken:
            steps:
              - {id: a, prompt: x, colour: red}
          wrong:
            steps:
              - {id: a, prompt: "{{ steps.nope }}"}
        """, "models:\\n  - {name: echo, provider: echo, id: echo}\\n")  # fmt: skip
    rc, out, _ = run_main("--config", str(config), "config", "check")
    assert rc == 2
    assert "unknown key 'colour'" in out  # the schema error in one chain
    assert "chain 'wrong'" in out and "nope" in out  # does not hide the other chain's problem


def test_ctrl_d_at_the_password_prompt_takes_the_env_key(run_main, world, vault, llm_server, monkeypatch):
    from app.errors import UsageError
    from app.ui import prompts

    def ctrl_d(prompt: str) -> str:
        raise UsageError("nothing was entered; nothing was changed")

    monkeypatch.setattr(prompts, "ask_hidden", ctrl_d)
    llm_server.default = lambda request: stream_reply("openai", "pong")
    write_config(
        world.cwd / ".orch",
        "default_model: loc\nnetwork: {max_retries: 0}\nproviders:\n"
        f"  local: {{kind: openai, base_url: '{llm_server.base_url('openai')}', key: {{vault: openai, env: OPENAI_API_KEY}}}}\n",
        "models:\n  - {name: loc, provider: local, id: test-model}\n",
    )
    rc, out, err = run_main("-m", "loc", "ping", env={"OPENAI_API_KEY": "sk-from-the-env-4321"})
    assert (rc, out) == (0, "pong\n"), err
    assert [r.headers.get("authorization") for r in llm_server.requests] == ["Bearer sk-from-the-env-4321"]
