"""Benchmark of the MCP client: python bench/mcp.py [--calls N] [--sessions N]

Against the tests' real MCP server (tests/support/mcp_server.py) over stdio:
  - a stdio server's start-up is paid once per session: the first call (which
    starts the server) against the median of the calls after it, in a fresh
    session each time;
  - three parallel calls of a 1-s tool finish in about 1 s (target: under 1.2 s).
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

# The script's own folder is first on sys.path, where this file would hide the `mcp` package: the repo instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from app.config._tools import McpServerConfig
from app.keys import KeyRing
from app.tools import McpServers
from app.vault import Vault
from bench._table import print_verdicts

SERVER = Path(__file__).resolve().parents[1] / "tests" / "support" / "mcp_server.py"
PARALLEL_TARGET_S = 1.2


def _servers(folder: Path) -> McpServers:
    config = McpServerConfig(command=[sys.executable, str(SERVER)])
    keys = KeyRing(Vault(folder / "none.enc"), env={})
    return McpServers({"t": config}, keys, start_timeout_s=120)


async def _timed_call(servers: McpServers, tool: str, arguments: dict) -> float:
    began = time.perf_counter()
    result = await servers.call("t", tool, arguments, timeout_s=60)
    if result.is_error:
        raise SystemExit(f"the {tool} call failed: {result.text}")
    return time.perf_counter() - began


async def _session(folder: Path, calls: int) -> tuple[float, list[float]]:
    async with _servers(folder) as servers:
        first = await _timed_call(servers, "add", {"a": 1, "b": 2})
        later = [await _timed_call(servers, "add", {"a": 1, "b": 2}) for _ in range(calls)]
    return first, later


async def _parallel(folder: Path) -> float:
    async with _servers(folder) as servers:
        await servers.start("t")
        began = time.perf_counter()
        await asyncio.gather(*(_timed_call(servers, "slow", {"s": 1}) for _ in range(3)))
        return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20, help="calls after the first, per session")
    parser.add_argument("--sessions", type=int, default=3, help="fresh sessions (each starts the server)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sessions = [asyncio.run(_session(folder, args.calls)) for _ in range(args.sessions)]
        parallel = asyncio.run(_parallel(folder))
    firsts = [first for first, _ in sessions]
    later = [seconds for _, rest in sessions for seconds in rest]
    first_ms, later_ms = statistics.median(firsts) * 1000, statistics.median(later) * 1000
    rows = [
        ("first call of a session (starts the server)", f"{first_ms:,.0f} ms", "paid once"),
        ("each later call (median)", f"{later_ms:,.1f} ms",
         "ok" if later_ms * 10 < first_ms else "START-UP NOT PAID ONCE"),
        ("3 parallel calls of a 1-s tool", f"{parallel:.2f} s",
         "ok" if parallel < PARALLEL_TARGET_S else f"OVER {PARALLEL_TARGET_S} s"),
    ]  # fmt: skip
    print_verdicts(rows, f"{args.sessions} sessions, {args.calls} later calls each, stdio server, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
