"""Batch runs and their rows in history.db: what `orch batch` resumes from.

A run is recorded before its first row is sent; each row's result is one
short transaction as it finishes, so a killed process loses only the rows it
had in flight. A run is found again by its fingerprint (target, input file,
options), which is how running the same command twice resumes it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from app.errors import UsageError
from app.store._base import StoreBase, row_id

BatchMode = Literal["local", "provider"]

_RUN_FIELDS = ("output_path", "provider", "provider_batch_id", "state", "total")


@dataclass(frozen=True, slots=True)
class InputFingerprint:
    """Which input file a run read: its path, size, mtime and the SHA-256 of its first MiB."""

    path: str
    size: int
    mtime: float
    head_hash: str


@dataclass(frozen=True, slots=True)
class BatchRun:
    """One `orch batch` run as recorded.

    Attributes:
        id: orch's run id (what `orch batch status ID` takes).
        fingerprint: the key the same command finds the run by.
        target: a model name or `chain:NAME`.
        options: the run's options (concurrency, provider batch, …) as given.
        state: `running`, `finished`, `interrupted`, or a provider batch's `submitted`/`ended`.
        provider_batch_id: the provider's own batch id (`--provider-batch`).
        total: the number of rows, once known.
    """

    id: int
    fingerprint: str
    target: str
    input: InputFingerprint
    options: Mapping[str, Any]
    output_path: str | None
    mode: BatchMode
    provider: str | None
    provider_batch_id: str | None
    state: str
    total: int | None
    created: str
    updated: str


@dataclass(frozen=True, slots=True)
class BatchRow:
    """One row's result: a line of OUT.

    Attributes:
        row: the input's 0-based position among its non-blank lines.
        id: the input's `id`, or its line number.
        status: an answer status (`complete`, `truncated`, `refused`, `error`, …).
    """

    row: int
    id: str
    status: str
    output: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The OUT line's fields, in the documented order."""
        return {
            "id": self.id, "output": self.output, "status": self.status, "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens, "cost": self.cost, "error": self.error,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class BatchStep:
    """One step of a chain run through provider batches: its batch, and how far it is.

    Attributes:
        state: `submitted` (its batch is out), `done` (its results are read) or `none` (no row needed it).
        rows: how many requests its batch holds.
    """

    step: str
    provider: str | None
    provider_batch_id: str | None
    state: str
    rows: int


class BatchStore(StoreBase):
    """Batch runs and rows in the history file at `path` (see `Store` for the arguments)."""

    def new_batch_run(
        self, fingerprint: str, target: str, source: InputFingerprint, options: Mapping[str, Any], *,
        output_path: str | None, mode: BatchMode, provider: str | None = None,
    ) -> BatchRun:  # fmt: skip
        """Record a new run (state `running`) and return it."""
        now = self._now()
        with self._write() as db:
            cur = db.execute(
                "INSERT INTO batch_runs (fingerprint, target, input_path, input_size, input_mtime, input_hash,"
                " options, output_path, mode, provider, state, created, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)",
                (fingerprint, target, source.path, source.size, source.mtime, source.head_hash,
                 json.dumps(dict(options), sort_keys=True), output_path, mode, provider, now, now),
            )  # fmt: skip
            return _to_run(db.execute("SELECT * FROM batch_runs WHERE id = ?", (row_id(cur),)).fetchone())

    def find_batch_run(self, fingerprint: str) -> BatchRun | None:
        """The latest run with `fingerprint`, if there is one."""
        with self._read() as db:
            row = db.execute(
                "SELECT * FROM batch_runs WHERE fingerprint = ? ORDER BY id DESC LIMIT 1", (fingerprint,)
            ).fetchone()
        return _to_run(row) if row is not None else None

    def batch_run(self, ident: str | int) -> BatchRun:
        """The run orch's id or the provider's batch id names.

        Raises:
            UsageError: no run has that id.
        """
        text = str(ident).strip().removeprefix("#")
        with self._read() as db:
            row = None
            if text.isdigit():
                row = db.execute("SELECT * FROM batch_runs WHERE id = ?", (int(text),)).fetchone()
            if row is None:
                row = db.execute(
                    "SELECT * FROM batch_runs WHERE provider_batch_id = ? OR id IN"
                    " (SELECT run_id FROM batch_steps WHERE provider_batch_id = ?) ORDER BY id DESC LIMIT 1",
                    (text, text),
                ).fetchone()
        if row is None:
            raise UsageError(f"no batch run {text!r}", "The id is the one `orch batch` printed when it started.")
        return _to_run(row)

    def update_batch_run(self, run_id: int, **fields: Any) -> BatchRun:
        """Set some of `output_path`, `provider`, `provider_batch_id`, `state`, `total` on a run."""
        unknown = set(fields) - set(_RUN_FIELDS)
        if unknown:
            raise ValueError(f"not a batch run field: {', '.join(sorted(unknown))}")
        names = sorted(fields)
        assignments = ", ".join(f"{name} = ?" for name in names)
        with self._write() as db:
            db.execute(
                f"UPDATE batch_runs SET {assignments}, updated = ? WHERE id = ?",
                (*(fields[n] for n in names), self._now(), run_id),
            )
            return _to_run(db.execute("SELECT * FROM batch_runs WHERE id = ?", (run_id,)).fetchone())

    def add_batch_row(self, run_id: int, row: BatchRow) -> None:
        """Keep one finished row (a second result for the same row replaces the first)."""
        self.add_batch_rows(run_id, (row,))

    def add_batch_rows(self, run_id: int, rows: Iterable[BatchRow]) -> None:
        """Keep finished rows, in one transaction."""
        with self._write() as db:
            _insert_rows(db, "batch_rows", (run_id,), rows)

    def add_batch_step(self, run_id: int, step: BatchStep, rows: Iterable[BatchRow] = ()) -> None:
        """Record a chain step's batch or its new state, with the step's rows known by then, in one transaction."""
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO batch_steps (run_id, step, provider, provider_batch_id, state, rows, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (run_id, step.step, step.provider, step.provider_batch_id, step.state, step.rows, self._now()),
            )
            _insert_rows(db, "batch_step_rows", (run_id, step.step), rows)

    def batch_steps(self, run_id: int) -> dict[str, BatchStep]:
        """The recorded steps of a chain run through provider batches, by step id."""
        with self._read() as db:
            found = db.execute(
                "SELECT step, provider, provider_batch_id, state, rows FROM batch_steps WHERE run_id = ?", (run_id,)
            ).fetchall()
        return {r["step"]: BatchStep(*r) for r in found}

    def batch_step_rows(self, run_id: int) -> dict[str, dict[int, BatchRow]]:
        """Each step's row results so far, by step id and then row position."""
        steps: dict[str, dict[int, BatchRow]] = {}
        with self._read() as db:
            for r in db.execute(
                "SELECT step, row, id, status, output, input_tokens, output_tokens, cost, error FROM batch_step_rows"
                " WHERE run_id = ? ORDER BY row", (run_id,),
            ):  # fmt: skip
                steps.setdefault(r["step"], {})[r["row"]] = BatchRow(*tuple(r)[1:])
        return steps

    def done_batch_rows(self, run_id: int, *, with_failed: bool = True) -> set[int]:
        """The positions of the rows of `run_id` that have a result (without the error rows if not `with_failed`)."""
        with self._read() as db:
            rows = db.execute(f"SELECT row FROM batch_rows WHERE run_id = ?{_kept(with_failed)}", (run_id,))
            return {r[0] for r in rows}

    def batch_lines(self, run_id: int, *, with_failed: bool = True) -> Iterator[tuple[int, str]]:
        """Each done row of `run_id` as its position and its OUT line (no newline), in input order.

        The line is the JSON of `BatchRow.to_json()`, built by SQLite: a resume writes tens of
        thousands of them, and not making a `BatchRow` of each and serialising it again is most
        of its speed. Read in pages (a run may have many rows); `with_failed=False` leaves out the
        error rows (those `--retry-failed` sends again).
        """
        after = -1
        while True:
            with self._read() as db:
                page = db.execute(
                    f"SELECT row, {_OUT_LINE} FROM batch_rows WHERE run_id = ? AND row > ?{_kept(with_failed)}"
                    f" ORDER BY row LIMIT {_PAGE}",
                    (run_id, after),
                ).fetchall()
            if not page:
                return
            for position, line in page:
                yield position, line
            after = page[-1][0]

    def batch_counts(self, run_id: int, *, with_failed: bool = True) -> tuple[int, int, float | None]:
        """How many rows of `run_id` are done, how many of them failed, and their cost so far
        (all of it about the rows that did not fail, if not `with_failed`)."""
        with self._read() as db:
            done, failures, cost = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(status = 'error'), 0), SUM(cost) FROM batch_rows"
                f" WHERE run_id = ?{_kept(with_failed)}",
                (run_id,),
            ).fetchone()
        return done, failures, cost


def _insert_rows(db: sqlite3.Connection, table: str, key: tuple[Any, ...], rows: Iterable[BatchRow]) -> None:
    """`rows` into `batch_rows` (`key` the run id) or `batch_step_rows` (`key` the run id and step)."""
    columns = ("run_id", "step")[: len(key)] + ("row", "id", "status", "output", "input_tokens", "output_tokens",
                                                 "cost", "error")  # fmt: skip
    db.executemany(
        f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        ((*key, r.row, r.id, r.status, r.output, r.input_tokens, r.output_tokens, r.cost, r.error) for r in rows),
    )


_PAGE = 5000
_OUT_LINE = (
    "'{\"id\": ' || json_quote(id) || ', \"output\": ' || json_quote(output) || ', \"status\": ' || json_quote(status)"
    " || ', \"input_tokens\": ' || json_quote(input_tokens) || ', \"output_tokens\": ' || json_quote(output_tokens)"
    " || ', \"cost\": ' || json_quote(cost) || ', \"error\": ' || json_quote(error) || '}'"
)
"""An OUT line in SQL, the same text as `json.dumps(row.to_json(), ensure_ascii=False)` (json_quote
gives null for NULL, and escapes as `json` does; a cost may show fewer digits past the 15th)."""


def _kept(with_failed: bool) -> str:
    return "" if with_failed else " AND status != 'error'"


def _to_run(row: sqlite3.Row) -> BatchRun:
    source = InputFingerprint(row["input_path"], row["input_size"], row["input_mtime"], row["input_hash"])
    return BatchRun(
        id=row["id"], fingerprint=row["fingerprint"], target=row["target"], input=source,
        options=json.loads(row["options"]), output_path=row["output_path"], mode=row["mode"],
        provider=row["provider"], provider_batch_id=row["provider_batch_id"], state=row["state"],
        total=row["total"], created=row["created"], updated=row["updated"],
    )  # fmt: skip
