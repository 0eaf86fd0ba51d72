"""What the store returns, and the text helpers it shares with its callers."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Literal

from app.types import AnswerRecord, Part, Role, status_of

Status = Literal["complete", "interrupted", "error"]

MATCH_START = "\x02"  # around the matched words in `SearchHit.snippet`
MATCH_END = "\x03"
TITLE_WIDTH = 60


@dataclass(frozen=True, slots=True)
class Conversation:
    """One conversation.

    Attributes:
        title: given by the user or taken from the first user message answered; None until then.
        model: the model it talks to (the last one chosen).
        updated: when a message was last added (its "last used" time).
        head_id: the message the active branch ends at; None while empty.
        message_count: messages on every branch.
        system: its system prompt, if any.
        options: its sampling options (`/set`).
        role: the role it uses, if any.
    """

    id: int
    title: str | None
    model: str
    created: datetime
    updated: datetime
    head_id: int | None
    message_count: int
    system: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    role: str | None = None


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One message as stored.

    Attributes:
        parent_id: the message it answers or follows; None for a conversation's first.
        model: the model that wrote an answer (or the one a user message was sent to).
        cost: USD, None when the model's price is unknown.
        status: `complete`, or `interrupted` / `error` for a partial answer; for a user
            message, `error` marks a request that failed (it is not sent again as context).
        finish_reason: the provider's word for how an answer ended (`length`: cut short).
        parts: the whole message in order when it is more than its text (attachments, tool
            calls and results, thinking); empty otherwise.
    """

    id: int
    conversation_id: int
    parent_id: int | None
    role: Role
    content: str
    model: str | None
    input_tokens: int | None
    output_tokens: int | None
    cost: float | None
    status: Status
    created: datetime
    finish_reason: str | None = None
    cached_tokens: int | None = None
    seconds: float | None = None
    parts: tuple[Part, ...] = ()

    def to_record(self) -> AnswerRecord:
        """An answer's record as it was kept."""
        status = status_of(self.finish_reason) if self.status == "complete" else self.status
        return AnswerRecord(
            self.model or "?", self.content, status=status, finish_reason=self.finish_reason,
            input_tokens=self.input_tokens, cached_tokens=self.cached_tokens, output_tokens=self.output_tokens,
            cost=self.cost, seconds=self.seconds, parts=self.parts,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class BranchInfo:
    """A branch, named by its last message.

    Attributes:
        leaf_id: the branch's last message; `Store.set_head(…, leaf_id)` makes it active.
        length: messages from the root to the leaf.
        preview: the branch's last user message, shortened.
        leaf_preview: the leaf's own text, shortened (tells retried answers apart).
        updated: when the leaf was written.
        current: the conversation's head lies on this branch.
    """

    leaf_id: int
    length: int
    preview: str
    leaf_preview: str
    updated: datetime
    current: bool


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A message that matched a search; `snippet` wraps the matches in MATCH_START / MATCH_END."""

    conversation_id: int
    conversation_title: str | None
    message_id: int
    role: Role
    snippet: str
    created: datetime

    def parts(self) -> list[tuple[str, bool]]:
        """The snippet as `(text, is_match)` pieces, ready to be styled."""
        pieces = re.split(f"{MATCH_START}(.*?){MATCH_END}", self.snippet, flags=re.S)
        return [(text, i % 2 == 1) for i, text in enumerate(pieces) if text]


@dataclass(frozen=True, slots=True)
class UsageTotals:
    """Tokens and cost summed over answers.

    Attributes:
        answers: assistant messages counted.
        cost: USD over the answers whose cost is known.
        unpriced_answers: answers without a known cost (so `cost` is a lower bound if > 0).
    """

    answers: int
    input_tokens: int
    output_tokens: int
    cost: float
    unpriced_answers: int


def shorten(text: str, width: int = TITLE_WIDTH) -> str:
    """The first non-blank line of `text`, spaces collapsed, cut at a word boundary to `width`."""
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    line = " ".join(line.split())
    if len(line) <= width:
        return line
    cut = line[: width - 1]
    if " " in cut[width // 2 :]:  # a word boundary not too far back; else cut mid-word
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:-") + "…"


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression for what a user typed, or None when it holds no terms.

    Each word, or "double-quoted phrase", becomes a quoted FTS5 phrase, so
    operators (AND, OR, NOT, NEAR), column filters, `-`, `:` and punctuation
    are taken literally and the expression is always valid. A trailing `*`
    keeps its prefix meaning. All terms must match.
    """
    terms = []
    for match in re.finditer(r'"([^"]*)"(\*?)|(\S+)', text):
        if match[3] is None:
            phrase, star = match[1], match[2]
        else:
            phrase = match[3].rstrip("*")
            star = "*" if phrase != match[3] else ""
        phrase = phrase.replace("\x00", "").strip()
        if phrase:
            terms.append('"' + phrase.replace('"', '""') + '"' + star)
    return " ".join(terms) or None


def clean_title(title: str | None) -> str | None:
    """A title on one line with single spaces; None when blank."""
    if title is None:
        return None
    return " ".join(title.split()) or None


def stamp(moment: datetime) -> str:
    """A moment as stored: UTC ISO 8601 with microseconds (fixed width, so text order is time order)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


_MESSAGE_FIELDS = tuple(field.name for field in fields(StoredMessage) if field.name != "parts")


def to_conversation(row: sqlite3.Row) -> Conversation:
    return Conversation(
        id=row["id"],
        title=row["title"],
        model=row["model"],
        created=datetime.fromisoformat(row["created"]),
        updated=datetime.fromisoformat(row["updated"]),
        head_id=row["head_id"],
        message_count=row["message_count"],
        system=row["system"],
        options=json.loads(row["options"]) if row["options"] else {},
        role=row["role"],
    )


def to_message(row: sqlite3.Row, parts: tuple[Part, ...] = ()) -> StoredMessage:
    values = {name: row[name] for name in _MESSAGE_FIELDS}  # a later column must not break this
    values["created"] = datetime.fromisoformat(values["created"])
    return StoredMessage(**values, parts=parts)


def to_branches(rows: list[sqlite3.Row], head_id: int | None) -> list[BranchInfo]:
    """Branches from a conversation's `(id, parent_id, role, text, created)` rows in id order."""
    by_id = {row["id"]: row for row in rows}
    parents = {row["parent_id"] for row in rows}
    branches = []
    for leaf in rows:
        if leaf["id"] in parents:
            continue
        path = [leaf]
        while path[-1]["parent_id"] is not None:
            path.append(by_id[path[-1]["parent_id"]])
        last_user = next((row for row in path if row["role"] == "user"), leaf)
        branches.append(
            BranchInfo(
                leaf_id=leaf["id"],
                length=len(path),
                preview=shorten(last_user["text"]),
                leaf_preview=shorten(leaf["text"]),
                updated=datetime.fromisoformat(leaf["created"]),
                current=any(row["id"] == head_id for row in path),
            )
        )
    return branches
