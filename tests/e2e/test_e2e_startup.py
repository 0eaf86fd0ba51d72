"""End to end: the REPL's prompt comes before the configuration is validated, and nothing is lost by it."""

from __future__ import annotations

from tests.support.config_files import write_config


def test_a_line_typed_at_once_is_answered(orch, server):
    term = orch("-m", "echo")
    term.wait_for("echo>")
    term.enter("typed before the wiring was done")  # no wait: the line waits for the chat
    term.wait_for("typed before the wiring was done", count=2)  # typed, then echoed back
    term.enter("/exit")
    assert term.wait_exit() == 0


def test_an_alias_on_the_prompt_becomes_the_models_name(world, orch_command, orch_env):
    from tests.support.terminal import Terminal

    config = write_config(world.root, {"default_model": "e", "providers": {"echo": {"kind": "echo"}}},
                          {"models": [{"name": "echo", "provider": "echo", "id": "echo", "aliases": ["e"]}]})
    term = Terminal([*orch_command, "--config", str(config)], orch_env({"TERM": "xterm-256color"}))
    try:
        term.wait_for("echo>")  # the alias read from the file first, the model's own name once wired
        term.enter("/exit")
        assert term.wait_exit() == 0
    finally:
        term.close()


def test_an_invalid_config_found_after_the_prompt_ends_the_repl_with_its_error(world, orch_command, orch_env):
    from tests.support.terminal import Terminal

    # default_model is a plain line (so the prompt shows at once) naming a model that does not exist.
    config = write_config(world.root, {"default_model": "nosuch", "providers": {"echo": {"kind": "echo"}}},
                          {"models": [{"name": "echo", "provider": "echo", "id": "echo"}]})
    term = Terminal([*orch_command, "--config", str(config)], orch_env({"TERM": "xterm-256color"}))
    try:
        screen = term.wait_for("is not in models.yaml")
        assert term.wait_exit() == 2
        assert "Traceback" not in screen
    finally:
        term.close()
