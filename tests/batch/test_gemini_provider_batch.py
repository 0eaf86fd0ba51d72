"""`--provider-batch` with a Gemini model, against a loopback Gemini Batch API: submit (the inline
requests), status while it runs, fetch before and after it ended, each command a new process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.batch.conftest import read_out
from tests.support.batch_server import BatchApis
from tests.support.config_files import write_config
from tests.support.llm_server import LLMServer

KEY = "gemini-secret-key"


@pytest.fixture
def gemini_config(tmp_path: Path, llm_server: LLMServer) -> Path:
    """`g` (model id gemini-x, priced) on a gemini provider `gm` served by `llm_server`, its key from GM_KEY."""
    return write_config(
        tmp_path / "gconf",
        {"default_model": "g", "network": {"max_retries": 0},
         "providers": {"gm": {**llm_server.provider_config("gemini"), "key": {"env": "GM_KEY"}}}},
        [{"name": "g", "provider": "gm", "id": "gemini-x", "pricing": {"input": 1.0, "output": 2.0}}],
    )  # fmt: skip


@pytest.fixture
def orch(run_orch, gemini_config: Path):
    """`orch(*args)` -> (rc, stdout, stderr) of a new `orch --config gemini_config ARGS` process."""
    return lambda *args: run_orch("--config", str(gemini_config), *args, env={"GM_KEY": KEY})


def _inputs(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "input": "one"}\n{"id": "b", "input": "please fail"}\nnot json\n{"input": "three"}\n')
    return path


def test_submit_sends_the_rows_inline_with_the_key(tmp_path: Path, llm_server: LLMServer, orch) -> None:
    apis = BatchApis()
    llm_server.default = apis
    rc, out, err = orch("batch", "g", str(_inputs(tmp_path)), "--provider-batch")
    assert rc == 0, err
    (name, batch), = apis.batches.items()
    assert name.startswith("batches/") and name in err and out.strip().isdigit()
    served = batch.request
    assert served is not None and served.method == "POST"
    assert served.path == "/v1beta/models/gemini-x:batchGenerateContent"
    assert served.headers["x-goog-api-key"] == KEY
    body = served.json()["batch"]
    assert body["displayName"]
    inline = body["inputConfig"]["requests"]["requests"]
    assert [r["metadata"] for r in inline] == [{"key": "row-0"}, {"key": "row-1"}, {"key": "row-3"}]
    first = inline[0]["request"]
    assert first["contents"] == [{"role": "user", "parts": [{"text": "one"}]}]
    assert "stream" not in first and "model" not in first  # the model is in the URL, nothing streams
    assert KEY not in out + err


def test_status_fetch_too_early_then_fetch_after_a_restart(tmp_path: Path, llm_server: LLMServer, orch) -> None:
    apis = BatchApis()
    llm_server.default = apis
    rc, out, err = orch("batch", "g", str(_inputs(tmp_path)), "--provider-batch")
    assert rc == 0, err
    run_id = out.strip()
    (name, _), = apis.batches.items()

    rc, status, err = orch("batch", "status", run_id)  # GET 1: pending
    assert rc == 0, err
    assert f"#{run_id}" in status and name in status and "BATCH_STATE_PENDING" in status and "total 3" in status

    result = tmp_path / "out.jsonl"
    rc, _, err = orch("batch", "fetch", name, "-o", str(result))  # GET 2: running, by Gemini's batch name
    assert rc == 0 and "has not ended yet" in err
    assert not result.exists()

    rc, status, err = orch("batch", "status", name)  # GET 3: succeeded
    assert rc == 0, err
    assert "BATCH_STATE_SUCCEEDED" in status and "succeeded 2" in status and "failed 1" in status

    rc, _, err = orch("batch", "fetch", run_id, "-o", str(result))
    assert rc == 0, err
    rows = read_out(result)
    assert [r["id"] for r in rows] == ["a", "b", "3", "4"]
    assert rows[0]["output"] == "batched: one" and rows[0]["status"] == "complete"
    assert rows[0]["input_tokens"] == 5 and rows[0]["output_tokens"] == 3
    assert rows[0]["cost"] == pytest.approx((5 * 1.0 + 3 * 2.0) / 1e6 * 0.5)
    assert rows[1]["status"] == "error" and rows[1]["error"] == "this one failed"
    assert rows[2]["status"] == "error" and rows[2]["error"] == "line 3 is not JSON"
    assert rows[3]["output"] == "batched: three"


@pytest.mark.parametrize(("output", "keys"), [(("response",), True), (("metadata",), False)])
def test_results_are_read_wherever_the_operation_holds_them(tmp_path: Path, llm_server: LLMServer, orch,
                                                            output: tuple[str, ...], keys: bool) -> None:  # fmt: skip
    """In the Operation's `response` or the batch's `output`; a response without its key is the
    request at its position."""
    llm_server.default = BatchApis(gemini_output=output, gemini_keys=keys)
    rc, out, err = orch("batch", "g", str(_inputs(tmp_path)), "--provider-batch")
    run_id = out.strip()
    for _ in range(2):
        orch("batch", "status", run_id)
    result = tmp_path / "out.jsonl"
    rc, _, err = orch("batch", "fetch", run_id, "-o", str(result))
    assert rc == 0, err
    rows = read_out(result)
    assert [r["output"] for r in rows] == ["batched: one", "", "", "batched: three"]
    assert rows[1]["error"] == "this one failed"


def test_a_batch_over_the_inline_limit_is_refused_before_sending(tmp_path: Path, llm_server: LLMServer,
                                                                 orch) -> None:  # fmt: skip
    apis = BatchApis()
    llm_server.default = apis
    inputs = tmp_path / "big.txt"
    inputs.write_text(("x" * 7_000_000 + "\n") * 3)
    rc, _, err = orch("batch", "g", str(inputs), "--provider-batch")
    assert rc == 2 and "MB" in err and "20 MB" in err
    assert not apis.batches and not llm_server.requests
