"""What a user sees in the real `orch` in a pty (issue 10: items 2, 11, 13, the toolbar, the hidden
password, Esc then Enter)."""

from __future__ import annotations

import time

import yaml

from tests.support.llm_server import Reply, WireAnswer
from tests.support.terminal import Terminal

PASSWORD = "correct horse battery"


def keyed_config(world, server, make_vault) -> str:
    """A config whose default model needs a key from a locked vault; returns its path."""
    make_vault(world.vault_path, PASSWORD, {"local": "sk-loopback-secret-1234"})
    cfg = {
        "default_model": "keyed",
        "network": {"max_retries": 0},
        "providers": {"local": {**server.provider_config("openai"), "key": {"vault": "local"}}},
    }
    (world.root / "config.yaml").write_text(yaml.safe_dump(cfg))
    (world.root / "models.yaml").write_text(yaml.safe_dump({"models": [{"name": "keyed", "provider": "local",
                                                                          "id": "k"}]}))  # fmt: skip
    return str(world.root / "config.yaml")


def prompt_line(term: Terminal, prompt: str) -> str:
    return next(line for line in reversed(term.lines()) if line.startswith(prompt))


def test_one_shot_asks_the_vault_password_with_no_spinner_over_it(world, server, orch_command, orch_env,
                                                                 make_vault):  # fmt: skip
    config = keyed_config(world, server, make_vault)
    server.default = WireAnswer("answered after the password")
    term = Terminal([*orch_command, "--config", config, "hi"], orch_env({"TERM": "xterm-256color"}))
    try:
        term.wait_for("Vault password:")
        term.pump(1.0)  # a spinner, if one ran, would have drawn over the prompt by now
        assert prompt_line(term, "Vault password:") == "Vault password:"
        assert "waiting for" not in term.text()
        term.enter(PASSWORD)
        term.wait_for("answered after the password")
        assert term.wait_exit() == 0
    finally:
        term.close()


def test_the_repl_vault_prompt_shows_nothing_of_the_password(world, server, orch_command, orch_env, make_vault):
    config = keyed_config(world, server, make_vault)
    server.default = WireAnswer("unlocked")
    term = Terminal([*orch_command, "--config", config], orch_env({"TERM": "xterm-256color"}))
    try:
        term.wait_for("keyed>")
        term.enter("hello")
        term.wait_for("Vault password:")
        term.type(PASSWORD)
        term.pump(0.5)
        assert prompt_line(term, "Vault password:") == "Vault password:"  # no asterisks, no length
        term.enter()
        term.wait_for("unlocked")
        term.enter("/exit")
        assert term.wait_exit() == 0
    finally:
        term.close()


def test_after_a_failed_request_the_last_footer_is_not_printed_again(orch, server):
    server.script(WireAnswer("the first answer"), Reply.json(500, {"error": {"message": "the server broke"}}))
    term = orch()
    term.wait_for("local>")
    term.enter("one")
    term.wait_for("local · ")
    term.enter("two")
    term.wait_for("the server broke")
    term.pump(0.5)
    footers = [line for line in term.lines() if line.startswith("local · ")]
    assert footers == [footers[0]] and "10→3 tokens" in footers[0], term.text()
    term.enter("/exit")
    assert term.wait_exit() == 0


def test_a_pasted_message_taller_than_the_screen_is_in_scrollback_whole_and_once(orch):
    term = orch("-m", "echo")
    term.wait_for("echo>")
    message = "\n".join(f"pasted line {n:03}" for n in range(1, 301))
    term.type("\x1b[200~" + message + "\x1b[201~")  # a bracketed paste, as a terminal sends one
    term.wait_for("pasted line 300")
    term.enter()
    term.wait_for("\necho · ")  # the answer's footer (the toolbar's " echo · " starts with a space)
    lines = term.lines()
    footer = next((i for i, line in enumerate(lines) if line.startswith("echo · ")), None)
    assert footer is not None, "\n".join(lines)
    assert lines.count("echo> pasted line 001") == 1, "\n".join(lines)
    for n in range(2, 301):
        assert lines.count(f"..... pasted line {n:03}") == 1, "\n".join(lines)
    assert sum(line.startswith("echo> ") for line in lines[:footer]) == 1
    term.enter("/exit")
    assert term.wait_exit() == 0


def test_esc_closes_the_completion_menu_and_enter_then_sends_the_line(orch):
    term = orch("-m", "echo")
    term.wait_for("echo>")
    term.type("/hel")
    term.wait_for("list commands")  # the menu is open
    term.type("\x1b")
    time.sleep(0.2)
    term.enter()
    term.wait_for("unknown command /hel")  # Enter sent the line as typed: no new line, no completion
    term.enter("/exit")
    assert term.wait_exit() == 0


def test_the_toolbar_shows_no_zero_cost_before_the_first_answer(orch):
    term = orch("-m", "echo")
    screen = term.wait_for("echo>")
    assert "$0.0000" not in screen and "0 tokens" not in screen
    term.enter("hi there")
    screen = term.wait_for("cost n/a")  # echo has no price: unknown, not $0.0000
    assert "$0.0000" not in screen
    term.enter("/exit")
    assert term.wait_exit() == 0
