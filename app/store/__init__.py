"""SQLite persistence of conversations, messages and usage: `history.db`.

A conversation is a tree of messages: each message names its parent, so
editing a message adds a sibling (a new branch) and the old branch stays.
The conversation's `head_id` is the message its active branch ends at;
adding a message moves the head to it.

    store = Store(home / DB_NAME)
    chat = store.new_conversation("sonnet")
    question = store.add_message(chat.id, "user", "Hi", parent_id=None)
    answer = store.add_message(chat.id, "assistant", "Hello!", question.id, model="sonnet",
                               input_tokens=9, output_tokens=3, cost=0.0001)
    store.branch(chat.id)            # [question, answer]: the active branch, oldest first

Every write is one short `BEGIN IMMEDIATE` transaction; the file runs in WAL
mode with a busy timeout, so several orch processes can share it, and a
killed process loses at most the message it had not handed over yet.
Timestamps are stored as fixed-width UTC ISO 8601 text and returned as aware
`datetime`s. The schema evolves through `MIGRATIONS`, an append-only list
whose length is the schema version (`PRAGMA user_version`).

Nothing here prints. Lookups by what a user typed raise `UsageError`; a
database that cannot be used raises `StoreError` (an `OrchError`) saying why.
"""

from typing import TYPE_CHECKING

from app._lazy import lazy_names
from app.store._errors import StoreError, disk_problem

if TYPE_CHECKING:
    from app.store._batch import BatchMode, BatchRow, BatchRun, BatchStep, BatchStore, InputFingerprint
    from app.store._schema import MIGRATIONS, migrate
    from app.store._store import Store
    from app.store._types import (MATCH_END, MATCH_START, TITLE_WIDTH, BranchInfo, Conversation, SearchHit, Status,
                                  StoredMessage, UsageTotals, fts_query, shorten)  # fmt: skip

DB_NAME = "history.db"

# The REPL asks where history goes (and whether it can be written) before its prompt, and opens the
# store only when the first message is written: the rest is imported when first named.
_LAZY = {
    **dict.fromkeys(("BatchMode", "BatchRow", "BatchRun", "BatchStep", "BatchStore", "InputFingerprint"), "_batch"),
    "MIGRATIONS": "_schema", "migrate": "_schema", "Store": "_store",
    **dict.fromkeys(("MATCH_END", "MATCH_START", "TITLE_WIDTH", "BranchInfo", "Conversation", "SearchHit", "Status",
                     "StoredMessage", "UsageTotals", "fts_query", "shorten"), "_types"),
}  # fmt: skip


__getattr__ = lazy_names(__name__, globals(), _LAZY)

__all__ = [
    "DB_NAME",
    "MATCH_END",
    "MATCH_START",
    "MIGRATIONS",
    "TITLE_WIDTH",
    "BatchMode",
    "BatchRow",
    "BatchRun",
    "BatchStep",
    "BatchStore",
    "BranchInfo",
    "Conversation",
    "InputFingerprint",
    "SearchHit",
    "Status",
    "Store",
    "StoreError",
    "StoredMessage",
    "UsageTotals",
    "disk_problem",
    "fts_query",
    "migrate",
    "shorten",
]
