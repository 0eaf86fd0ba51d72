"""`orch chain NAME [INPUT] [KEY=VALUE…] [--dry-run]`: output, progress, exit codes."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from tests.support.chain_world import write_config
from tests.support.llm_server import LLMServer, Reply, WireAnswer

CHAINS = """
chains:
  review:
    description: draft then polish
    variables: {tone: plain}
    steps:
      - {id: draft, prompt: "draft: {{ input }}"}
      - {id: polish, prompt: "{{ tone }} {{ steps.draft }}"}
  slowpoke:
    steps:
      - {id: crawl, model: slow, prompt: "w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w w"}
"""


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    return write_config(tmp_path, CHAINS)


def orch(config: Path, *args: str) -> int:
    return main(["--config", str(config), "chain", *args])


def test_final_output_on_stdout_progress_on_stderr(config_path: Path, capsys) -> None:
    assert orch(config_path, "review", "the sky", "tone=bold") == 0
    out, err = capsys.readouterr()
    assert out == "bold draft: the sky\n"
    assert "[draft] running (echo)" in err
    assert "[draft] done 0.0s · 3→3 tokens" in err
    assert "[polish] done" in err


def test_input_from_stdin(config_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("piped text\n"))
    assert orch(config_path, "review", "tone=calm") == 0
    assert capsys.readouterr().out == "calm draft: piped text\n"


def test_dry_run_shows_prompts_and_order_without_calling_a_model(tmp_path: Path, capsys, monkeypatch,
                                                                   llm_server: LLMServer) -> None:  # fmt: skip
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    path = write_config(tmp_path, """
        chains:
          fan:
            steps:
              - {id: a, model: loop, needs: [], prompt: "A {{ input }}"}
              - {id: b, model: loop2, needs: [], prompt: "B {{ input }}"}
              - {id: judge, model: loop3, needs: [a, b], when: {step: a, contains: "x"}, prompt: "{{ steps.a }} vs {{ steps.b }}"}
        """, loopback=llm_server)  # fmt: skip
    assert orch(path, "fan", "question", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "1. a, b (concurrently)" in out
    assert "2. judge" in out
    assert "prompt: A question" in out
    assert "prompt: ⟨a⟩ vs ⟨b⟩" in out
    assert "only if a contains 'x'" in out
    assert llm_server.requests == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope", "x"), "unknown chain 'nope'"),
        (("review", "x", "mood=odd"), "chain 'review' has no variable 'mood'"),
        (("review", "x", "notapair"), "'notapair' is not KEY=VALUE"),
        (("review",), "chain 'review' needs an input"),
    ],
)
def test_usage_errors_exit_2(config_path: Path, capsys, args: tuple[str, ...], message: str) -> None:
    assert orch(config_path, *args) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err


def test_a_chain_with_problems_exits_2_with_file_and_line(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    path = write_config(tmp_path, "chains:\n  c:\n    steps:\n      - {id: a, prompt: '{{ steps.zz }}'}\n")
    assert orch(path, "c", "x") == 2
    assert f"{path}:10: chain 'c', step 'a': prompt uses steps.zz" in capsys.readouterr().err


def test_a_failing_step_exits_1_and_names_the_step(tmp_path: Path, capsys, monkeypatch, llm_server: LLMServer) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    llm_server.script(Reply.json(401, {"error": {"message": "invalid key"}}))
    path = write_config(tmp_path, """
        chains:
          c:
            steps:
              - {id: first, prompt: "{{ input }}"}
              - {id: second, model: loop, prompt: "{{ steps.first }}"}
        """, loopback=llm_server)  # fmt: skip
    assert orch(path, "c", "x") == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "[second] failed" in err
    assert "orch: chain 'c' stopped: step 'second' failed" in err


def test_the_loopback_chain_end_to_end(tmp_path: Path, capsys, monkeypatch, llm_server: LLMServer) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    llm_server.default = WireAnswer("from the server")
    path = write_config(tmp_path, """
        chains:
          c:
            steps:
              - {id: a, model: loop, needs: [], prompt: "{{ input }}"}
              - {id: b, model: loop2, needs: [], prompt: "{{ input }}"}
              - {id: j, needs: [a, b], prompt: "{{ steps.a }} + {{ steps.b }}"}
        """, loopback=llm_server)  # fmt: skip
    assert orch(path, "c", "x") == 0
    out, err = capsys.readouterr()
    assert out == "from the server + from the server\n"
    assert "[a] done" in err and "$0.0000" in err or "<$0.0001" in err


def test_ctrl_c_cancels_the_chain_and_exits_130(config_path: Path, orch_command: list[str]) -> None:
    child = subprocess.Popen(
        [*orch_command, "--config", str(config_path), "chain", "slowpoke", "go"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        assert child.stderr is not None
        line = child.stderr.readline().decode()
        assert line.startswith("[crawl] running"), line  # the chain runs: Ctrl-C now cancels it
        os.kill(child.pid, signal.SIGINT)
        rc = child.wait(60)
        err = child.stderr.read().decode()
    finally:
        if child.poll() is None:
            child.kill()
    assert rc == 130
    assert "[crawl] cancelled" in err
    assert "orch: chain interrupted" in err
    assert child.stdout is not None and child.stdout.read() == b""
