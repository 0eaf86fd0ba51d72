"""Time from launching `orch` to a prompt that accepts keys, against a bare prompt-toolkit prompt.

Each program runs in a pseudo-terminal; the clock stops when its prompt is
on the screen. Also shows which heavy modules were imported before the
prompt appeared (they should come after: rich.markdown, httpx, cryptography).

    python bench/repl_startup.py [RUNS]
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pexpect

ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[=>]")
HEAVY = ("rich.markdown", "httpx", "cryptography", "jinja2")
BARE = "from prompt_toolkit import PromptSession; PromptSession().prompt('bare> ')"


def time_to_prompt(argv: list[str], marker: bytes, env: dict[str, str]) -> tuple[float, bytes]:
    started = time.perf_counter()
    child = pexpect.spawn(argv[0], argv[1:], env=env, dimensions=(40, 120))
    seen = b""
    try:
        while True:
            try:
                seen += child.read_nonblocking(65536, timeout=10)
            except pexpect.TIMEOUT:
                raise RuntimeError(f"no prompt from {argv}: {ANSI.sub(b'', seen)[-400:]!r}") from None
            if marker in ANSI.sub(b"", seen):
                return time.perf_counter() - started, seen
    finally:
        child.sendcontrol("d")
        child.close(force=True)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    home = tempfile.mkdtemp(prefix="orch-bench-")
    env = {**os.environ, "ORCH_HOME": home, "TERM": "xterm-256color"}
    env.pop("ORCH_CONFIG", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # reuse bytecode, as an installed orch does
    orch = [sys.executable, "-m", "app", "-m", "echo"]
    cwd = os.getcwd()
    os.chdir(tempfile.mkdtemp())  # no ./config.yaml: the shipped defaults
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    try:
        for argv, marker in (([sys.executable, "-c", BARE], b"bare>"), (orch, b"echo>")):
            time_to_prompt(argv, marker, env)  # warm the page cache and .pyc files
        bare = [time_to_prompt([sys.executable, "-c", BARE], b"bare>", env)[0] for _ in range(runs)]
        ours = [time_to_prompt(orch, b"echo>", env)[0] for _ in range(runs)]
        # No -m: the model's name is read from the config file's default_model line.
        plain = [time_to_prompt(orch[:3], b"echo>", env)[0] for _ in range(runs)]
        _, trace = time_to_prompt([sys.executable, "-X", "importtime", *orch[1:]], b"echo>", env)
    finally:
        os.chdir(cwd)
    before_prompt = ANSI.sub(b"", trace).split(b"echo>")[0].decode(errors="replace")
    imported = [name for name in HEAVY if re.search(rf"\|\s+{re.escape(name)}$", before_prompt, re.M)]

    b, o = statistics.median(bare), statistics.median(ours)
    print(f"{'program':<40}{'median ms':>10}{'min ms':>10}")
    print(f"{'bare PromptSession().prompt()':<40}{b * 1000:>10.0f}{min(bare) * 1000:>10.0f}")
    p = statistics.median(plain)
    print(f"{'orch -m echo (REPL)':<40}{o * 1000:>10.0f}{min(ours) * 1000:>10.0f}")
    print(f"{'orch (REPL, default model)':<40}{p * 1000:>10.0f}{min(plain) * 1000:>10.0f}")
    print(f"{'ratio orch -m echo / bare':<40}{o / b:>10.2f}{'(target <= 1.3)':>18}")
    print(f"{'ratio orch / bare':<40}{p / b:>10.2f}{'(target <= 1.3)':>18}")
    print(f"heavy modules imported before the prompt: {', '.join(imported) or 'none'}")


if __name__ == "__main__":
    main()
