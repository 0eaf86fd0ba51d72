"""Tool calls in the real REPL, in a pseudo-terminal: approval (y, n, always), a server that dies mid-call,
Ctrl-C during a call, and a tool's escape sequences shown harmless.

The model is the loopback server speaking openai's wire format; the tools are
the MCP test server over stdio (started on the first answer that offers them).
"""

from __future__ import annotations

import pytest

from app.runtime._tools import REFUSED
from app.store import DB_NAME, Store
from app.ui.tool_view import QUESTION
from tests.support.llm_server import WireAnswer, stream_reply
from tests.support.tool_wire import results_sent, tool_reply
from tests.support.tool_world import PROVIDER_KEYS, tools_config

# The MCP server's first start imports the whole SDK: slow on a loaded machine.
FIRST_CALL_S = 90


def add(call_id: str) -> tuple[str, str, dict]:
    return (call_id, "t__add", {"a": 2, "b": 3})


@pytest.fixture
def config(world, server, monkeypatch):
    for name, value in PROVIDER_KEYS.items():
        monkeypatch.setenv(name, value)
    return tools_config(world.root, server, enabled=["t"])


def test_yes_runs_the_call_and_no_refuses_the_next(orch, server) -> None:
    server.script(tool_reply("openai", [add("c1")]), stream_reply("openai", "It is five."),
                  tool_reply("openai", [add("c2")]), stream_reply("openai", "You said no."))  # fmt: skip
    term = orch()
    term.wait_for("openai>")
    term.enter("what is 2 + 3?")
    term.wait_for(f"t.add: {QUESTION.strip()}", timeout=FIRST_CALL_S)
    screen = term.text()
    assert "tool t.add" in screen and '"a": 2' in screen and "t__add" not in screen
    term.enter("y")
    term.wait_for("✓ t.add: 1 character")
    term.wait_for("It is five.")
    assert results_sent("openai", server.requests[1].json()) == [("c1", "5", False)]

    term.enter("and again?")
    term.wait_for(QUESTION.strip(), count=2)
    term.enter("n")
    term.wait_for(f"✗ t.add: {REFUSED}")
    term.wait_for("You said no.")
    assert results_sent("openai", server.requests[3].json())[-1] == ("c2", REFUSED, True)
    term.ctrl("d")
    assert term.wait_exit() == 0


def test_always_is_not_asked_again_for_the_same_tool(orch, server) -> None:
    server.script(tool_reply("openai", [add("c1")]), tool_reply("openai", [add("c2")]),
                  stream_reply("openai", "Added twice."))  # fmt: skip
    term = orch()
    term.wait_for("openai>")
    term.enter("add twice")
    term.wait_for(QUESTION.strip(), timeout=FIRST_CALL_S)
    term.enter("a")
    term.wait_for("Added twice.")
    assert term.count("✓ t.add: 1 character") == 2
    assert term.count(QUESTION.strip()) == 1
    term.ctrl("d")
    assert term.wait_exit() == 0


def test_a_server_that_dies_mid_call_is_an_error_result_and_the_repl_goes_on(orch, server) -> None:
    server.script(tool_reply("openai", [("c1", "t__die", {})]), stream_reply("openai", "The tool died."))
    server.default = WireAnswer("still here")
    term = orch("-y")
    term.wait_for("openai>")
    term.enter("call die")
    term.wait_for("✗ t.die", timeout=FIRST_CALL_S)
    term.wait_for("The tool died.")
    (result,) = results_sent("openai", server.requests[1].json())
    assert result[0] == "c1" and result[2] is True
    term.enter("are you there?")
    term.wait_for("still here")
    term.wait_for("openai>", count=3)  # the prompt is back: Ctrl-D typed ahead of it may be dropped
    term.ctrl("d")
    assert term.wait_exit() == 0


def test_ctrl_c_during_a_slow_call_brings_the_prompt_back_and_keeps_the_call(orch, server, world) -> None:
    server.script(tool_reply("openai", [("c1", "t__slow", {"s": 60})], text="Waiting. "))
    server.default = WireAnswer("after the interruption")
    term = orch("-y")
    term.wait_for("openai>")
    term.enter("be slow")
    term.wait_for("tool t.slow", timeout=FIRST_CALL_S)
    term.ctrl("c")
    term.wait_for("openai>", count=2, timeout=15)
    term.enter("and now?")
    term.wait_for("after the interruption")
    # The cancelled call goes back with a result saying so (no wire format takes a call left unanswered).
    sent = server.requests[-1].json()["messages"]
    assert sent[1]["content"] == "Waiting. " and [c["id"] for c in sent[1]["tool_calls"]] == ["c1"]
    assert sent[2] == {"role": "tool", "tool_call_id": "c1", "content": "Error: cancelled by the user"}
    term.ctrl("d")
    assert term.wait_exit() == 0
    with Store(world.home / DB_NAME) as store:
        conversation = store.latest_conversation()
        assert conversation is not None
        kept = store.branch(conversation.id)[1]
    assert kept.status == "interrupted"
    assert [(p.kind, p.name) for p in kept.parts] == [("text", None), ("tool_call", "t__slow"), ("tool_result", "t__slow")]


def test_escape_sequences_from_a_tool_and_in_arguments_are_shown_harmless(orch, server) -> None:
    evil = "\x1b]0;pwned\x07\x1b[2Jgotcha"
    server.script(tool_reply("openai", [("c1", "t__complain", {"text": evil})]), stream_reply("openai", "Hm."))
    term = orch("-y")
    term.wait_for("openai>")
    term.enter("complain")
    term.wait_for("Hm.", timeout=FIRST_CALL_S)
    screen = term.text()
    assert "✗ t.complain" in screen and "gotcha" in screen
    assert "openai>" in screen  # the screen was not cleared
    assert results_sent("openai", server.requests[1].json())[0][1].endswith("gotcha")
