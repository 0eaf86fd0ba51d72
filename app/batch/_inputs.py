"""The rows of a batch input file, read lazily, one line at a time.

A `.jsonl` / `.ndjson` file holds one JSON object per line:
`{"input": "...", "vars": {...}, "id": "..."}` (or a bare JSON string); any
other file holds one input per line, as text. Blank lines are not rows. A
line that cannot be read is a row carrying its `problem`, so that it becomes
an error line of OUT rather than stopping the run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.store import InputFingerprint

_JSON_SUFFIXES = (".jsonl", ".ndjson")
_HEAD_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class BatchInput:
    """One row of the input.

    Attributes:
        row: its 0-based position among the non-blank lines (the key results are kept by).
        id: the line's `id`, or its line number.
        text: the input sent (for a chain, its INPUT).
        variables: the chain variables the line gives.
        problem: why the line could not be read; None for a good row.
    """

    row: int
    id: str
    text: str = ""
    variables: Mapping[str, str] = field(default_factory=dict)
    problem: str | None = None


def read_inputs(path: Path, *, skip: Container[int] = ()) -> Iterator[BatchInput]:
    """The rows of `path`, in order, leaving out (without parsing them) the positions in `skip`.

    Raises:
        OSError: the file cannot be opened.
    """
    as_json = path.suffix.lower() in _JSON_SUFFIXES
    with path.open("rb") as lines:
        row = -1
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            row += 1
            if row in skip:
                continue
            line = raw.decode("utf-8", errors="surrogateescape").rstrip("\r\n")
            yield _from_json(row, number, line) if as_json else BatchInput(row, str(number), line)


def count_rows(path: Path) -> int:
    """The number of rows in `path` (its non-blank lines)."""
    with path.open("rb") as lines:
        return sum(1 for raw in lines if raw.strip())


def fingerprint(path: Path) -> InputFingerprint:
    """What identifies the input file: its path, size, mtime and the hash of its first MiB."""
    resolved = path.resolve()
    stat = resolved.stat()
    with resolved.open("rb") as handle:
        head = hashlib.sha256(handle.read(_HEAD_BYTES)).hexdigest()
    return InputFingerprint(str(resolved), stat.st_size, stat.st_mtime, head)


def _from_json(row: int, number: int, line: str) -> BatchInput:
    where = str(number)
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        return BatchInput(row, where, problem=f"line {number} is not JSON")
    if isinstance(data, str):
        return BatchInput(row, where, data)
    if not isinstance(data, dict):
        return BatchInput(row, where, problem=f"line {number} is not a JSON object")
    ident = data.get("id")
    ident = where if ident is None else str(ident)
    text, variables = data.get("input"), data.get("vars") or {}
    if not isinstance(text, str):
        return BatchInput(row, ident, problem=f'line {number} has no "input" text')
    if not isinstance(variables, dict):
        return BatchInput(row, ident, problem=f'line {number}: "vars" is not an object')
    return BatchInput(row, ident, text, {str(k): _as_text(v) for k, v in variables.items()})


def _as_text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)
