"""End to end: the real `orch` in a pseudo-terminal, talking to a loopback model server."""

from __future__ import annotations

from tests.support.config_files import write_config
from tests.support.llm_server import Reply, WireAnswer, lorem, stream_reply
from tests.support.terminal import Terminal


def test_chat_switch_models_and_exit(orch, server):
    server.default = WireAnswer("The answer is **forty-two**.\n\n```python\nprint(42)\n```\n")
    term = orch()
    term.wait_for("local>")
    term.enter("what is the answer?")
    screen = term.wait_for("print(42)")
    assert "The answer is forty-two." in screen  # markdown rendered: no asterisks
    assert "```" not in screen
    term.wait_for("local · 10→")  # the footer: model and tokens
    assert server.requests[0].json()["messages"][-1] == {"role": "user", "content": "what is the answer?"}

    term.enter("/model echo")
    term.wait_for("now talking to echo")
    term.enter("echo this back")
    term.wait_for("→3 tokens")
    assert term.count("echo this back") >= 2  # typed, then answered
    term.enter("/exit")
    assert term.wait_exit() == 0


def test_ctrl_c_cancels_the_answer_and_the_prompt_comes_back(orch, server):
    # 20 s of answer: only a Ctrl-C can cut it short within the wait below.
    # (How fast Ctrl-C brings the prompt back is measured by bench/ctrl_c.py, not here.)
    slow = lorem(2000)
    server.script(stream_reply("openai", slow, token_delay_s=0.01))
    server.default = WireAnswer("second answer arrives whole")
    term = orch()
    term.wait_for("local>")
    term.enter("tell me a long story")
    term.wait_for("lorem ipsum dolor")
    term.ctrl("c")
    screen = term.wait_for("[interrupted]", timeout=15)
    assert slow not in screen.replace("\n", " ")  # cut short
    term.enter("and now?")
    term.wait_for("second answer arrives whole")
    # The interrupted partial answer stayed in the conversation that was sent next.
    sent = server.requests[1].json()["messages"]
    assert sent[1]["role"] == "assistant" and sent[1]["content"].startswith("lorem ipsum dolor")
    assert len(sent[1]["content"]) < len(slow)
    term.wait_for("local>", count=3)  # the prompt is back: a Ctrl-D typed ahead of it may be dropped
    term.ctrl("d")
    assert term.wait_exit() == 0


def test_ctrl_c_at_the_prompt_clears_the_line(orch):
    term = orch("-m", "echo")
    term.wait_for("echo>")
    term.type("half a thought")
    term.wait_for("half a thought")
    term.ctrl("c")
    term.enter("fresh line")
    term.wait_for("→2 tokens")
    text = term.text()
    assert "fresh line" in text
    assert "half a thoughtfresh line" not in text
    term.enter("/usage")
    term.wait_for("session total")
    term.enter("/exit")
    assert term.wait_exit() == 0


def test_a_provider_failure_is_shown_and_the_repl_goes_on(orch, server):
    server.script(Reply.json(401, {"error": {"message": "Incorrect API key provided"}}))
    server.default = WireAnswer("recovered")
    term = orch()
    term.wait_for("local>")
    term.enter("hello")
    term.wait_for("Incorrect API key provided")
    term.enter("/retry")
    term.wait_for("recovered")
    term.enter("/exit")
    assert term.wait_exit() == 0


def test_the_vault_password_is_asked_hidden_on_the_first_request_that_needs_it(
    world, server, orch_command, orch_env, make_vault
):
    make_vault(world.vault_path, "correct horse battery", {"local": "sk-loopback-secret-1234"})
    cfg = {
        "default_model": "keyed",
        "network": {"max_retries": 0},
        "providers": {
            "local": {**server.provider_config("openai"), "key": {"vault": "local"}},
            "echo": {"kind": "echo"},
        },
    }
    models = {"models": [{"name": "keyed", "provider": "local", "id": "k"},
                         {"name": "echo", "provider": "echo", "id": "echo"}]}
    config = write_config(world.root, cfg, models)
    server.default = WireAnswer("unlocked and answered")
    term = Terminal([*orch_command, "--config", str(config)], orch_env({"TERM": "xterm"}))
    try:
        screen = term.wait_for("keyed>")
        assert "Vault password" not in screen  # not asked at start
        term.enter("first try")
        term.wait_for("Vault password:")
        term.ctrl("c")  # changing one's mind at the password prompt leaves orch running
        term.wait_for("the vault stays locked; nothing was sent")
        assert term.child.isalive() and server.requests == []
        term.enter("hello")
        term.wait_for("Vault password:", count=2)  # the second prompt, not the first one still on screen
        term.enter("correct horse battery")
        screen = term.wait_for("unlocked and answered")
        assert "correct horse battery" not in screen  # typed hidden
        assert server.requests[0].headers["authorization"] == "Bearer sk-loopback-secret-1234"
        term.wait_for("vault unlocked")  # the toolbar tells
        term.enter("/lock")
        term.wait_for("vault locked;")
        term.enter("again")
        term.wait_for("Vault password:")
        term.enter("wrong password here")
        term.wait_for("wrong vault password, try again")
        term.enter("correct horse battery")
        term.wait_for("keyed · ")
        term.enter("/exit")
        assert term.wait_exit() == 0
    finally:
        term.close()
    history = (world.home / "input_history").read_text()
    assert "correct horse" not in history and "hello" in history
    assert "sk-loopback-secret" not in term.transcript.decode(errors="replace")
