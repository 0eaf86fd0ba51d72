"""What streaming costs: orch one-shot vs a bare httpx loop vs the `llm` CLI.

A loopback server (tests/support/llm_server.py) streams the same 2000-token
answer at zero delay, in OpenAI Chat Completions format, to three clients,
each run as a child process writing the answer to a pipe:

    orch        `orch -m bench hi`, with a temp config.yaml and ORCH_HOME
    httpx loop  a minimal client: httpx streaming, one json.loads per event
    llm         simonw's `llm -m bench hi` (installed in its own venv under
                /tmp, never in the project's) through extra-openai-models.yaml

For each: wall time, CPU time (user+sys of the child, from os.wait4) and
peak RSS, median of N runs after one warm-up. A client whose output is not
the full answer is marked. Usage:

    python bench/stream_overhead.py [--runs 7] [--tokens 2000] [--llm PATH | --no-install]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.llm_server import LLMServer, WireAnswer, lorem  # noqa: E402

TARGET_RATIO = 1.3  # orch's CPU for the answer, against the bare loop's
LLM_VENV = Path(tempfile.gettempdir()) / "orch-bench-llm"

BARE_LOOP = r"""
import json, sys, httpx
url = sys.argv[1]
body = {"model": "bench-model", "stream": True, "stream_options": {"include_usage": True},
        "messages": [{"role": "user", "content": "hi"}]}
out = sys.stdout
with httpx.stream("POST", url, json=body, timeout=60) as response:
    for line in response.iter_lines():
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        for choice in json.loads(line[6:]).get("choices") or ():
            text = choice["delta"].get("content")
            if text:
                out.write(text)
                out.flush()
out.write("\n")
"""


@dataclass(frozen=True)
class Run:
    wall_s: float
    cpu_s: float
    rss_mb: float
    ok: bool
    note: str = ""


def measure(command: list[str], env: dict[str, str], expected: str) -> Run:
    """Run `command`, its stdout a pipe, and measure it with os.wait4."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    captured: dict[str, bytes] = {}
    readers = [
        threading.Thread(target=lambda name=name, pipe=pipe: captured.__setitem__(name, pipe.read()))
        for name, pipe in (("out", child.stdout), ("err", child.stderr))
    ]
    for reader in readers:
        reader.start()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    for reader in readers:
        reader.join()
    output = captured.get("out", b"").decode("utf-8", "replace")
    ok = child.returncode == 0 and output.strip() == expected.strip()
    note = "" if ok else (captured.get("err", b"").decode("utf-8", "replace").strip().splitlines() or ["?"])[-1]
    rss_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return Run(wall, usage.ru_utime + usage.ru_stime, rss_mb, ok, note)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORCH_", "LLM_")) and not k.endswith("_API_KEY")}
    # Bytecode is written and reused, as for any installed package (pip compiles at install):
    # PYTHONDONTWRITEBYTECODE set to anything, even "0", would recompile orch's source on every run.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(NO_COLOR="1", **extra)
    return env


def orch_command(server: LLMServer, workdir: Path) -> tuple[list[str], dict[str, str]]:
    config = workdir / "config.yaml"
    config.write_text(
        "default_model: bench\n"
        "network: {timeout_s: 60, connect_timeout_s: 5, max_retries: 0}\n"
        f"providers:\n  loop: {{kind: openai, base_url: {server.base_url('openai')}}}\n",
        encoding="utf-8",
    )
    (workdir / "models.yaml").write_text(
        "models:\n  - {name: bench, provider: loop, id: bench-model}\n", encoding="utf-8"
    )
    home = workdir / "orch-home"
    home.mkdir(exist_ok=True)
    script = Path(sys.executable).with_name("orch")
    base = [str(script)] if script.is_file() else [sys.executable, "-m", "app"]
    return [*base, "-m", "bench", "hi"], clean_env(ORCH_CONFIG=str(config), ORCH_HOME=str(home))


def llm_command(server: LLMServer, workdir: Path, llm: Path) -> tuple[list[str], dict[str, str]]:
    user_dir = workdir / "llm-user"
    user_dir.mkdir(exist_ok=True)
    (user_dir / "extra-openai-models.yaml").write_text(
        f"- model_id: bench\n  model_name: bench-model\n  api_base: {server.base_url('openai')}\n", encoding="utf-8"
    )
    return [str(llm), "-m", "bench", "hi"], clean_env(LLM_USER_PATH=str(user_dir))


def find_llm(explicit: str | None, install: bool) -> Path | None:
    """The `llm` executable: --llm, else the bench venv under /tmp (created if allowed)."""
    if explicit:
        return Path(explicit)
    binary = LLM_VENV / "bin" / "llm"
    if binary.is_file():
        return binary
    if not install or shutil.which("python3") is None:
        return None
    print(f"installing llm into {LLM_VENV} (once) ...", file=sys.stderr)
    try:
        subprocess.run(["python3", "-m", "venv", str(LLM_VENV)], check=True, capture_output=True, timeout=120)
        pip = [str(LLM_VENV / "bin" / "pip"), "install", "-q", "llm"]
        subprocess.run(pip, check=True, capture_output=True, timeout=600)
    except (subprocess.SubprocessError, OSError):
        return None
    return binary if binary.is_file() else None


Client = tuple[str, list[str], dict[str, str]]


def bench(clients: list[Client], expected: str, runs: int) -> list[list[str]]:
    """One row per client. The runs are interleaved, a round of one run of each client at a time,
    so that whatever else the machine is doing weighs on every client alike."""
    for _, command, env in clients:
        measure(command, env, expected)  # warm-up: imports compiled, caches hot, orch's config snapshot kept
    results: list[list[Run]] = [[] for _ in clients]
    for _ in range(runs):
        for (_, command, env), own in zip(clients, results, strict=True):
            own.append(measure(command, env, expected))
    rows = []
    for (name, _, _), own in zip(clients, results, strict=True):
        failed = [r for r in own if not r.ok]
        if failed:
            rows.append([name, "failed", "", "", failed[0].note[:60]])
            continue
        rows.append([
            name,
            f"{statistics.median(r.wall_s for r in own) * 1000:.0f}",
            f"{statistics.median(r.cpu_s for r in own) * 1000:.0f}",
            f"{statistics.median(r.rss_mb for r in own):.1f}",
            "",
        ])
    return rows


def print_table(rows: list[list[str]], tokens: int, runs: int) -> None:
    header = ["client", "wall ms", "CPU ms", "peak RSS MB", "note"]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print(f"{tokens}-token answer from a loopback server, zero delay; median of {runs} runs, stdout is a pipe")
    for row in [header, ["-" * w for w in widths], *rows]:
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [str(c).ljust(w) if i in (0, 4) else str(c).rjust(w) for i, (c, w) in pairs]
        print("  ".join(cells).rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--llm", help="path to an `llm` executable to compare with")
    parser.add_argument("--no-install", action="store_true", help=f"do not create {LLM_VENV} when missing")
    args = parser.parse_args()

    answer = lorem(args.tokens)
    with LLMServer() as server, tempfile.TemporaryDirectory(prefix="orch-bench-") as tmp:
        server.default = WireAnswer(answer)
        workdir = Path(tmp)
        bare_url = server.base_url("openai") + "/chat/completions"
        clients: list[Client] = [
            ("orch -m bench hi", *orch_command(server, workdir)),
            ("bare httpx loop", [sys.executable, "-c", BARE_LOOP, bare_url], clean_env()),
        ]
        llm = find_llm(args.llm, install=not args.no_install)
        if llm is not None:
            clients.append(("llm -m bench hi", *llm_command(server, workdir, llm)))
        rows = bench(clients, answer, args.runs)
        if llm is None:
            rows.append(["llm -m bench hi", "n/a", "n/a", "n/a", "llm not installed"])
    print_table(rows, args.tokens, args.runs)
    cpu = {row[0]: row[2] for row in rows}
    orch, bare = cpu.get("orch -m bench hi", ""), cpu.get("bare httpx loop", "")
    if orch.isdigit() and bare.isdigit():
        ratio = int(orch) / int(bare)
        verdict = "meets" if ratio <= TARGET_RATIO else "misses"
        print(f"orch's CPU is {ratio:.2f}x the bare loop's: {verdict} the target of {TARGET_RATIO}x")


if __name__ == "__main__":
    main()
