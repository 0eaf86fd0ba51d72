"""The real `orch batch` in a subprocess: killed with -9 half way, then resumed; status; Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from tests.batch.conftest import read_out, write_inputs
from tests.support.llm_server import LLMServer, Reply, WireAnswer


def _slow(request) -> Reply:
    reply = WireAnswer("answer " + request.json()["messages"][-1]["content"])(request)
    return Reply(reply.status, reply.headers, reply.body, reply.chunks, delay_s=0.05)


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


def _signal_when(command: list[str], out: Path, lines: int, signum: int) -> tuple[int, str]:
    """Run `command`, send `signum` once OUT has `lines` lines; its exit code and stderr."""
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while _lines(out) < lines and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.01)
        os.kill(child.pid, signum)
        rc = child.wait(30)
        return rc, child.stderr.read().decode() if child.stderr else ""
    finally:
        if child.poll() is None:
            child.kill()


def test_kill_9_half_way_then_a_resume_sends_only_the_rest(
    tmp_path: Path, llm_server: LLMServer, config_path: Path, orch_command: list[str], run_orch
) -> None:  # fmt: skip
    llm_server.default = _slow
    inputs = write_inputs(tmp_path / "in.jsonl", 200)
    out = tmp_path / "out.jsonl"
    command = [*orch_command, "--config", str(config_path), "batch", "fast", str(inputs), "-o", str(out)]
    _signal_when(command, out, 100, signal.SIGKILL)
    first = len(llm_server.requests)
    assert 100 <= _lines(out) < 200 and first < 200

    rc, _, err = run_orch("--config", str(config_path), "batch", "fast", str(inputs), "-o", str(out), timeout=60)
    assert rc == 0, err
    assert "resuming" in err
    rows = read_out(out)
    assert [r["id"] for r in rows] == [f"r{i}" for i in range(200)]
    assert all(r["output"] == f"answer question {i}" for i, r in enumerate(rows))
    # Only what was in flight when the first run died is sent twice; at most `concurrency` (8) rows.
    assert 200 <= len(llm_server.requests) <= 200 + 8
    resent = len(llm_server.requests) - first
    assert resent <= 200 - 100 + 8

    rc, status, _ = run_orch("--home", os.environ["ORCH_HOME"], "--config", str(config_path), "batch", "status", "1")
    assert rc == 0 and "200/200 rows done" in status and "finished" in status


def test_without_o_the_rows_go_to_stdout_and_failures_are_counted_on_stderr(
    tmp_path: Path, llm_server: LLMServer, config_path: Path, run_orch
) -> None:  # fmt: skip
    llm_server.default = WireAnswer("ok")
    inputs = write_inputs(tmp_path / "in.jsonl", 4, bad={1})
    rc, out, err = run_orch("--config", str(config_path), "batch", "fast", str(inputs))
    assert rc == 0, err
    assert [json.loads(line)["status"] for line in out.splitlines()] == ["complete", "error", "complete", "complete"]
    assert "1 failed" in err


def test_an_unknown_model_or_a_missing_input_cannot_run(tmp_path: Path, config_path: Path, run_orch) -> None:
    inputs = write_inputs(tmp_path / "in.jsonl", 2)
    rc, _, err = run_orch("--config", str(config_path), "batch", "nope", str(inputs))
    assert rc == 2 and "nope" in err
    rc, _, err = run_orch("--config", str(config_path), "batch", "fast", str(tmp_path / "missing.jsonl"))
    assert rc == 2 and "no input file" in err
    rc, _, err = run_orch("--config", str(config_path), "batch", "status", "42")
    assert rc == 2 and "no batch run" in err


def test_ctrl_c_records_and_exits_130(tmp_path: Path, llm_server: LLMServer, config_path: Path,
                                      orch_command: list[str], run_orch) -> None:  # fmt: skip
    llm_server.default = _slow
    inputs = write_inputs(tmp_path / "in.jsonl", 400)
    out = tmp_path / "out.jsonl"
    command = [*orch_command, "--config", str(config_path), "batch", "fast", str(inputs), "-o", str(out)]
    rc, err = _signal_when(command, out, 20, signal.SIGINT)
    assert rc == 130, err
    assert "interrupted" in err
    rc, status, _ = run_orch("--config", str(config_path), "batch", "status", "1")
    assert rc == 0 and "interrupted" in status
