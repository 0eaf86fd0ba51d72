"""Benchmark of chains and /compare: python bench/chains.py [--runs N] [--steps N]

Against a loopback model server whose answers take 1 s to their first token:
  - a chain of three independent steps must finish within 1.2 s of wall time;
  - /compare of three such models likewise (drawn live into a terminal-like console).
With the offline echo model (no network, no delay):
  - a linear chain's time per step, beyond calling the model directly, must stay under 5 ms;
  - the same with the live step view listening.
Runs are timed in a warm process (imports and the HTTP client made by a first, untimed run):
what is measured is the executor, not Python start-up. Prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.chains import plan_chain, run_chain
from app.providers.base import Message, collect
from app.ui.chain_view import StepLines, compare_live
from app.ui.style import make_console
from tests.support.chain_world import load_config, make_runtime, write_config
from tests.support.llm_server import LLMServer, WireAnswer, lorem

TTFT_S = 1.0
WALL_TARGET_S = 1.2
OVERHEAD_TARGET_MS = 5.0

_PARALLEL = """
chains:
  parallel:
    steps:
      - {id: a, model: loop, needs: [], prompt: "{{ input }} (a)"}
      - {id: b, model: loop2, needs: [], prompt: "{{ input }} (b)"}
      - {id: c, model: loop3, needs: [], prompt: "{{ input }} (c)"}
"""


def _linear(steps: int) -> str:
    lines = ["chains:", "  linear:", "    steps:", '      - {id: s0, prompt: "{{ input }}"}']
    lines += [f'      - {{id: s{i}, prompt: "{{{{ steps.s{i - 1} }}}}"}}' for i in range(1, steps)]
    return "\n".join(lines) + "\n"


async def _parallel_chain(runtime, plan, runs: int) -> list[float]:
    await run_chain(runtime, plan, "warm-up")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await run_chain(runtime, plan, "hello")
        times.append(time.perf_counter() - started)
    return times


async def _compare(runtime, runs: int) -> list[float]:
    models = [runtime.model(name) for name in ("loop", "loop2", "loop3")]
    messages = [Message("user", "hello")]
    times = []
    for i in range(runs + 1):
        console = make_console(file=io.StringIO(), force_terminal=True, width=140)
        started = time.perf_counter()
        await compare_live(console, runtime, models, messages)
        if i:  # the first run is the warm-up
            times.append(time.perf_counter() - started)
    return times


async def _overhead(runtime, plan, steps: int, runs: int) -> tuple[float, float, float]:
    """(direct ms per call, chain ms per step, chain with the live view ms per step), medians."""
    model = runtime.model("echo")
    prompt = lorem(40)
    await run_chain(runtime, plan, prompt)
    direct, bare, viewed = [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        for _ in range(steps):
            await collect(runtime.stream(model, [Message("user", prompt)]))
        direct.append((time.perf_counter() - started) / steps)
        started = time.perf_counter()
        await run_chain(runtime, plan, prompt)
        bare.append((time.perf_counter() - started) / steps)
        lines = StepLines(plan, "echo")
        started = time.perf_counter()
        await run_chain(runtime, plan, prompt, listener=lines.apply)
        viewed.append((time.perf_counter() - started) / steps)
    return statistics.median(direct) * 1000, statistics.median(bare) * 1000, statistics.median(viewed) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each measure (default 3)")
    parser.add_argument("--steps", type=int, default=200, help="steps of the linear echo chain (default 200)")
    args = parser.parse_args()

    rows: list[tuple[str, str, str, bool]] = []
    with LLMServer() as server, tempfile.TemporaryDirectory() as folder:
        server.default = WireAnswer(lorem(30), ttft_s=TTFT_S)
        config, _ = load_config(write_config(Path(folder), _PARALLEL, loopback=server))
        runtime = make_runtime(config, Path(folder))

        async def loopback() -> tuple[list[float], list[float]]:
            try:
                return await _parallel_chain(runtime, plan_chain(config, "parallel"), args.runs), await _compare(
                    runtime, args.runs
                )
            finally:
                await runtime.aclose()

        chain_times, compare_times = asyncio.run(loopback())
    worst = max(chain_times)
    rows.append(("3 independent steps, 1 s TTFT each: wall", f"{worst:.3f} s (worst of {args.runs})",
                 f"<= {WALL_TARGET_S} s", worst <= WALL_TARGET_S))  # fmt: skip
    worst = max(compare_times)
    rows.append(("/compare of 3 models, 1 s TTFT each: wall", f"{worst:.3f} s (worst of {args.runs})",
                 f"<= {WALL_TARGET_S} s", worst <= WALL_TARGET_S))  # fmt: skip

    with tempfile.TemporaryDirectory() as folder:
        config, _ = load_config(write_config(Path(folder), _linear(args.steps)))
        runtime = make_runtime(config, Path(folder))
        plan = plan_chain(config, "linear")
        started = time.perf_counter()
        for _ in range(5):
            plan_chain(config, "linear")
        plan_ms = (time.perf_counter() - started) / 5 / args.steps * 1000
        direct, bare, viewed = asyncio.run(_overhead(runtime, plan, args.steps, args.runs))
    rows.append((f"echo model called directly ({args.steps} calls)", f"{direct:.3f} ms/call", "", True))
    rows.append(("chain overhead per step, beyond the model call", f"{bare - direct:.3f} ms",
                 f"< {OVERHEAD_TARGET_MS} ms", bare - direct < OVERHEAD_TARGET_MS))  # fmt: skip
    rows.append(("  the same, with the live step view listening", f"{viewed - direct:.3f} ms",
                 f"< {OVERHEAD_TARGET_MS} ms", viewed - direct < OVERHEAD_TARGET_MS))  # fmt: skip
    rows.append(("checking + compiling a chain, per step", f"{plan_ms:.3f} ms", "", True))
    total = bare - direct + plan_ms
    rows.append(("overhead per step, checking and compiling included", f"{total:.3f} ms",
                 f"< {OVERHEAD_TARGET_MS} ms", total < OVERHEAD_TARGET_MS))  # fmt: skip

    width = max(len(r[0]) for r in rows)
    print(f"{'measure':{width}}  {'result':>24}  {'target':>9}  ok")
    for name, value, target, ok in rows:
        print(f"{name:{width}}  {value:>24}  {target:>9}  {'yes' if ok else 'NO'}")
    sys.exit(0 if all(r[3] for r in rows) else 1)


if __name__ == "__main__":
    main()
