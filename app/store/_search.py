"""Full-text search over every message, and usage summed over answers."""

from __future__ import annotations

from datetime import datetime

from app.store._base import StoreBase
from app.store._types import MATCH_END, MATCH_START, SearchHit, UsageTotals, fts_query

RANK_WINDOW = 2000


class Search(StoreBase):
    """The `Store`'s methods that read across conversations: search and usage."""

    def search(self, text: str, limit: int = 20) -> list[SearchHit]:
        """Messages holding every word of `text`, best first, on any branch of any conversation.

        Any text is accepted: words are matched literally (see `fts_query`).
        Relevance (bm25) ranks the newest `RANK_WINDOW` matching messages, so a
        word found in nearly every message still answers in milliseconds.
        """
        query = fts_query(text)
        if query is None:
            return []
        with self._read() as db:
            rows = db.execute(
                "SELECT m.id, m.conversation_id, m.role, m.created, c.title,"
                " snippet(messages_fts, 0, ?2, ?3, '…', 12) AS snippet"
                " FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
                " JOIN conversations c ON c.id = m.conversation_id"
                " WHERE messages_fts MATCH ?1 AND messages_fts.rowid >= (SELECT min(rowid) FROM"
                "  (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?4))"
                " ORDER BY rank LIMIT ?5",
                (query, MATCH_START, MATCH_END, RANK_WINDOW, limit),
            ).fetchall()
        return [
            SearchHit(
                conversation_id=row["conversation_id"],
                conversation_title=row["title"],
                message_id=row["id"],
                role=row["role"],
                snippet=row["snippet"],
                created=datetime.fromisoformat(row["created"]),
            )
            for row in rows
        ]

    def usage_totals(self, conversation_id: int | None = None) -> UsageTotals:
        """Tokens and cost of every answer in a conversation (all branches), or in all history."""
        where = "" if conversation_id is None else " AND conversation_id = ?"
        with self._read() as db:
            row = db.execute(
                "SELECT count(*), coalesce(sum(input_tokens), 0), coalesce(sum(output_tokens), 0),"
                " coalesce(sum(cost), 0.0), count(*) - count(cost) FROM messages"
                " WHERE role = 'assistant'" + where,
                () if conversation_id is None else (conversation_id,),
            ).fetchone()
        return UsageTotals(*row)
