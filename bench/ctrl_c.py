"""Time from Ctrl-C during a streaming answer to a prompt that accepts keys again.

The REPL's promise: "Ctrl-C to a usable prompt in under 100 ms". Each
scenario runs the real `orch` in a pseudo-terminal; once the answer is
visibly streaming (and has streamed for a while, so the live tail has grown),
the benchmark sends Ctrl-C and at once types a marker. The clock stops when
the marker is echoed by the prompt: the line `MODEL> MARKER` on the screen
(read back through pyte) means the prompt is back AND reads keys. The
interrupted answer must also be marked `[interrupted]` above it; when that
mark arrives is shown too (the answer's view closed; the rest is the prompt
starting and reading the typed keys).

The screen answers cursor position requests (CPR) as a real terminal does:
without an answer prompt-toolkit waits a second after each Enter, in raw
mode, and a Ctrl-C sent meanwhile would be read as a key, not a signal. The
clock includes the benchmark's own reading of the screen: an upper bound.

Scenarios:
    loopback paragraph  the loopback server streams one 2000-token paragraph,
                        10 ms a token (the whole answer is one live tail block)
    loopback markdown   2000 tokens of paragraphs, lists and code, 10 ms a token
    loopback code block one fenced Python block of 8000 tokens, 5 ms a token, interrupted after
                        30 s of it (`--code-runs` times: each takes over half a minute)
    echo-slow           the offline `echo-slow` model repeating a 300-word message

Each scenario: RUNS interruptions, several per process (a fresh answer each
time), after one warm-up process; the answer streams 0.3 to 10 s before the
Ctrl-C. Prints median, p90 and max in ms.

    python bench/ctrl_c.py [--runs 15] [--per-process 5] [--code-runs 3] [--load N]

`--load N` keeps N busy-looping processes running meanwhile (a loaded machine).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pexpect
import pyte

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.render import code_block, synthetic_answer  # noqa: E402
from tests.support.llm_server import LLMServer, WireAnswer, lorem  # noqa: E402

TARGET_MS = 100.0
COLUMNS, ROWS = 120, 40
# How long the answer streams before Ctrl-C: from a short tail to a long one.
STREAM_FOR_S = (0.3, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Scenario:
    label: str
    model: str  # the prompt shows `model> `
    question: str  # what is typed to start an answer
    seen: str  # a line of the screen starts with it once the answer streams
    stream_for: tuple[float, ...] = STREAM_FOR_S  # how long the answer streams before each Ctrl-C
    runs: int | None = None  # interruptions; None: --runs


class _AnsweringScreen(pyte.Screen):
    """A screen that answers the program's queries (cursor position) as a real terminal does."""

    def __init__(self, child: pexpect.spawn) -> None:
        super().__init__(COLUMNS, ROWS)
        self._child = child

    def write_process_input(self, data: str) -> None:
        self._child.send(data)


class Screen:
    """The child's output as a person sees it."""

    def __init__(self, child: pexpect.spawn) -> None:
        self.child = child
        self.screen = _AnsweringScreen(child)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = b""

    def pump(self, timeout: float) -> bool:
        """Feed what arrives within `timeout`; False if nothing did."""
        try:
            data = self.child.read_nonblocking(1 << 20, timeout=timeout)
        except pexpect.TIMEOUT:
            return False
        self.raw += data
        self.stream.feed(data)
        return True

    def wait(self, found: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not found():
            if time.monotonic() > deadline:
                raise RuntimeError(f"no {what} within {timeout} s:\n" + "\n".join(self.screen.display))
            self.pump(0.05)

    def has(self, text: str) -> bool:
        return any(text in line for line in self.screen.display)

    def line_starts(self, text: str) -> bool:
        return any(line.startswith(text) for line in self.screen.display)


def interrupt_once(screen: Screen, scenario: Scenario, stream_for: float, marker: str) -> tuple[float, float]:
    """Ask, let the answer stream for `stream_for` s, Ctrl-C, type `marker`.

    Returns ms until the answer is marked interrupted, and until the marker is echoed by the prompt.
    """
    child = screen.child
    child.send("\x0c")  # Ctrl-L: a clear screen, so that what is seen next is the new answer
    screen.wait(lambda: not screen.line_starts(scenario.seen) and screen.line_starts(f"{scenario.model}>"), 10,
                "clear screen")
    child.send(scenario.question + "\r")
    screen.wait(lambda: screen.line_starts(scenario.seen), 30, "streaming answer")
    end = time.monotonic() + stream_for
    while time.monotonic() < end:  # keep the screen current while it streams
        screen.pump(min(0.05, max(0.0, end - time.monotonic())))
    while screen.pump(0):  # drain, so that what follows comes after the Ctrl-C
        pass
    screen.raw = b""
    pressed = time.perf_counter()
    child.send("\x03" + marker)
    wanted = f"{scenario.model}> {marker}"
    marker_bytes = marker.encode()
    deadline = time.monotonic() + 30
    closed = stopped = None
    while stopped is None:
        if time.monotonic() > deadline:
            raise RuntimeError("the prompt did not come back:\n" + "\n".join(screen.screen.display))
        if not screen.pump(0.02):
            continue
        if closed is None and b"[interrupted]" in screen.raw:
            closed = time.perf_counter()
        if marker_bytes in screen.raw and screen.line_starts(wanted):
            stopped = time.perf_counter()
    if not screen.has("[interrupted]"):
        raise RuntimeError("the answer was not marked [interrupted]:\n" + "\n".join(screen.screen.display))
    child.send("\x15")  # Ctrl-U: clear the marker from the prompt
    screen.wait(lambda: not screen.line_starts(wanted), 10, "cleared prompt")
    assert closed is not None
    return (closed - pressed) * 1000, (stopped - pressed) * 1000


def run_process(argv: list[str], env: dict[str, str], scenario: Scenario, delays: list[float]) -> list[tuple[float, float]]:
    child = pexpect.spawn(argv[0], argv[1:], env=env, dimensions=(ROWS, COLUMNS), cwd=str(REPO))  # this tree's app
    child.delaybeforesend = None  # pexpect waits 50 ms before each send by default
    screen = Screen(child)
    try:
        screen.wait(lambda: screen.line_starts(f"{scenario.model}>"), 30, "prompt")
        return [interrupt_once(screen, scenario, delay, f"mark{i}xq") for i, delay in enumerate(delays)]
    finally:
        child.sendcontrol("d")
        child.close(force=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def write_config(folder: Path, server: LLMServer) -> Path:
    config = folder / "config.yaml"
    config.write_text(
        "default_model: echo\n"
        "network: {max_retries: 0, timeout_s: 120}\n"
        "providers:\n"
        f"  loop: {{kind: openai, base_url: '{server.base_url('openai')}'}}\n"
        "  echo: {kind: echo}\n"
        "  echo-slow: {kind: echo, delay_s: 0.05}\n"
    )
    (folder / "models.yaml").write_text(
        "models:\n"
        "  - {name: loop, provider: loop, id: loop-1}\n"
        "  - {name: echo, provider: echo, id: echo}\n"
        "  - {name: echo-slow, provider: echo-slow, id: echo}\n"
    )
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="interruptions per scenario")
    parser.add_argument("--per-process", type=int, default=5, help="interruptions per orch process")
    parser.add_argument("--code-runs", type=int, default=3, help="interruptions after 30 s of a code block")
    parser.add_argument("--load", type=int, default=0, metavar="N", help="N busy-looping processes meanwhile")
    options = parser.parse_args()
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(options.load)]
    try:
        measure(options)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def measure(options: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="orch-bench-ctrl-c-"))
    home = folder / "home"
    env = {**os.environ, "ORCH_HOME": str(home), "TERM": "xterm-256color", "PYTHONUNBUFFERED": "1"}
    for name in ("ORCH_CONFIG", "NO_COLOR", "ORCH_DEBUG", "COLUMNS", "LINES"):
        env.pop(name, None)
    paragraph = lorem(2000)
    markdown = synthetic_answer(2000)
    words = " ".join(f"w{i}" for i in range(300))
    scenarios = [
        (Scenario("loopback, one 2000-token paragraph", "loop", "tell me a long story", "lorem ipsum dolor"),
         WireAnswer(paragraph, token_delay_s=0.01)),
        (Scenario("loopback, 2000 tokens of markdown", "loop", "tell me about streams", "Returns as stream"),
         WireAnswer(markdown, token_delay_s=0.01)),
        (Scenario("echo-slow, 300 words at 50 ms", "echo-slow", words, "w0 w1 w2 "), None),
        (Scenario("loopback, code block, 30 s in", "loop", "write me a long program", " def step_0(value):",
                  stream_for=(30.0,), runs=options.code_runs),
         WireAnswer(code_block(8000), token_delay_s=0.005)),
    ]
    results: list[tuple[str, list[tuple[float, float]]]] = []
    with LLMServer() as server:
        config = write_config(folder, server)
        for scenario, answer in scenarios:
            server.default = answer
            argv = [sys.executable, "-m", "app", "--config", str(config), "-m", scenario.model]
            run_process(argv, env, scenario, [0.3])  # warm-up: page cache, .pyc files
            times: list[tuple[float, float]] = []
            runs = scenario.runs or options.runs
            while len(times) < runs:
                count = min(options.per_process, runs - len(times))
                delays = [scenario.stream_for[(len(times) + i) % len(scenario.stream_for)] for i in range(count)]
                times += run_process(argv, env, scenario, delays)
            results.append((scenario.label, times))
            print(f"{scenario.label}: " + " ".join(f"{usable:.0f}" for _, usable in times), flush=True)

    title = "scenario" + (f" (load {options.load})" if options.load else "")
    print(f"\n{'':<40}{'marked':>10}{'usable prompt: Ctrl-C to keys echoed':>40}")
    print(f"{title:<40}{'median ms':>10}{'runs':>6}{'median ms':>11}{'p90 ms':>9}{'max ms':>9}"
          f"  target < {TARGET_MS:.0f} ms")
    for label, pairs in results:
        usable = [u for _, u in pairs]
        p90 = percentile(usable, 0.9)
        verdict = "met" if max(usable) < TARGET_MS else ("met at p90" if p90 < TARGET_MS else "NOT met")
        print(f"{label:<40}{statistics.median(c for c, _ in pairs):>10.0f}{len(usable):>6}"
              f"{statistics.median(usable):>11.0f}{p90:>9.0f}{max(usable):>9.0f}  {verdict}")


if __name__ == "__main__":
    main()
