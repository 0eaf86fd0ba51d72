"""A batch run's progress on stderr: a live bar on a terminal, plain lines otherwise.

Both show the same figures: rows done of the total, how many failed, the
rate, the cost so far and the time left.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from app.batch import BatchProgress


def summary(progress: BatchProgress, now: float | None = None) -> str:
    """`120/200 done · 3 failed · 14.2/s · $0.0123 · ETA 6s`."""
    elapsed = max(1e-6, (now if now is not None else time.monotonic()) - progress.started)
    rate = progress.sent / elapsed
    total = f"/{progress.total}" if progress.total is not None else ""
    parts = [f"{progress.done}{total} done"]
    if progress.failed:
        parts.append(f"{progress.failed} failed")
    parts.append(f"{rate:.1f}/s")
    if progress.cost is not None:
        parts.append(f"${progress.cost:.4f}")
    if progress.backoffs:
        parts.append(f"slowed {progress.backoffs}× by rate limits")
    if progress.total is not None and rate > 0 and progress.done < progress.total:
        parts.append(f"ETA {_duration((progress.total - progress.done) / rate)}")
    return " · ".join(parts)


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    return f"{minutes // 60}h{minutes % 60:02d}m"


class PlainBatchProgress:
    """Progress as plain lines, at most one every `every_s` seconds (and the last one)."""

    def __init__(self, out: IO[str], every_s: float = 2.0) -> None:
        self.out = out
        self._every_s = every_s
        self._last = 0.0

    def __call__(self, progress: BatchProgress) -> None:
        now = time.monotonic()
        if now - self._last < self._every_s and progress.done != progress.total:
            return
        self._last = now
        self.out.write(f"batch: {summary(progress, now)}\n")
        self.out.flush()


class BarProgress:
    """The live bar: a rich `Progress` task fed from `BatchProgress`."""

    def __init__(self, console: Console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.bar = Progress(TextColumn("batch"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                            console=console, transient=False, refresh_per_second=8)  # fmt: skip
        self._task = self.bar.add_task("", total=None)

    def __call__(self, progress: BatchProgress) -> None:
        described = summary(progress).split(" · ", 1)
        self.bar.update(self._task, completed=progress.done, total=progress.total,
                        description=described[1] if len(described) > 1 else "")  # fmt: skip


@contextmanager
def batch_progress(console: Console | None, out: IO[str]) -> Iterator[PlainBatchProgress | BarProgress]:
    """The listener for a run: the bar on `console` when there is one (a terminal), else plain lines on `out`."""
    if console is None:
        yield PlainBatchProgress(out)
        return
    view = BarProgress(console)
    with view.bar:
        yield view


def finished_line(progress: BatchProgress, run_id: int, out_path: str | None) -> str:
    """What is said when a run ends: its id, the counts, where OUT went."""
    failed = f", {progress.failed} failed" if progress.failed else ""
    resumed = f" ({progress.resumed} from before)" if progress.resumed else ""
    where = f" → {out_path}" if out_path else ""
    return f"batch #{run_id}: {progress.done} rows done{resumed}{failed}{where}"
