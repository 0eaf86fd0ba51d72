"""One-shot answers that call tools: the real `orch` in a subprocess (no terminal), the loopback model server,
and the MCP test server over stdio.

stdout carries the final answer only; the calls are told on stderr. With no
terminal to ask on, a call runs only under `-y`; without it the model gets a
refused result and stderr says so. A conversation holding tool calls made on
one provider continues on another, its calls replayed in that one's shape.
"""

from __future__ import annotations

from app.runtime._tools import NO_ONE_TO_ASK
from tests.support.llm_server import stream_reply
from tests.support.tool_wire import calls_sent, results_sent, tool_reply
from tests.support.tool_world import PROVIDER_KEYS, tools_config

ADD = ("c1", "t__add", {"a": 2, "b": 3})


def test_with_y_the_call_runs_stdout_has_the_answer_and_stderr_the_call(run_orch, world, llm_server) -> None:
    llm_server.script(tool_reply("openai", [ADD], text="Adding. "), stream_reply("openai", "It is 5."))
    rc, out, err = run_orch("--config", str(tools_config(world.root, llm_server)), "-T", "t", "-y",
                            "what is 2 + 3?", env=PROVIDER_KEYS, timeout=120)  # fmt: skip

    assert rc == 0, err
    assert out == "Adding. It is 5.\n"
    assert "tool t.add" in err and "t__add" not in err
    assert "✓ t.add: 1 character" in err
    assert results_sent("openai", llm_server.requests[1].json()) == [("c1", "5", False)]


def test_with_no_terminal_and_no_y_the_call_is_refused_and_stderr_says_so(run_orch, world, llm_server) -> None:
    llm_server.script(tool_reply("openai", [ADD]), stream_reply("openai", "I could not add."))
    rc, out, err = run_orch("--config", str(tools_config(world.root, llm_server)), "-T", "t",
                            "what is 2 + 3?", env=PROVIDER_KEYS, timeout=120)  # fmt: skip

    assert rc == 0, err
    assert out == "I could not add.\n"
    assert f"✗ t.add: {NO_ONE_TO_ASK}" in " ".join(err.split())  # stderr is wrapped at 80 columns
    assert results_sent("openai", llm_server.requests[1].json()) == [("c1", NO_ONE_TO_ASK, True)]


def test_calls_made_on_anthropic_are_replayed_in_openai_shape_on_resume(run_orch, world, llm_server) -> None:
    config = str(tools_config(world.root, llm_server))
    llm_server.script(tool_reply("anthropic", [ADD], text="Adding. "), stream_reply("anthropic", "It is 5."))
    rc, _, err = run_orch("--config", config, "-m", "anthropic", "-T", "t", "-y", "what is 2 + 3?",
                          env=PROVIDER_KEYS, timeout=120)  # fmt: skip
    assert rc == 0, err

    llm_server.script(stream_reply("openai", "Still 5."))
    rc, out, err = run_orch("--config", config, "-c", "-m", "openai", "and again?", env=PROVIDER_KEYS, timeout=60)

    assert (rc, out) == (0, "Still 5.\n"), err
    body = llm_server.requests[-1].json()
    assert llm_server.requests[-1].path.endswith("/chat/completions")
    assert calls_sent("openai", body) == [ADD]
    assert results_sent("openai", body) == [("c1", "5", False)]
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["user", "assistant", "tool", "assistant", "user"]
    assert body["messages"][1]["content"] == "Adding. "
