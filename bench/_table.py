"""The table the tool benchmarks print: measure, time, verdict."""

from __future__ import annotations


def print_verdicts(rows: list[tuple[str, str, str]], footer: str) -> None:
    """Print `(measure, time, verdict)` rows aligned, then `footer` in brackets."""
    width = max(len(row[0]) for row in rows)
    print(f"{'measure':<{width}}  {'time':>10}  verdict")
    for name, value, verdict in rows:
        print(f"{name:<{width}}  {value:>10}  {verdict}")
    print(f"({footer})")
