"""Benchmark of `orch batch`: python bench/batch.py [--inputs N] [--big N] [--resume-rows N]

Runs the real `orch batch` in a subprocess against a loopback model server:
  - N (1,000) inputs at concurrency 32, 0.5 s an answer: wall within 1.2x of N * 0.5 / 32 s;
  - peak RSS under 80 MiB, and not growing with the input count (N vs --big, answered at once);
  - a re-run of a --resume-rows (100,000) line input whose rows are all done but 10: under 2 s;
  - what one row's transaction in history.db costs (the run records every row as it finishes).
Prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.store import DB_NAME, BatchRow, BatchStore
from app.batch import start_run
from tests.support.config_files import write_config
from tests.support.llm_server import LLMServer, Reply, WireAnswer

ANSWER_S = 0.5
CONCURRENCY = 32


def _delayed(delay_s: float, arrivals: list[float] | None = None):
    def respond(request):
        if arrivals is not None:
            arrivals.append(time.monotonic())
        reply = WireAnswer("an answer of a few words")(request)
        return Reply(reply.status, reply.headers, reply.body, reply.chunks, delay_s=delay_s)

    return respond


def _orch(home: Path, config: Path, *args: str) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MiB) and exit code of `orch --config CONFIG ARGS`."""
    env = {**os.environ, "ORCH_HOME": str(home)}
    script = Path(sys.executable).with_name("orch")
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, str(script), "--config", str(config), *args], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    _, status, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def _mean_in_flight(arrivals: list[float]) -> float:
    """Requests the server held at once, sampled every 50 ms (each is held ANSWER_S from its arrival)."""
    import bisect

    times = sorted(arrivals)
    samples = []
    at = times[0] + ANSWER_S
    while at < times[-1]:
        samples.append(bisect.bisect_right(times, at) - bisect.bisect_right(times, at - ANSWER_S))
        at += 0.05
    return sum(samples) / max(1, len(samples))


def _inputs(path: Path, count: int) -> Path:
    with path.open("w") as out:
        for i in range(count):
            out.write(json.dumps({"id": f"r{i}", "input": f"question {i}"}) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inputs", type=int, default=1000)
    parser.add_argument("--big", type=int, default=5000)
    parser.add_argument("--resume-rows", type=int, default=100_000)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp, LLMServer() as server:
        root = Path(tmp)
        config = write_config(root / "conf", {"default_model": "fast", "providers": {"local": server.provider_config("openai")}},
                              [{"name": "fast", "provider": "local", "id": "fast-1"}])  # fmt: skip
        arrivals: list[float] = []
        server.default = _delayed(ANSWER_S, arrivals)
        target = args.inputs * ANSWER_S / CONCURRENCY
        wall, rss, rc = _orch(root / "h1", config, "batch", "fast", str(_inputs(root / "a.jsonl", args.inputs)),
                              "-o", str(root / "a.out"), "--concurrency", str(CONCURRENCY))  # fmt: skip
        rows.append((f"{args.inputs} inputs, c={CONCURRENCY}, {ANSWER_S}s each", f"{wall:.2f} s",
                     f"<= {1.2 * target:.2f} s", wall <= 1.2 * target and rc == 0))  # fmt: skip
        rows.append(("  rows in flight (mean)", f"{_mean_in_flight(arrivals):.1f}", f"~{CONCURRENCY}", True))
        rows.append(("  peak RSS", f"{rss:.1f} MiB", "< 80 MiB", rss < 80))
        server.default = _delayed(0.0)
        peaks = []
        for count in (args.inputs, args.big):
            _, peak, rc = _orch(root / f"m{count}", config, "batch", "fast", str(_inputs(root / f"m{count}.jsonl", count)),
                                "-o", str(root / f"m{count}.out"), "--concurrency", str(CONCURRENCY))  # fmt: skip
            peaks.append(peak)
            rows.append((f"peak RSS, {count} inputs at once", f"{peak:.1f} MiB", "< 80 MiB", peak < 80 and rc == 0))
        rows.append(("  growth", f"{peaks[1] - peaks[0]:+.1f} MiB", "< 5 MiB", peaks[1] - peaks[0] < 5))

        big = _inputs(root / "big.jsonl", args.resume_rows)
        home = root / "h2"
        home.mkdir()
        with BatchStore(home / DB_NAME) as store:
            run, _ = start_run(store, "fast", big, {}, output_path=str((root / "big.out").resolve()))
            started = time.perf_counter()
            for i in range(1000):
                store.add_batch_row(run.id, BatchRow(i, f"r{i}", "complete", "from before", 5, 5))
            per_row_ms = (time.perf_counter() - started) / 1000 * 1000  # the mean of 1,000, in ms
            with store._write() as db:  # the bulk of the done rows, quickly: this is set-up, not measured
                db.executemany("INSERT INTO batch_rows (run_id, row, id, status, output) VALUES (?, ?, ?, 'complete', 'x')",
                               ((run.id, i, f"r{i}") for i in range(1000, args.resume_rows - 10)))  # fmt: skip
        rows.append(("one row's transaction in history.db", f"{per_row_ms:.3f} ms", "(informative)", True))
        wall, _, rc = _orch(home, config, "batch", "fast", str(big), "-o", str(root / "big.out"))
        rows.append((f"resume of {args.resume_rows} lines, 10 left", f"{wall:.2f} s", "< 2 s", wall < 2 and rc == 0))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>12}  {'target':>12}  ok")
    for name, value, goal, ok in rows:
        print(f"{name:<{width}}  {value:>12}  {goal:>12}  {'yes' if ok else 'NO'}")


if __name__ == "__main__":
    main()
