"""Benchmark of the tool loop: python bench/tools.py [--rounds N]

The loopback model server answers at once over openai's wire format; the tool
is the tests' MCP server (tests/support/mcp_server.py) over stdio.
  - overhead of one tool round beyond the model and the tool: an answer that
    calls `add` once (two requests and a call), less two bare answers without
    tools and a bare `McpServers.call` (target: under 5 ms);
  - three parallel `slow(1)` calls in one answer: the answer's time (about 1 s);
  - the first answer with tools (which starts the server) against the later ones.
Prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

# The script's own folder is first on sys.path: the repo instead, for `app` and `tests.support`.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from app.config._tools import ToolsConfig
from app.keys import KeyRing
from app.runtime import Runtime
from app.tools import McpServers, ToolSession
from app.types import Message
from app.vault import Vault
from bench._table import print_verdicts
from tests.support.chain_world import load_config
from tests.support.llm_server import LLMServer, stream_reply
from tests.support.tool_wire import tool_reply
from tests.support.tool_world import PROVIDER_KEYS, tools_config

OVERHEAD_TARGET_MS = 5.0
PARALLEL_TARGET_S = 1.2
QUESTION = [Message("user", "what is 2 + 3?")]


async def _answer(runtime: Runtime, session: ToolSession | None) -> float:
    began = time.perf_counter()
    async with runtime.answer(runtime.model("openai"), QUESTION, tools=session) as turn:
        async for _ in turn:
            pass
    if turn.record.status != "complete":
        raise SystemExit(f"the answer did not complete: {turn.record.error}")
    return time.perf_counter() - began


async def _measure(folder: Path, server: LLMServer, rounds: int) -> dict[str, float | list[float]]:
    config, _ = load_config(tools_config(folder, server))
    runtime = Runtime(config, KeyRing(Vault(folder / "vault.enc"), env=PROVIDER_KEYS))
    servers = McpServers(config.mcp_servers, runtime.keys, start_timeout_s=120)
    session = ToolSession(servers, ToolsConfig(enabled=["t"], auto_approve=["t"]))
    add = [("c1", "t__add", {"a": 2, "b": 3})]
    try:
        first_and_later = []
        for _ in range(rounds + 1):
            server.script(tool_reply("openai", add), stream_reply("openai", "It is 5."))
            first_and_later.append(await _answer(runtime, session))
        bare = []
        for _ in range(rounds):
            server.script(stream_reply("openai", "It is 5."))
            bare.append(await _answer(runtime, None))
        calls = []
        for _ in range(rounds):
            began = time.perf_counter()
            await servers.call("t", "add", {"a": 2, "b": 3}, timeout_s=60)
            calls.append(time.perf_counter() - began)
        slow = [(f"s{i}", "t__slow", {"s": 1}) for i in range(3)]
        server.script(tool_reply("openai", slow), stream_reply("openai", "Slept."))
        parallel = await _answer(runtime, session)
    finally:
        await session.aclose()
        await runtime.aclose()
    return {"first": first_and_later[0], "with_tool": first_and_later[1:], "bare": bare, "call": calls,
            "parallel": parallel}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="answers measured of each kind")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, LLMServer() as server:
        m = asyncio.run(_measure(Path(tmp), server, args.rounds))
    with_tool, bare, call = (statistics.median(m[k]) * 1000 for k in ("with_tool", "bare", "call"))
    overhead = with_tool - 2 * bare - call
    rows = [
        ("answer with one `add` round (median)", f"{with_tool:,.1f} ms", ""),
        ("bare answer, no tools (median)", f"{bare:,.1f} ms", ""),
        ("bare McpServers.call add (median)", f"{call:,.1f} ms", ""),
        ("overhead of the tool round", f"{overhead:,.1f} ms",
         "ok" if overhead < OVERHEAD_TARGET_MS else f"OVER {OVERHEAD_TARGET_MS} ms"),
        ("3 parallel slow(1) calls, whole answer", f"{m['parallel']:.2f} s",
         "ok" if m["parallel"] < PARALLEL_TARGET_S else f"OVER {PARALLEL_TARGET_S} s"),
        ("first answer with tools (starts the server)", f"{m['first'] * 1000:,.0f} ms", "paid once"),
        ("later answers with tools (median)", f"{with_tool:,.1f} ms",
         "ok" if with_tool * 10 < m["first"] * 1000 else "START-UP NOT PAID ONCE"),
    ]  # fmt: skip
    print_verdicts(rows, f"{args.rounds} answers of each kind, openai wire, stdio server, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
