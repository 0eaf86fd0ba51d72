"""Benchmark of attaching: python bench/attachments.py [--files N] [--total-mb N] [--pages N]

What `-a`, `/file` and a step's `attach:` do before the request starts: collect, estimate, check.
  - a folder of N (1,000) text files, TOTAL (10) MB, in ten subfolders under a .gitignore (attached
    too: N + 1 files), beside 51 files it rules out: under 1 s;
  - a PAGES (100) page PDF made with pypdf: under 1 s;
  - peak memory (tracemalloc) while attaching the folder: under 2x the text attached.
Each is timed over three runs (the best shown), memory in a run of its own. Prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.attachments import Limits, check_sendable, collect, estimate_tokens
from app.config import ModelConfig
from app.types import Message
from tests.support.attachment_files import make_pdf

TARGET_S = 1.0
MEMORY_RATIO = 2.0
LINE = "def handle(request):  # a line of code of about sixty characters\n"
MODEL = ModelConfig(name="big", provider="p", id="big-1", context_window=10_000_000)


def make_folder(root: Path, files: int, total: int) -> None:
    """`files` text files of `total` bytes in all, in ten subfolders, with ignored files beside them."""
    size = total // files
    body = (LINE * (size // len(LINE) + 1))[:size]
    (root / ".gitignore").write_text("*.log\nbuild/\n")
    for i in range(files):
        folder = root / f"pkg{i % 10}"
        folder.mkdir(exist_ok=True)
        (folder / f"module{i}.py").write_text(body)
    for i in range(50):  # what .gitignore rules out is neither read nor counted
        (root / f"pkg{i % 10}" / f"run{i}.log").write_text(body)
    (root / "build").mkdir()
    (root / "build" / "out.txt").write_text(body)


def attach(spec: str, base: Path) -> tuple[int, int]:
    """Collect, estimate and check `spec` as one-shot does; (files, characters) attached."""
    parts = asyncio.run(collect([spec], base_dir=base, limits=Limits(max_files=100_000, max_bytes=1 << 40)))
    estimate_tokens(parts)
    check_sendable(MODEL, [Message("user", "what is in it?", (*parts,))], None, [MODEL])
    return len(parts), sum(len(part.text) for part in parts)


def best_of(runs: int, spec: str, base: Path) -> tuple[float, tuple[int, int]]:
    times, result = [], (0, 0)
    for _ in range(runs):
        started = time.perf_counter()
        result = attach(spec, base)
        times.append(time.perf_counter() - started)
    return min(times), result


def peak_of(spec: str, base: Path) -> tuple[int, int]:
    """(peak bytes allocated while attaching, characters attached)."""
    tracemalloc.start()
    _, chars = attach(spec, base)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, chars


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--total-mb", type=float, default=10)
    parser.add_argument("--pages", type=int, default=100)
    args = parser.parse_args()
    rows: list[tuple[str, str, str, bool]] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "tree").mkdir()
        make_folder(base / "tree", args.files, int(args.total_mb * 2**20))
        seconds, (files, chars) = best_of(3, "tree", base)
        rows.append((f"folder: {files:,} files, {chars / 2**20:.1f} MB", f"{seconds:.3f} s", f"< {TARGET_S:.0f} s",
                     seconds < TARGET_S and files == args.files + 1))  # fmt: skip
        peak, chars = peak_of("tree", base)
        rows.append(("folder: peak memory / text attached", f"{peak / chars:.2f}x ({peak / 2**20:.1f} MB)",
                     f"< {MEMORY_RATIO:.0f}x", peak < MEMORY_RATIO * chars))  # fmt: skip
        page = "\n".join(f"Line {n} of the page, words enough to fill about half a line" for n in range(40))
        (base / "paper.pdf").write_bytes(make_pdf([page] * args.pages))
        seconds, (_, chars) = best_of(3, "paper.pdf", base)
        rows.append((f"PDF: {args.pages} pages, {chars / 1024:.0f} KB of text", f"{seconds:.3f} s",
                     f"< {TARGET_S:.0f} s", seconds < TARGET_S))  # fmt: skip
        peak, chars = peak_of("paper.pdf", base)
        rows.append(("PDF: peak memory / text attached", f"{peak / chars:.2f}x ({peak / 2**20:.1f} MB)", "(shown)",
                     True))  # fmt: skip
    width = max(len(row[0]) for row in rows)
    print(f"{'case':<{width}}  {'measured':<22}  {'target':<8}  ok")
    for case, measured, target, ok in rows:
        print(f"{case:<{width}}  {measured:<22}  {target:<8}  {'yes' if ok else 'NO'}")
    return 0 if all(row[3] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
