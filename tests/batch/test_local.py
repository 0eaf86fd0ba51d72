"""The local runner against the loopback model server: order, concurrency, 429s, bad lines, chains."""

from __future__ import annotations

import asyncio
import io
import json
import threading
from pathlib import Path

from app import config as config_module
from app.batch import ChainTarget, Limits, LocalRunner, ModelTarget, start_run
from app.chains import plan_chain
from app.keys import KeyRing
from app.runtime import Runtime
from app.store import BatchStore
from app.vault import Vault
from tests.batch.conftest import batch_config, write_inputs
from tests.support.llm_server import LLMServer, Reply, ServedRequest, WireAnswer


def _runtime(config_path: Path) -> Runtime:
    config, _ = config_module.load(str(config_path))
    return Runtime(config, KeyRing(Vault(config_path.parent / "vault.enc")))


def _run(config_path: Path, inputs: Path, store: BatchStore, *, concurrency: int = 8, chain: str | None = None,
         limits: Limits | None = None, retry_failed: bool = False) -> tuple[str, object]:  # fmt: skip
    runtime = _runtime(config_path)
    config, sources = config_module.load(str(config_path))
    if chain:
        target = ChainTarget(runtime, plan_chain(config, chain, sources), runtime.model("fast"))
    else:
        target = ModelTarget(runtime, runtime.model("fast"))
    run, _ = start_run(store, f"chain:{chain}" if chain else "fast", inputs, {}, output_path=None)
    out = io.StringIO()

    async def go():
        try:
            return await LocalRunner(target, store, run, inputs, limits=limits or Limits({}),
                                     concurrency=concurrency, retry_failed=retry_failed).run(out)  # fmt: skip
        finally:
            await runtime.aclose()

    progress = asyncio.run(go())
    return out.getvalue(), progress


class _Counting:
    """Answers with the request's question after a short pause, counting how many are in flight at once."""

    def __init__(self, delay_s: float = 0.02) -> None:
        self.delay_s = delay_s
        self.lock = threading.Lock()

    def __call__(self, request: ServedRequest) -> Reply:
        question = request.json()["messages"][-1]["content"]
        # The reply's delay is served by the server's loop: rows overlap on the wire, as they would.
        reply = WireAnswer(f"answer to {question}")(request)
        return Reply(reply.status, reply.headers, reply.body, reply.chunks, delay_s=self.delay_s)


def test_200_inputs_at_concurrency_8_come_out_in_input_order(tmp_path: Path, llm_server: LLMServer) -> None:
    llm_server.default = _Counting()
    config_path = batch_config(tmp_path / "conf", llm_server)
    inputs = write_inputs(tmp_path / "in.jsonl", 200)
    with BatchStore(tmp_path / "history.db") as store:
        text, progress = _run(config_path, inputs, store)
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["id"] for line in lines] == [f"r{i}" for i in range(200)]
    assert all(line["output"] == f"answer to question {i}" for i, line in enumerate(lines))
    assert all(line["status"] == "complete" and line["error"] is None for line in lines)
    assert len(llm_server.requests) == 200
    assert progress.done == 200 and progress.failed == 0 and progress.cost is not None


def test_never_more_than_concurrency_rows_in_flight(tmp_path: Path, llm_server: LLMServer) -> None:
    in_flight = peak = 0
    lock = threading.Lock()
    gate_replies: list[Reply] = []

    def respond(request: ServedRequest) -> Reply:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        reply = WireAnswer("ok")(request)
        gate_replies.append(reply)
        return Reply(reply.status, reply.headers, reply.body, reply.chunks, delay_s=0.05)

    original_send = llm_server._send

    async def counted_send(writer, reply):
        nonlocal in_flight
        try:
            return await original_send(writer, reply)
        finally:
            with lock:
                in_flight -= 1

    llm_server._send = counted_send  # type: ignore[method-assign]
    llm_server.default = respond
    config_path = batch_config(tmp_path / "conf", llm_server)
    inputs = write_inputs(tmp_path / "in.jsonl", 40)
    with BatchStore(tmp_path / "history.db") as store:
        _run(config_path, inputs, store, concurrency=4)
    assert 2 <= peak <= 4


def test_a_429_storm_slows_the_run_and_every_row_still_succeeds(tmp_path: Path, llm_server: LLMServer) -> None:
    served = 0
    lock = threading.Lock()

    def respond(request: ServedRequest) -> Reply:
        nonlocal served
        with lock:
            served += 1
            storm = 40 <= served < 60
        if storm:
            return Reply.json(429, {"error": {"message": "slow down"}}, headers={"retry-after": "0.2"})
        return WireAnswer("fine")(request)

    llm_server.default = respond
    config_path = batch_config(tmp_path / "conf", llm_server)
    inputs = write_inputs(tmp_path / "in.jsonl", 100)
    limits = Limits({})
    with BatchStore(tmp_path / "history.db") as store:
        text, progress = _run(config_path, inputs, store, limits=limits)
    lines = text.splitlines()
    assert len(lines) == 100 and all('"status": "complete"' in line for line in lines)
    assert len(llm_server.requests) == 120  # the 20 refused were sent again
    assert progress.failed == 0 and progress.backoffs >= 1 and limits["local"].backoffs >= 1


def test_a_bad_jsonl_line_is_an_error_row_and_the_rest_run(tmp_path: Path, llm_server: LLMServer) -> None:
    llm_server.default = WireAnswer("ok")
    config_path = batch_config(tmp_path / "conf", llm_server)
    inputs = write_inputs(tmp_path / "in.jsonl", 5, bad={2})
    with BatchStore(tmp_path / "history.db") as store:
        text, progress = _run(config_path, inputs, store)
    rows = [json.loads(line) for line in text.splitlines()]
    assert [r["status"] for r in rows] == ["complete", "complete", "error", "complete", "complete"]
    assert rows[2]["error"] == "line 3 is not JSON" and rows[2]["id"] == "3"
    assert len(llm_server.requests) == 4 and progress.failed == 1


def test_a_row_the_provider_fails_is_an_error_row_not_an_aborted_run(tmp_path: Path, llm_server: LLMServer) -> None:
    llm_server.script(Reply.json(400, {"error": {"message": "bad input"}}))
    llm_server.default = WireAnswer("ok")
    config_path = batch_config(tmp_path / "conf", llm_server)
    inputs = write_inputs(tmp_path / "in.jsonl", 3)
    with BatchStore(tmp_path / "history.db") as store:
        text, progress = _run(config_path, inputs, store, concurrency=1)
    rows = [json.loads(line) for line in text.splitlines()]
    assert [r["status"] for r in rows] == ["error", "complete", "complete"]
    assert "bad input" in rows[0]["error"] and progress.failed == 1


def test_a_chain_over_three_inputs_with_their_variables(tmp_path: Path, llm_server: LLMServer) -> None:
    llm_server.default = lambda request: WireAnswer("<" + request.json()["messages"][-1]["content"] + ">")(request)
    config_path = batch_config(tmp_path / "conf", llm_server)
    inputs = tmp_path / "in.jsonl"
    inputs.write_text('{"input": "x", "vars": {"tone": "loud"}}\n{"input": "y"}\n"z"\n', encoding="utf-8")
    with BatchStore(tmp_path / "history.db") as store:
        text, progress = _run(config_path, inputs, store, chain="twice")
    rows = [json.loads(line) for line in text.splitlines()]
    assert [r["output"] for r in rows] == ["<B: <A: x> loud>", "<B: <A: y> plain>", "<B: <A: z> plain>"]
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert len(llm_server.requests) == 6 and progress.done == 3


def test_running_again_sends_only_what_is_not_done(tmp_path: Path, llm_server: LLMServer) -> None:
    llm_server.default = WireAnswer("ok")
    config_path = batch_config(tmp_path / "conf", llm_server)
    inputs = write_inputs(tmp_path / "in.jsonl", 30)
    with BatchStore(tmp_path / "history.db") as store:
        run, _ = start_run(store, "fast", inputs, {}, output_path=None)
        for row in (0, 5, 29):
            from app.store import BatchRow

            store.add_batch_row(run.id, BatchRow(row, f"r{row}", "complete", "from before"))
        text, progress = _run(config_path, inputs, store)
    rows = [json.loads(line) for line in text.splitlines()]
    assert len(rows) == 30 and [r["id"] for r in rows] == [f"r{i}" for i in range(30)]
    assert [rows[i]["output"] for i in (0, 5, 29)] == ["from before"] * 3 and rows[1]["output"] == "ok"
    assert len(llm_server.requests) == 27 and progress.resumed == 3


def test_retry_failed_sends_the_error_rows_again_and_keeps_the_rest(tmp_path: Path, llm_server: LLMServer) -> None:
    from app.store import BatchRow

    before = [BatchRow(row, f"r{row}", "error", "", error="boom") if row in (1, 4)
              else BatchRow(row, f"r{row}", "complete", "from before") for row in range(6)]  # fmt: skip
    llm_server.default = WireAnswer("ok")
    inputs, store = write_inputs(tmp_path / "in.jsonl", 6), BatchStore(tmp_path / "history.db")
    with store:
        run, _ = start_run(store, "fast", inputs, {}, output_path=None)
        for result in before:
            store.add_batch_row(run.id, result)
        config_path = batch_config(tmp_path / "conf", llm_server)
        again, _ = _run(config_path, inputs, store)
        assert len(llm_server.requests) == 0  # by default a failed row stays failed
        assert [json.loads(line)["status"] for line in again.splitlines()].count("error") == 2
        text, progress = _run(config_path, inputs, store, retry_failed=True)
    rows = [json.loads(line) for line in text.splitlines()]
    assert [r["output"] for r in rows] == ["from before", "ok", "from before", "from before", "ok", "from before"]
    assert all(r["status"] == "complete" for r in rows) and len(llm_server.requests) == 2
    assert progress.resumed == 4 and progress.failed == 0 and progress.done == 6


def test_a_resumed_rows_line_is_the_line_a_fresh_run_wrote(tmp_path: Path, llm_server: LLMServer) -> None:
    llm_server.default = _Counting(delay_s=0)
    config_path = batch_config(tmp_path / "conf", llm_server)
    inputs = write_inputs(tmp_path / "in.jsonl", 20)
    with BatchStore(tmp_path / "history.db") as store:
        fresh, _ = _run(config_path, inputs, store)
        resumed, progress = _run(config_path, inputs, store)
    assert progress.resumed == 20 and len(llm_server.requests) == 20
    assert resumed == fresh
