"""A message's parts as rows, with attachments' bytes kept once in `blobs` by their sha256."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence

from app.types import Part

# Kinds whose content goes to `blobs`: what a user attaches is the large and repeated part.
_BLOB_KINDS = frozenset({"file", "image"})


def worth_storing(parts: Sequence[Part], content: str) -> bool:
    """Whether `parts` say more than `content` alone (a lone text part equal to it does not)."""
    return bool(parts) and not (len(parts) == 1 and parts[0].kind == "text" and parts[0].text == content)


def write_parts(db: sqlite3.Connection, message_id: int, parts: Sequence[Part]) -> None:
    """Store `parts` in order for `message_id`, their bytes once each."""
    for position, part in enumerate(parts):
        blob = None
        text: str | None = part.text
        if part.kind in _BLOB_KINDS:
            data = part.data if part.data is not None else part.text.encode("utf-8")
            blob = hashlib.sha256(data).hexdigest()
            db.execute("INSERT OR IGNORE INTO blobs (hash, data, size) VALUES (?, ?, ?)", (blob, data, len(data)))
            text = None
        db.execute(
            "INSERT INTO parts (message_id, position, kind, text, name, media_type, blob, call_id, arguments,"
            " is_error, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (message_id, position, part.kind, text, part.name, part.media_type, blob, part.call_id,
             json.dumps(dict(part.arguments)) if part.arguments is not None else None, int(part.is_error),
             part.signature),
        )  # fmt: skip


def read_parts(db: sqlite3.Connection, message_ids: Iterable[int]) -> dict[int, tuple[Part, ...]]:
    """The parts of each of `message_ids` that has any, in order."""
    ids = list(message_ids)
    found: dict[int, list[Part]] = {}
    for start in range(0, len(ids), 500):  # within SQLite's limit on bound parameters
        chunk = ids[start : start + 500]
        rows = db.execute(
            "SELECT p.*, b.data FROM parts p LEFT JOIN blobs b ON b.hash = p.blob"
            f" WHERE p.message_id IN ({', '.join('?' * len(chunk))}) ORDER BY p.message_id, p.position",
            chunk,
        ).fetchall()
        for row in rows:
            found.setdefault(row["message_id"], []).append(_part(row))
    return {message_id: tuple(parts) for message_id, parts in found.items()}


def _part(row: sqlite3.Row) -> Part:
    data: bytes | None = row["data"]
    text = row["text"] or ""
    if row["kind"] == "file" and data is not None:
        text, data = data.decode("utf-8"), None
    return Part(
        row["kind"], text, name=row["name"], media_type=row["media_type"], data=data, call_id=row["call_id"],
        arguments=json.loads(row["arguments"]) if row["arguments"] is not None else None,
        is_error=bool(row["is_error"]), signature=row["signature"],
    )  # fmt: skip


def drop_unused_blobs(db: sqlite3.Connection) -> None:
    """Forget bytes no part refers to any more (after conversations were deleted)."""
    db.execute("DELETE FROM blobs WHERE hash NOT IN (SELECT blob FROM parts WHERE blob IS NOT NULL)")
