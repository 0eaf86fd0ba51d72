"""How the cost of rendering a streamed answer grows with its length, per shape of answer.

Feeds synthetic answers of four shapes (mixed markdown; one code block; one
table; one long paragraph) of 1,000 / 8,000 / 20,000 tokens, about 4
characters each, token by token into `AnswerView` writing to a terminal-like
console, and measures CPU time: fed at full speed, and paced (a fake clock
says a token arrives every 5 ms, so the live tail is redrawn ~15 times a
second as in a real stream). Linear cost means the same time per token at
every size. `--naive` adds a renderer that re-renders the whole answer on
every token, for comparison.

    python bench/render.py [--sizes 1000,8000,20000] [--naive]
"""

from __future__ import annotations

import argparse
import io
import random
import time
from collections.abc import Callable

from rich.console import Console
from rich.live import Live
from rich.markdown import Markdown

from app.providers.base import TextDelta, Usage
from app.ui.render import AnswerView
from app.ui.style import theme

CHARS_PER_TOKEN = 4
WIDTH = 100
NAIVE_LIMIT_S = 60.0
PACE_MS = 5.0  # ms a token when paced: 200 tokens/s, a fast real stream

WORDS = tuple(
    "the model returns a stream of tokens and each one is rendered as soon as it arrives "
    "while the terminal keeps the finished blocks in its scrollback so nothing is drawn twice "
    "configuration values are checked before any request is sent to the provider".split()
)


def synthetic_answer(tokens: int, seed: int = 7) -> str:
    """A markdown answer of about `tokens` tokens: a realistic mix of blocks."""
    rnd = random.Random(seed)
    parts: list[str] = []
    size = 0

    def sentence() -> str:
        words = rnd.choices(WORDS, k=rnd.randint(6, 16))
        if rnd.random() < 0.3:
            words[rnd.randrange(len(words))] = f"`{rnd.choice(WORDS)}`"
        if rnd.random() < 0.3:
            words[rnd.randrange(len(words))] = f"**{rnd.choice(WORDS)}**"
        return " ".join(words).capitalize() + "."

    def paragraph() -> str:
        return " ".join(sentence() for _ in range(rnd.randint(2, 5)))

    def bullet_list() -> str:
        marker = rnd.choice(("-", "1."))
        loose = "\n\n" if rnd.random() < 0.3 else "\n"
        items = [f"{marker if marker == '-' else f'{i}.'} {sentence()}" for i in range(1, rnd.randint(3, 6))]
        return loose.join(items)

    def code_block() -> str:
        lines = [
            f"def step_{i}(value):" if i % 4 == 0 else f"    value = value * {i} + {rnd.randint(0, 99)}"
            for i in range(rnd.randint(4, 14))
        ]
        return "```python\n" + "\n".join(lines) + "\n    return value\n```"

    def table() -> str:
        rows = [
            f"| {rnd.choice(WORDS)} | {rnd.randint(1, 999)} | {rnd.choice(WORDS)} |" for _ in range(rnd.randint(2, 6))
        ]
        return "| name | count | note |\n| --- | ---: | --- |\n" + "\n".join(rows)

    makers: list[Callable[[], str]] = [paragraph, paragraph, paragraph, bullet_list, code_block, table]
    while size < tokens * CHARS_PER_TOKEN:
        block = f"## {sentence()[:40]}" if rnd.random() < 0.1 else rnd.choice(makers)()
        parts.append(block)
        size += len(block) + 2
    return "\n\n".join(parts)[: tokens * CHARS_PER_TOKEN]


def code_block(tokens: int, seed: int = 7) -> str:
    """One fenced Python block of about `tokens` tokens, with docstrings that span lines."""
    rnd = random.Random(seed)
    lines = ["```python"]
    size = 0
    index = 0
    while size < tokens * CHARS_PER_TOKEN:
        if index % 12 == 0:
            block = [f"def step_{index}(value):", '    """Turn the value once more:', "    twice, then add.", '    """']
        else:
            block = [f"    value = value * {rnd.randint(2, 9)} + {rnd.randint(0, 99)}  # {rnd.choice(WORDS)}"]
        lines += block
        size += sum(len(line) + 1 for line in block)
        index += 1
    return "\n".join(lines)[: tokens * CHARS_PER_TOKEN] + "\n```"


def one_table(tokens: int, seed: int = 7) -> str:
    """One table of about `tokens` tokens: three columns, as many rows as it takes."""
    rnd = random.Random(seed)
    rows = ["| name | count | note |", "| --- | ---: | --- |"]
    size = 0
    while size < tokens * CHARS_PER_TOKEN:
        row = f"| {rnd.choice(WORDS)} | {rnd.randint(1, 999)} | {' '.join(rnd.choices(WORDS, k=3))} |"
        rows.append(row)
        size += len(row) + 1
    return "\n".join(rows)


def one_paragraph(tokens: int, seed: int = 7) -> str:
    """One paragraph of about `tokens` tokens on a single line, with `code` and **bold** in it."""
    rnd = random.Random(seed)
    words = []
    size = 0
    while size < tokens * CHARS_PER_TOKEN:
        word = rnd.choice(WORDS)
        word = f"`{word}`" if rnd.random() < 0.03 else f"**{word}**" if rnd.random() < 0.03 else word
        words.append(word)
        size += len(word) + 1
    return " ".join(words) + "."


SHAPES: dict[str, Callable[[int], str]] = {
    "mixed markdown": synthetic_answer,
    "one code block": code_block,
    "one table": one_table,
    "one paragraph": one_paragraph,
}


def as_tokens(text: str) -> list[str]:
    return [text[i : i + CHARS_PER_TOKEN] for i in range(0, len(text), CHARS_PER_TOKEN)]


def terminal() -> Console:
    return Console(
        file=io.StringIO(), width=WIDTH, height=40, force_terminal=True, color_system="truecolor", theme=theme()
    )


class PacedClock:
    """A fake clock the runner moves on by one token's time before each token."""

    def __init__(self, tokens_per_second: float) -> None:
        self.now = 0.0
        self.step = 1 / tokens_per_second

    def __call__(self) -> float:
        return self.now


def run_view(tokens: list[str], paced: PacedClock | None = None) -> float:
    """CPU seconds to stream `tokens` through `AnswerView`.

    With `paced`, the view's clock says the tokens arrive at that rate, so
    the live tail is redrawn as often as in a real stream (~15/s); without,
    the tokens come as fast as the renderer takes them and few redraws are due.
    """
    console = terminal()
    start = time.process_time()
    view = AnswerView(console, model="bench", clock=paced or time.monotonic)
    view.start()
    for token in tokens:
        if paced is not None:
            paced.now += paced.step
        view.feed(TextDelta(token))
    view.feed(Usage(100, len(tokens)))
    view.finish()
    return time.process_time() - start


def best_of(runs: int, measure: Callable[[], float]) -> float:
    return min(measure() for _ in range(runs))


def run_naive(tokens: list[str], budget_s: float) -> tuple[float, int]:
    """CPU seconds to stream `tokens` re-rendering the whole answer each token.

    Stops once `budget_s` is spent; returns the time and how many tokens were fed.
    """
    console = terminal()
    text = ""
    start = time.process_time()
    fed = 0
    with Live(console=console, auto_refresh=False, transient=True, vertical_overflow="visible") as live:
        for token in tokens:
            text += token
            live.update(Markdown(text), refresh=True)
            fed += 1
            if time.process_time() - start > budget_s:
                break
    return time.process_time() - start, fed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,8000,20000", help="answer sizes in tokens")
    parser.add_argument("--naive", action="store_true", help="also time re-rendering the whole answer per token")
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]
    run_view(as_tokens(synthetic_answer(1000)))  # warm up imports, lexers, caches
    modes = (("full speed", None), (f"paced {PACE_MS:g} ms", 1000 / PACE_MS))
    print(f"{'shape':16} {'fed':14} {'tokens':>7} {'CPU s':>8} {'ms/token':>9}")
    per_token: dict[tuple[str, str, int], float] = {}
    for shape, make in SHAPES.items():
        for mode, rate in modes:
            for size in sizes:
                tokens = as_tokens(make(size))
                runs = 3 if size <= 1000 else 1
                seconds = best_of(runs, lambda t=tokens, r=rate: run_view(t, PacedClock(r) if r else None))
                per_token[shape, mode, size] = seconds / len(tokens)
                print(f"{shape:16} {mode:14} {len(tokens):7d} {seconds:8.3f} {seconds / len(tokens) * 1000:9.4f}",
                      flush=True)
    small, large = min(sizes), max(sizes)
    print(f"\nper-token CPU, {large} tokens / {small} tokens (target <= 1.3)")
    for shape in SHAPES:
        ratios = "  ".join(f"{mode} {per_token[shape, mode, large] / per_token[shape, mode, small]:.2f}"
                           for mode, _ in modes)
        print(f"  {shape:16} {ratios}")
    if 8000 in sizes:
        code = per_token["one code block", modes[1][0], 8000] * len(as_tokens(code_block(8000)))
        print(f"one code block, 8000 tokens paced at {PACE_MS:g} ms: {code:.2f} s CPU (target < 2 s)")
    if options.naive:
        tokens = as_tokens(synthetic_answer(1000))
        seconds, fed = run_naive(tokens, NAIVE_LIMIT_S)
        estimate = seconds * (len(tokens) / fed) ** 2  # per-token cost grows with the text: ~quadratic
        print(f"naive, whole answer per token, 1000 tokens: {estimate:.2f} s CPU"
              + ("" if fed == len(tokens) else f" (estimated from {fed} tokens)"))


if __name__ == "__main__":
    main()
