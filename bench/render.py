"""How the cost of rendering a streamed answer grows with its length.

Feeds synthetic markdown answers (paragraphs, lists, code blocks, tables) of
1000 and 8000 tokens, about 4 characters each, token by token into
`AnswerView` writing to a terminal-like console, and measures CPU time.
Linear cost means the same time per token at both sizes. A naive renderer
that re-renders the whole answer on every token is shown for comparison.

    python bench/render.py
"""

from __future__ import annotations

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
PACE = 60  # tokens per second of a brisk real stream

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
    view.finish(view.footer())
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
    rows: list[tuple[str, int, float, str]] = []
    per_token: dict[tuple[str, int], float] = {}
    run_view(as_tokens(synthetic_answer(1000)))  # warm up imports, lexers, caches
    for name, rate in (("AnswerView, as fast as fed", None), (f"AnswerView, paced {PACE}/s", PACE)):
        for size in (1000, 8000):
            tokens = as_tokens(synthetic_answer(size))
            seconds = best_of(3, lambda tokens=tokens, rate=rate: run_view(tokens, PacedClock(rate) if rate else None))
            per_token[name, size] = seconds / len(tokens)
            rows.append((name, len(tokens), seconds, ""))

    tokens = as_tokens(synthetic_answer(1000))
    seconds, fed = run_naive(tokens, NAIVE_LIMIT_S)
    if fed == len(tokens):
        rows.append(("naive: whole answer per token", fed, seconds, ""))
    else:
        # Per-token cost grows with the text, so total ~ quadratic: scale by (n/fed)^2.
        estimate = seconds * (len(tokens) / fed) ** 2
        rows.append(("naive: whole answer per token", len(tokens), estimate, f"estimated from {fed} tokens"))

    print(f"{'renderer':32} {'tokens':>7} {'CPU s':>8} {'ms/token':>9}  note")
    for name, count, secs, note in rows:
        print(f"{name:32} {count:7d} {secs:8.3f} {secs / count * 1000:9.4f}  {note}")
    print()
    for name in dict.fromkeys(name for name, _ in per_token):
        ratio = per_token[name, 8000] / per_token[name, 1000]
        total = per_token[name, 8000] * len(as_tokens(synthetic_answer(8000)))
        print(f"{name}: per-token ratio 8000/1000 {ratio:.2f} (target <= 1.5)")
        print(f"{name}: 8000 tokens in {total:.2f} s CPU (target < 4 s)")


if __name__ == "__main__":
    main()
