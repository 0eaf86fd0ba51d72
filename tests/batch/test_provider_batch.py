"""`--provider-batch` against loopback OpenAI and Anthropic batch APIs (Gemini's: test_gemini_provider_batch): submit, status, then fetch
from a new process (a "restart"), by orch's run id or the provider's batch id."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.batch.conftest import read_out
from tests.support.batch_server import BatchApis
from tests.support.llm_server import LLMServer


@pytest.mark.parametrize(("model", "states"), [("fast", ("validating", "in_progress", "completed")),
                                               ("claude", ("in_progress", "ended"))])  # fmt: skip
def test_submit_status_then_fetch_after_a_restart(tmp_path: Path, llm_server: LLMServer, config_path: Path,
                                                  run_orch, model: str, states: tuple[str, ...]) -> None:  # fmt: skip
    apis = BatchApis()
    llm_server.default = apis
    inputs = tmp_path / "in.jsonl"
    inputs.write_text('{"id": "a", "input": "one"}\n{"id": "b", "input": "please fail"}\nnot json\n{"input": "three"}\n')
    rc, out, err = run_orch("--config", str(config_path), "batch", model, str(inputs), "--provider-batch")
    assert rc == 0, err
    run_id = out.strip()
    assert "submitted" in err and len(apis.batches) == 1
    (batch_id, batch), = apis.batches.items()
    sent = batch.requests
    assert len(sent) == 3  # the line that is not JSON is an error row, never sent
    body = sent[0]["body"] if model == "fast" else sent[0]["params"]
    assert "stream" not in body and "stream_options" not in body and body["messages"][-1]["content"] == "one"

    seen = []
    for _ in states[:-1]:
        rc, status, err = run_orch("--config", str(config_path), "batch", "status", run_id)
        assert rc == 0, err
        seen.append(status)
    assert all(f"#{run_id}" in line and batch_id in line for line in seen)

    result = tmp_path / "out.jsonl"
    # A new process, naming the run by the provider's id: the run is found in history.db.
    rc, _, err = run_orch("--config", str(config_path), "batch", "fetch", batch_id, "-o", str(result))
    assert rc == 0, err
    rows = read_out(result)
    assert [r["id"] for r in rows] == ["a", "b", "3", "4"]
    assert rows[0]["output"] == "batched: one" and rows[0]["status"] == "complete"
    assert rows[0]["input_tokens"] == 5 and rows[0]["output_tokens"] == 3
    assert rows[1]["status"] == "error" and "this one failed" in rows[1]["error"]
    assert rows[2]["status"] == "error" and rows[2]["error"] == "line 3 is not JSON"
    assert rows[3]["output"] == "batched: three"
    if model == "fast":
        assert rows[0]["cost"] == pytest.approx((5 * 1.0 + 3 * 2.0) / 1e6 * 0.5)


def test_fetch_before_the_batch_ended_says_so(tmp_path: Path, llm_server: LLMServer, config_path: Path,
                                              run_orch) -> None:  # fmt: skip
    llm_server.default = BatchApis()
    inputs = tmp_path / "in.txt"
    inputs.write_text("one\ntwo\n")
    rc, out, _ = run_orch("--config", str(config_path), "batch", "fast", str(inputs), "--provider-batch")
    rc, _, err = run_orch("--config", str(config_path), "batch", "fetch", out.strip())
    assert rc == 0 and "has not ended yet" in err


def test_a_provider_without_a_batch_api_is_said_so(tmp_path: Path, run_orch) -> None:
    from tests.support.config_files import write_config

    path = write_config(tmp_path / "e", {"default_model": "e", "providers": {"offline": {"kind": "echo"}}},
                        [{"name": "e", "provider": "offline", "id": "echo"}])  # fmt: skip
    inputs = tmp_path / "in.txt"
    inputs.write_text("one\n")
    rc, _, err = run_orch("--config", str(path), "batch", "e", str(inputs), "--provider-batch")
    assert rc == 2 and "OpenAI, Anthropic and Gemini" in err and "offline is echo" in err
