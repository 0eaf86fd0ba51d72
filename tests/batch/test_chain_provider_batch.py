"""`orch batch chain:NAME INPUT --provider-batch`: the chain's steps as successive provider batches,
level by level, each command a new process, against the loopback OpenAI and Anthropic batch APIs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.batch.conftest import read_out
from tests.support.batch_server import BatchApis
from tests.support.config_files import write_config
from tests.support.llm_server import LLMServer

_FAST = (1.0, 2.0)
_CLAUDE = (3.0, 15.0)
"""USD per million input and output tokens; every loopback answer counts 5 in and 3 out."""


def _config(folder: Path, server: LLMServer, chains: dict[str, Any]) -> Path:
    return write_config(
        folder,
        {"default_model": "fast", "network": {"max_retries": 0}, "chains": chains,
         "providers": {"local": server.provider_config("openai"), "claude": server.provider_config("anthropic"),
                       "gm": server.provider_config("gemini"), "offline": {"kind": "echo"}}},
        [{"name": "fast", "provider": "local", "id": "fast-1", "pricing": dict(zip(("input", "output"), _FAST))},
         {"name": "claude", "provider": "claude", "id": "claude-x",
          "pricing": dict(zip(("input", "output"), _CLAUDE))},
         {"name": "g", "provider": "gm", "id": "gemini-x"}, {"name": "e", "provider": "offline", "id": "echo"}],
    )  # fmt: skip


_PAIR = {"pair": {"variables": {"tone": "plain"},
                  "steps": [{"id": "a", "prompt": "A: {{ input }}"},
                            {"id": "b", "model": "claude", "prompt": "B: {{ steps.a }} {{ tone }}"}]}}  # fmt: skip


def _batch_cost(prices: tuple[float, float]) -> float:
    return (5 * prices[0] + 3 * prices[1]) / 1e6 * 0.5


@pytest.fixture
def apis(llm_server: LLMServer) -> BatchApis:
    llm_server.default = BatchApis()
    return llm_server.default


def _inputs(path: Path, *texts: str) -> Path:
    import json

    path.write_text("".join(json.dumps({"id": f"r{i}", "input": t}) + "\n" for i, t in enumerate(texts)))
    return path


def _end(apis: BatchApis, batch_id: str) -> None:
    """The provider ends the batch: its next poll says so."""
    apis.batches[batch_id].polls = 99


def test_two_levels_go_out_one_after_the_other(tmp_path: Path, llm_server: LLMServer, apis: BatchApis,
                                               run_orch) -> None:  # fmt: skip
    config = str(_config(tmp_path / "conf", llm_server, _PAIR))
    inputs = _inputs(tmp_path / "in.jsonl", "one", "please fail", "three")
    out = tmp_path / "out.jsonl"
    rc, stdout, err = run_orch("--config", config, "batch", "chain:pair", str(inputs), "--provider-batch", "-o", str(out))
    assert rc == 0, err
    run_id = stdout.strip()
    (a_id, a_batch), = apis.batches.items()  # only the first level went out
    assert a_batch.kind == "openai" and f"step a: 3 rows submitted to local as {a_id}" in err
    bodies = [r["body"] for r in a_batch.requests]
    assert [r["custom_id"] for r in a_batch.requests] == ["row-0", "row-1", "row-2"]
    assert [b["messages"][-1]["content"] for b in bodies] == ["A: one", "A: please fail", "A: three"]
    assert all(b["model"] == "fast-1" and "stream" not in b for b in bodies)

    apis.batches[a_id].polls = 0  # the next poll says in_progress
    rc, _, err = run_orch("--config", config, "batch", "fetch", run_id)
    assert rc == 0, err
    assert "has not ended yet" in err and "step a pending" in err and not out.exists()
    assert len(apis.batches) == 1

    rc, status, err = run_orch("--config", config, "batch", "status", run_id)
    assert rc == 0, err
    assert f"local batch {a_id} (3 rows)" in status and "step b: waiting" in status

    _end(apis, a_id)
    rc, _, err = run_orch("--config", config, "batch", "fetch", run_id)
    assert rc == 0, err
    assert "step b pending" in err and not out.exists()
    b_id = next(i for i in apis.batches if i != a_id)
    b_batch = apis.batches[b_id]
    assert b_batch.kind == "anthropic"
    # b's prompts hold a's outputs; the row that failed at a never reaches b.
    assert [(r["custom_id"], r["params"]["messages"][-1]["content"]) for r in b_batch.requests] == [
        ("row-0", "B: batched: A: one plain"), ("row-2", "B: batched: A: three plain")]  # fmt: skip
    assert b_batch.requests[0]["params"]["model"] == "claude-x"

    apis.batches[b_id].polls = 0
    _end(apis, b_id)
    # A new process, naming the run by its second step's provider batch id.
    rc, _, err = run_orch("--config", config, "batch", "fetch", b_id)
    assert rc == 0, err
    rows = read_out(out)
    assert [r["id"] for r in rows] == ["r0", "r1", "r2"]
    assert rows[0]["output"] == "batched: B: batched: A: one plain" and rows[0]["status"] == "complete"
    assert rows[0]["input_tokens"] == 10 and rows[0]["output_tokens"] == 6
    assert rows[0]["cost"] == pytest.approx(_batch_cost(_FAST) + _batch_cost(_CLAUDE))
    assert rows[1]["status"] == "error" and "step 'a' failed" in rows[1]["error"] and "this one failed" in rows[1]["error"]
    assert rows[1]["output"] == ""
    assert rows[2]["output"] == "batched: B: batched: A: three plain"
    assert len(apis.batches) == 2

    rc, status, _ = run_orch("--config", config, "batch", "status", run_id)
    assert rc == 0 and "finished" in status and "3/3 rows done, 1 failed" in status
    assert f"step b: claude batch {b_id} (2 rows), ended" in status


def test_a_when_that_does_not_hold_skips_the_step_for_that_row(tmp_path: Path, llm_server: LLMServer,
                                                               apis: BatchApis, run_orch) -> None:  # fmt: skip
    chains = {"gate": {"output": ["b", "a"],
                       "steps": [{"id": "a", "prompt": "{{ input }}"},
                                 {"id": "b", "prompt": "go on: {{ steps.a }}", "when": {"step": "a", "contains": "yes"}}]}}  # fmt: skip
    config = str(_config(tmp_path / "conf", llm_server, chains))
    inputs = _inputs(tmp_path / "in.jsonl", "yes 1", "no 2")
    out = tmp_path / "out.jsonl"
    rc, run_id, err = run_orch("--config", config, "batch", "chain:gate", str(inputs), "--provider-batch", "-o", str(out))
    assert rc == 0, err
    (a_id, _), = apis.batches.items()
    _end(apis, a_id)
    rc, _, err = run_orch("--config", config, "batch", "fetch", run_id.strip())
    assert rc == 0, err
    b_id = next(i for i in apis.batches if i != a_id)
    assert [r["body"]["messages"][-1]["content"] for r in apis.batches[b_id].requests] == ["go on: batched: yes 1"]
    _end(apis, b_id)
    rc, _, err = run_orch("--config", config, "batch", "fetch", run_id.strip())
    assert rc == 0, err
    rows = read_out(out)
    assert [(r["status"], r["output"]) for r in rows] == [("complete", "batched: go on: batched: yes 1"),
                                                         ("complete", "batched: no 2")]  # fmt: skip
    assert rows[1]["cost"] == pytest.approx(_batch_cost(_FAST))  # only the step that ran


def test_a_step_no_row_needs_sends_no_batch(tmp_path: Path, llm_server: LLMServer, apis: BatchApis,
                                            run_orch) -> None:  # fmt: skip
    chains = {"gate": {"steps": [{"id": "a", "prompt": "{{ input }}"},
                                 {"id": "b", "prompt": "{{ steps.a }}", "when": {"step": "a", "contains": "yes"}}]}}  # fmt: skip
    config = str(_config(tmp_path / "conf", llm_server, chains))
    inputs = _inputs(tmp_path / "in.jsonl", "no")
    rc, run_id, err = run_orch("--config", config, "batch", "chain:gate", str(inputs), "--provider-batch")
    (a_id, _), = apis.batches.items()
    _end(apis, a_id)
    rc, out, err = run_orch("--config", config, "batch", "fetch", run_id.strip())
    assert rc == 0, err
    assert "step b: no row needs it" in err and len(apis.batches) == 1
    assert [(r["status"], r["output"]) for r in map(__import__("json").loads, out.splitlines())] == [("complete", "")]


@pytest.mark.parametrize(("step", "said"), [({"tools": ["t.lookup"]}, "uses tools"),
                                            ({"model": "e"}, "step 'b' (e)")])  # fmt: skip
def test_what_a_batch_cannot_send_is_refused_naming_the_step(tmp_path: Path, llm_server: LLMServer, apis: BatchApis,
                                                             run_orch, step: dict, said: str) -> None:  # fmt: skip
    chains = {"c": {"steps": [{"id": "a", "prompt": "{{ input }}"}, {"id": "b", "prompt": "{{ steps.a }}", **step}]}}
    config = str(_config(tmp_path / "conf", llm_server, chains))
    inputs = _inputs(tmp_path / "in.jsonl", "one")
    rc, _, err = run_orch("--config", config, "batch", "chain:c", str(inputs), "--provider-batch")
    assert rc == 2 and said in err and "step 'b'" in err
    assert not apis.batches
