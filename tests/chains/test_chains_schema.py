"""A step with a `schema:`: its output is checked JSON, and later templates read its fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.chains import StepFailedError, build_plan, dry_run, plan_chain, run_chain
from tests.support.chain_world import load_config, make_runtime, write_config
from tests.support.llm_server import LLMServer, ServedRequest, WireAnswer

CHAIN = """\
chains:
  judge:
    steps:
      - id: a
        model: loop
        schema: "verdict, reasons list"
        prompt: "Judge: {{ input }}"
      - id: b
        model: loop
        prompt: "The verdict was {{ steps.a.verdict }} because {{ steps.a.reasons | join(' and ') }}; raw: {{ steps.a }}"
"""


async def _run(tmp_path: Path, server: LLMServer, chains: str = CHAIN):
    config, _ = load_config(write_config(tmp_path, chains, loopback=server))
    runtime = make_runtime(config, tmp_path)
    try:
        return await run_chain(runtime, plan_chain(config, "judge"), "the plan")
    finally:
        await runtime.aclose()


def _answers(request: ServedRequest):
    prompt = request.json()["messages"][-1]["content"]
    text = '{"verdict": "yes", "reasons": ["cheap", "fast"]}' if prompt.startswith("Judge") else "done"
    return WireAnswer(text)(request)


async def test_a_later_step_reads_the_fields_of_a_json_step(tmp_path, llm_server: LLMServer):
    llm_server.default = _answers
    run = await _run(tmp_path, llm_server)
    assert run.output == "done"
    prompt = llm_server.requests[-1].json()["messages"][-1]["content"]
    assert prompt == ('The verdict was yes because cheap and fast; raw: {"verdict": "yes", "reasons": ["cheap", "fast"]}')


async def test_a_step_whose_json_does_not_follow_its_schema_fails_naming_the_field(tmp_path, llm_server: LLMServer):
    llm_server.default = WireAnswer('{"verdict": 3, "reasons": []}')
    with pytest.raises(StepFailedError, match="step 'a' failed: .*verdict: 3 is not of type 'string'") as caught:
        await _run(tmp_path, llm_server)
    assert caught.value.run.results["a"].output == '{"verdict": 3, "reasons": []}'  # the text kept
    assert len(llm_server.requests) == 1  # b never ran


def test_the_check_knows_a_step_with_a_schema(tmp_path, llm_server: LLMServer):
    bad = CHAIN.replace("verdict, reasons list", "verdict, n integer")
    config, _ = load_config(write_config(tmp_path, bad, loopback=llm_server))
    plan, problems = build_plan(config, "judge")
    assert plan is None
    assert [p.message for p in problems] == ["schema: unknown schema type 'integer'"]
    config, _ = load_config(write_config(tmp_path, CHAIN, loopback=llm_server))
    plan, _ = build_plan(config, "judge")
    assert plan is not None and plan.step("a").schema["required"] == ["verdict", "reasons"]
    assert plan.step("b").schema is None


def test_the_check_names_a_field_the_schema_does_not_have(tmp_path, llm_server: LLMServer):
    typo = CHAIN.replace("{{ steps.a.verdict }}", "{{ steps.a.verdcit }}")
    config, _ = load_config(write_config(tmp_path, typo, loopback=llm_server))
    plan, problems = build_plan(config, "judge")
    assert plan is None
    assert [p.message for p in problems] == [
        "prompt reads steps.a.verdcit, but the schema of 'a' has no field 'verdcit' (did you mean 'verdict'?)"
        " (its fields: verdict, reasons)"
    ]
    methods = CHAIN.replace("{{ steps.a }}", "{{ steps.a.text }} {{ steps.a.keys() | list | length }}")
    config, _ = load_config(write_config(tmp_path, methods, loopback=llm_server))
    assert build_plan(config, "judge")[1] == []


def test_a_dry_run_shows_a_json_steps_fields_as_placeholders(tmp_path, llm_server: LLMServer):
    config, _ = load_config(write_config(tmp_path, CHAIN, loopback=llm_server))
    steps = dry_run(plan_chain(config, "judge"), "x", {}, "echo")
    assert steps[1].prompt == "The verdict was ⟨a.verdict⟩ because ⟨a.reasons⟩; raw: ⟨a⟩"
