"""The executor: linear, parallel and conditional runs, failures and cancellation.

Offline runs use the echo model (which streams its prompt back); runs that
need timing, failures or a look at the requests use the loopback server.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from app.chains import (
    ChainEvent,
    StepCancelled,
    StepDone,
    StepFailed,
    StepFailedError,
    StepSkipped,
    StepStarted,
    StepText,
    plan_chain,
    run_chain,
)
from app.runtime import Runtime
from tests.support.chain_world import load_config, make_runtime, write_config
from tests.support.llm_server import LLMServer, Reply, ServedRequest, WireAnswer


async def run(tmp_path: Path, chains_yaml: str, name: str = "c", input: str = "hello", *, server=None,
              watch: Callable[[ChainEvent], None] | None = None, **kwargs):  # fmt: skip
    """Run chain `name` of `chains_yaml`; returns (run, events). `watch` sees each event as it comes."""
    config, _ = load_config(write_config(tmp_path, chains_yaml, loopback=server))
    runtime = make_runtime(config, tmp_path)
    events: list[ChainEvent] = []

    def listener(event: ChainEvent) -> None:
        events.append(event)
        if watch is not None:
            watch(event)

    try:
        result = await run_chain(runtime, plan_chain(config, name), input, listener=listener, **kwargs)
    finally:
        await runtime.aclose()
    return result, events


def ended(events: list[ChainEvent]) -> list[tuple[str, str]]:
    return [(e.step, type(e).__name__) for e in events if not isinstance(e, (StepStarted, StepText))]


async def test_a_linear_chain_feeds_each_step_the_one_before(tmp_path: Path) -> None:
    result, events = await run(tmp_path, """
        chains:
          c:
            steps:
              - {id: draft, prompt: "draft of {{ input }}"}
              - {id: critique, model: priced, prompt: "critique of {{ steps.draft }}"}
              - {id: rewrite, prompt: "rewrite {{ steps.draft }} per {{ steps.critique }}"}
        """)  # fmt: skip
    assert result.outputs == {
        "draft": "draft of hello",
        "critique": "critique of draft of hello",
        "rewrite": "rewrite draft of hello per critique of draft of hello",
    }
    assert result.output == result.outputs["rewrite"]
    assert ended(events) == [("draft", "StepDone"), ("critique", "StepDone"), ("rewrite", "StepDone")]
    assert "".join(e.text for e in events if isinstance(e, StepText) and e.step == "draft") == "draft of hello"
    critique = result.results["critique"]
    assert (critique.record.input_tokens, critique.record.output_tokens) == (5, 5)
    assert critique.record.cost == pytest.approx((5 * 1.0 + 5 * 2.0) / 1e6)
    assert result.cost is None  # the echo steps have no price


async def test_independent_steps_run_concurrently(tmp_path: Path) -> None:
    # `slow` waits 0.05 s a word: each of these steps takes ~0.2 s.
    result, events = await run(tmp_path, """
        chains:
          c:
            steps:
              - {id: a, model: slow, needs: [], prompt: "one two three four"}
              - {id: b, model: slow, needs: [], prompt: "one two three four"}
              - {id: c, model: slow, needs: [], prompt: "one two three four"}
              - {id: join, needs: [a, b, c], prompt: "{{ steps.a }}|{{ steps.b }}|{{ steps.c }}"}
        """)  # fmt: skip
    starts = [e.step for e in events if isinstance(e, StepStarted)]
    assert starts[:3] == ["a", "b", "c"] and starts[3] == "join"
    # All three ran at once: each started before any of them ended (one after the other, a ends before b starts).
    independent = {"a", "b", "c"}
    last_start = max(i for i, e in enumerate(events) if isinstance(e, StepStarted) and e.step in independent)
    first_end = min(i for i, e in enumerate(events) if isinstance(e, StepDone) and e.step in independent)
    assert last_start < first_end
    assert result.output == "|".join(["one two three four"] * 3)


async def test_a_step_starts_as_soon_as_its_own_needs_are_met(tmp_path: Path) -> None:
    _, events = await run(tmp_path, """
        chains:
          c:
            steps:
              - {id: quick, needs: [], prompt: "q"}
              - {id: after_quick, needs: [quick], prompt: "aq"}
              - {id: long, model: slow, needs: [], prompt: "w w w w w w"}
        """)  # fmt: skip
    order = [(type(e).__name__, e.step) for e in events if isinstance(e, (StepStarted, StepDone))]
    assert order.index(("StepDone", "after_quick")) < order.index(("StepDone", "long"))


@pytest.mark.parametrize(
    ("when", "runs"),
    [
        ("{step: classify, contains: CODE}", True),
        ("{step: classify, not_contains: CODE}", False),
        ("{step: classify, equals: 'label: CODE'}", True),
        ("{step: classify, matches: '(?i)general'}", False),
    ],
)
async def test_when_conditions_skip_steps(tmp_path: Path, when: str, runs: bool) -> None:
    result, events = await run(tmp_path, f"""
        chains:
          c:
            steps:
              - {{id: classify, prompt: "label: CODE"}}
              - {{id: branch, needs: [classify], when: {when}, prompt: "branch ran"}}
              - {{id: after, needs: [branch], prompt: "after [{{{{ steps.branch }}}}]"}}
        """, input="x")  # fmt: skip
    branch = result.results["branch"]
    assert (branch.record is not None, branch.skipped_because is None) == (runs, runs)
    assert branch.record is None or branch.record.status == "complete"
    # A skipped step's output is empty, and the steps that need it still run.
    assert result.output == ("after [branch ran]" if runs else "after []")
    if not runs:
        skipped = next(e for e in events if isinstance(e, StepSkipped))
        assert skipped.result.skipped_because.startswith("classify")


async def test_a_router_outputs_the_branch_that_ran(tmp_path: Path) -> None:
    chains_yaml = """
        chains:
          c:
            steps:
              - {id: classify, prompt: "{{ input }}"}
              - {id: code, needs: [classify], when: {step: classify, matches: "(?i)code"}, prompt: "coder: {{ input }}"}
              - {id: other, needs: [classify], when: {step: classify, not_contains: "code"}, prompt: "other: {{ input }}"}
            output: [code, other]
        """
    result, _ = await run(tmp_path, chains_yaml, input="some code")
    assert result.output == "coder: some code"
    result, _ = await run(tmp_path, chains_yaml, input="a poem")
    assert result.output == "other: a poem"


async def test_variables_and_input_are_data_never_templates(tmp_path: Path) -> None:
    result, _ = await run(tmp_path, """
        chains:
          c:
            variables: {tone: formal, who: null}
            steps:
              - {id: a, prompt: "{{ tone }} to {{ who }}: {{ input }}"}
              - {id: b, prompt: "{{ steps.a }}"}
        """, input="{{ 7 * 7 }}", variables={"who": "{{ tone }}"})  # fmt: skip
    assert result.output == "formal to {{ tone }}: {{ 7 * 7 }}"


async def test_the_sandbox_refuses_at_run_time_and_the_step_fails(tmp_path: Path) -> None:
    with pytest.raises(StepFailedError) as caught:
        await run(tmp_path, """
            chains:
              c:
                variables: {attr: name}
                steps:
                  - {id: peek, prompt: "{{ input[attr] }}"}
            """, variables={"attr": "__class__"})  # fmt: skip
    assert caught.value.step == "peek"
    assert "step 'peek' failed: template refused" in caught.value.message


async def test_per_step_model_system_and_options_reach_the_model(tmp_path: Path, llm_server: LLMServer) -> None:
    llm_server.default = WireAnswer("ok")
    result, _ = await run(tmp_path, """
        chains:
          c:
            steps:
              - id: a
                model: loop
                system: "You judge {{ input }}."
                options: {temperature: 0.2}
                prompt: "judge {{ input }}"
              - {id: b, model: loop2, prompt: "then {{ steps.a }}"}
        """, input="cats", server=llm_server, default_system="Be brief.")  # fmt: skip
    first, second = (r.json() for r in llm_server.requests)
    assert first["model"] == "test-loop" and first["temperature"] == 0.2
    assert first["messages"] == [{"role": "system", "content": "You judge cats."},
                                 {"role": "user", "content": "judge cats"}]  # fmt: skip
    assert second["model"] == "test-loop2" and "temperature" not in second
    assert second["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "then ok"}]
    assert result.results["a"].record.cost == pytest.approx((10 + 1) / 1e6)


async def test_parallel_loopback_steps_overlap(tmp_path: Path, llm_server: LLMServer) -> None:
    # No answer goes out before all three requests are in: one after the other, the first
    # would wait for ever (and the step fail on its read timeout).
    all_in = threading.Event()

    def answer(request: ServedRequest) -> Reply:
        if len(llm_server.requests) >= 3:
            all_in.set()
        return dataclasses.replace(WireAnswer("slow answer")(request), gate=all_in)

    llm_server.default = answer
    result, _ = await run(tmp_path, """
        chains:
          c:
            steps:
              - {id: a, model: loop, needs: [], prompt: "{{ input }}"}
              - {id: b, model: loop2, needs: [], prompt: "{{ input }}"}
              - {id: c, model: loop3, needs: [], prompt: "{{ input }}"}
            output: [a, b, c]
        """, server=llm_server)  # fmt: skip
    assert len(llm_server.requests) == 3
    assert result.output == "slow answer"  # the first non-empty of [a, b, c]
    assert [result.results[s].output for s in "abc"] == ["slow answer"] * 3


async def test_a_failing_step_cancels_the_running_ones_names_itself_and_keeps_outputs(
    tmp_path: Path, llm_server: LLMServer
) -> None:
    # The failure comes once `long` has streamed some text; `long` would take 10 s in all.
    long_has_text = threading.Event()

    def watch(event: ChainEvent) -> None:
        if isinstance(event, StepText) and event.step == "long":
            long_has_text.set()

    body = b'{"error": {"message": "bad prompt"}}'
    llm_server.script(Reply(400, {"content-type": "application/json"}, body, gate=long_has_text))
    with pytest.raises(StepFailedError) as caught:
        await run(tmp_path, """
            chains:
              c:
                steps:
                  - {id: quick, needs: [], prompt: "done at once"}
                  - {id: long, model: slow, needs: [], prompt: "LONG"}
                  - {id: boom, model: loop, needs: [], prompt: "{{ input }}"}
                  - {id: later, needs: [long], prompt: "never"}
            """.replace("LONG", " ".join(["w"] * 200)), server=llm_server, watch=watch)  # fmt: skip
    error = caught.value
    assert error.step == "boom"
    assert error.exit_code == 1
    assert "step 'boom' failed" in error.message and "bad prompt" in error.message
    statuses = {sid: r.record.status for sid, r in error.run.results.items()}
    assert statuses == {"quick": "complete", "boom": "error", "long": "interrupted", "later": "interrupted"}
    assert error.run.outputs["quick"] == "done at once"
    assert error.run.results["long"].output  # the partial text of the cancelled step is kept


async def test_cancelling_the_run_cancels_every_step(tmp_path: Path) -> None:
    config, _ = load_config(write_config(tmp_path, """
        chains:
          c:
            steps:
              - {id: a, model: slow, needs: [], prompt: "w w w w w w w w w w w w w w w w"}
              - {id: b, model: slow, needs: [], prompt: "w w w w w w w w w w w w w w w w"}
              - {id: c, needs: [a, b], prompt: "never"}
        """))  # fmt: skip
    runtime: Runtime = make_runtime(config, tmp_path)
    events: list[ChainEvent] = []
    task = asyncio.create_task(run_chain(runtime, plan_chain(config, "c"), "x", listener=events.append))
    async with asyncio.timeout(30):
        while sum(isinstance(e, StepText) for e in events) < 4:
            await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(e.step for e in events if isinstance(e, StepCancelled)) == ["a", "b", "c"]
    assert not any(isinstance(e, (StepDone, StepFailed)) for e in events)


async def test_an_output_list_takes_the_first_non_empty_output(tmp_path: Path) -> None:
    chains_yaml = """
        chains:
          c:
            steps:
              - {id: draft, needs: [], prompt: "draft {{ input }}"}
              - {id: fix, needs: [draft], when: {step: draft, contains: "broken"}, prompt: "fixed {{ input }}"}
            output: [fix, draft]
        """
    fixed, _ = await run(tmp_path, chains_yaml, input="broken thing")
    assert fixed.output == "fixed broken thing"
    kept, _ = await run(tmp_path, chains_yaml, input="fine thing")
    assert kept.output == "draft fine thing"
