"""One-shot at its edges: answers cut short (issue 10 item 5), `--sanitize` and escapes (issue 14 item 1),
undecodable stdin (issue 14 item 11)."""

from __future__ import annotations

import pexpect
import pytest

from tests.support.cli import spawn_orch
from tests.support.llm_server import Reply, stream_reply

HOSTILE = "Hi \x1b]0;PWNED\x1b\\ and \x1b]52;c;cHduZWQ=\x1b\\ end \x1b[2J \x9b31m"


@pytest.mark.parametrize(("reply", "says"), [
    (stream_reply("openai", "cut here", finish="length"), "orch: the answer was cut short by the provider (length)"),
    (stream_reply("openai", "no", finish="content_filter"), "orch: the provider refused the answer (content_filter)"),
])  # fmt: skip
def test_a_cut_short_answer_exits_0_and_says_so_on_stderr_in_a_pipe(run_orch, server, config, reply, says):
    server.script(reply)
    rc, out, err = run_orch("--config", str(config), "-m", "local", "hi")
    assert rc == 0
    assert out.strip() in ("cut here", "no")
    assert err.strip() == says


def test_a_refusal_is_shown_and_said(run_orch, server, config):
    refusal = ('data: {"choices": [{"index": 0, "delta": {"refusal": "I cannot help with that."}}]}\n\n'
               'data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\n\ndata: [DONE]\n\n')
    server.script(Reply.sse([refusal]))
    rc, out, err = run_orch("--config", str(config), "-m", "local", "hi")
    assert (rc, out) == (0, "I cannot help with that.\n")
    assert err.strip() == "orch: the provider refused the answer (refusal)"


def test_a_complete_answer_says_nothing_on_stderr(run_orch, server, config):
    server.script(stream_reply("openai", "whole"))
    assert run_orch("--config", str(config), "-m", "local", "hi") == (0, "whole\n", "")


def test_a_cut_short_answer_on_a_terminal_says_so_too(server, config, orch_command, orch_env):
    server.script(stream_reply("openai", "cut here", finish="length"))
    child, log = spawn_orch(orch_command, orch_env, "--config", str(config), "-m", "local", "hi")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "the answer was cut short by the provider (length)" in log.getvalue()


def test_a_pipe_keeps_the_model_s_bytes_unless_sanitize(run_orch):
    rc, out, _ = run_orch("-m", "echo", stdin=HOSTILE)
    assert rc == 0 and out == HOSTILE + "\n"
    rc, out, _ = run_orch("-m", "echo", "--sanitize", stdin=HOSTILE)
    assert rc == 0
    assert "\x1b" not in out and "\x9b" not in out
    assert out.startswith("Hi ␛]0;PWNED␛\\ and ␛]52;c;")


def test_undecodable_stdin_is_read_with_replacement_characters(run_orch):
    rc, out, err = run_orch("-m", "echo", stdin=b"caf\xe9 \xff\xfe ok")
    assert (rc, err) == (0, "")
    assert out == "caf\ufffd \ufffd\ufffd ok\n"


def test_undecodable_stdin_reaches_an_http_provider(run_orch, server, config):
    server.script(stream_reply("openai", "fine"))
    rc, out, err = run_orch("--config", str(config), "-m", "local", stdin=b"\xff\xfe binary \x00 data")
    assert (rc, out) == (0, "fine\n"), err
    assert "\ufffd\ufffd binary" in server.requests[-1].json()["messages"][-1]["content"]
