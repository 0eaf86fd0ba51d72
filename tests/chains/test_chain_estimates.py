"""`orch chain --dry-run` estimates each step (the budgets' rule); `--max-cost` caps a run's spend."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from app.cli import main
from tests.support.chain_world import write_config
from tests.support.llm_server import LLMServer, WireAnswer

FAN = """
    chains:
      fan:
        steps:
          - {id: a, model: loop, needs: [], prompt: "A {{ input }}"}
          - {id: b, model: echo, needs: [], prompt: "B {{ input }}"}
          - {id: judge, model: loop2, needs: [a, b], options: {max_tokens: 100}, prompt: "{{ steps.a }} vs {{ steps.b }}"}
    """


@pytest.fixture
def fan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, llm_server: LLMServer) -> Path:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    return write_config(tmp_path, FAN, loopback=llm_server)


def test_dry_run_estimates_each_step_s_tokens_and_cost(fan: Path, capsys, llm_server: LLMServer) -> None:
    assert main(["--config", str(fan), "chain", "fan", "question", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "[a] loop · ~3 in / 1024 out tokens · ~$0.0010" in out  # "A question": 10 characters
    assert "[b] echo · ~3 in / 1024 out tokens · price n/a" in out
    assert "~3 in / 100 out tokens · ~$0.0001" in out  # "⟨a⟩ vs ⟨b⟩" with the step's max_tokens
    assert "estimate: about $0.0011 + unpriced steps if every step runs" in out
    assert llm_server.requests == []


def test_a_run_over_max_cost_stops_before_the_step_that_would_pass_it(fan: Path, capsys, llm_server) -> None:
    llm_server.default = WireAnswer("fine")
    assert main(["--config", str(fan), "chain", "fan", "question", "--max-cost", "0.0005"]) == 1
    err = capsys.readouterr().err
    assert "over what is left of --max-cost ($0.0005)" in err
    assert llm_server.requests == []
