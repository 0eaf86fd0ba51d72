"""Templates that never finish are stopped: limits on time, output size and integer size; Ctrl-C at once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from app.chains import StepFailedError, _sandbox, plan_chain, run_chain, templates
from app.chains.templates import TemplateProblem
from tests.support.chain_world import load_config, make_runtime, write_config

LOOPS = "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}"
SILENT_LOOPS = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
POWER = "{% set n = 1 %}{{ (n+9) ** (9**8) }}"
REPEAT = "{{ 'a' * 10**9 }}"


@pytest.fixture(autouse=True)
def quick_limits(monkeypatch):
    """A short time limit keeps these tests fast; the other limits are the shipped ones."""
    monkeypatch.setattr(_sandbox, "DEFAULT_LIMITS", _sandbox.RenderLimits(seconds=0.5))


def render(source: str, **context) -> str:
    return templates.render(templates.compile_template(templates.environment(), source), context)


def refused_quickly(source: str, match: str) -> float:
    """Rendering `source` is refused with `match`; returns the seconds it took."""
    started = time.monotonic()
    with pytest.raises(TemplateProblem, match=match):
        render(source)
    return time.monotonic() - started


@pytest.mark.parametrize(
    ("source", "match"),
    [
        (LOOPS, "template stopped: the template ran past its 0.5 s limit"),
        (SILENT_LOOPS, "ran past its 0.5 s limit"),
        ("{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}{{ f(60) }}", "ran past"),
        (POWER, r"template refused: \*\* would make a number past 4096 bits"),
        ("{{ 7 ** 5000 }}", "past 4096 bits"),
        (REPEAT, "template refused: repeating that would make more than 1,000,000 items"),
        ("{{ [1, 2] * 10**7 }}", "repeating"),
        ("{{ 'a'.ljust(10**9) }}", "ljust was given 1000000000"),
        ("{{ 'a'|center(10**9) }}", "center was given"),
        ("{{ '%0999999999d' % 1 }}", "format width"),
        ("{{ '{:>999999999}'.format(1) }}", "format width"),
        ("{{ 'ab'|indent(10**9, first=true) }}", "indent was given"),
        ("{% set s = 'x' * 900000 %}{{ s }}{{ s }}", "output passed its limit of 1,000,000 characters"),
        ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "RecursionError"),
    ],
)
def test_a_template_past_a_limit_is_stopped(source, match):
    assert refused_quickly(source, match) < 3


def test_templates_within_the_limits_render_as_before():
    source = "{% for i in range(3) %}{{ i * 2 }},{% endfor %} {{ 2 ** 64 }} {{ '%5d' % 3 }} {{ 'ab' * 3 }} {{ input }}"
    assert render(source, input="x") == "0,2,4, 18446744073709551616     3 ababab x"
    assert render("{{ 'a'|center(5) }}|{{ '{:>4}'.format(7) }}|{{ 'x'.ljust(3) }}|") == "  a  |   7|x  |"


async def run(tmp_path: Path, prompt: str, **kwargs):
    chains = f"""
        chains:
          c:
            steps:
              - {{id: first, prompt: "fine: {{{{ input }}}}"}}
              - {{id: looping, prompt: "{prompt}"}}
    """
    config, _ = load_config(write_config(tmp_path, chains))
    runtime = make_runtime(config, tmp_path)
    events = []
    try:
        return await run_chain(runtime, plan_chain(config, "c"), "hi", listener=events.append, **kwargs), events
    finally:
        await runtime.aclose()


@pytest.mark.parametrize("prompt", [LOOPS, POWER, REPEAT])
async def test_a_chain_whose_template_passes_a_limit_fails_naming_the_step(tmp_path, prompt):
    started = time.monotonic()
    with pytest.raises(StepFailedError) as caught:
        await run(tmp_path, prompt.replace('"', '\\"'))
    assert caught.value.step == "looping"
    assert "step 'looping' failed: template" in caught.value.message
    assert caught.value.run.outputs["first"] == "fine: hi"  # the outputs so far are kept
    assert time.monotonic() - started < 5


async def test_cancelling_a_chain_during_a_long_render_returns_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(_sandbox, "DEFAULT_LIMITS", _sandbox.RenderLimits(seconds=60))
    task = asyncio.ensure_future(run(tmp_path, SILENT_LOOPS))
    await asyncio.sleep(0.5)  # the first step is done; the second is rendering
    cancelled = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - cancelled < 0.5


async def test_the_event_loop_runs_on_while_a_template_renders(tmp_path, monkeypatch):
    monkeypatch.setattr(_sandbox, "DEFAULT_LIMITS", _sandbox.RenderLimits(seconds=1.0))
    ticks = 0

    async def tick():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.02)

    ticker = asyncio.ensure_future(tick())
    with pytest.raises(StepFailedError, match="ran past its 1 s limit"):
        await run(tmp_path, SILENT_LOOPS)
    ticker.cancel()
    assert ticks > 10
