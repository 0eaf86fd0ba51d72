"""An answer as it is taken, over all its rounds: its parts in order, its text, and its tokens summed."""

from __future__ import annotations

from collections.abc import Iterable

from app.providers.base import Answer
from app.types import REDACTED_THINKING, Event, Part, TextDelta, ThinkingDelta, ToolCall, ToolResult

ROUND_BREAK = "\n\n"
"""Between the text of one round and the next, in the record's `text` (the parts keep them apart)."""


class Transcript:
    """The events of every round of one answer, folded.

    Within a round the deltas of one kind in a row are one part (keeping the
    signature its last signed delta carried: a thinking block's, a Gemini text
    part's); a tool call or result is a part of its own. Tokens are counted per round, as the provider said them,
    and summed over the rounds.
    """

    def __init__(self) -> None:
        self._parts: list[Part] = []
        self._open_kind: str | None = None
        self._open: list[str] = []
        self._signature: str | None = None
        self._round = Answer()
        self._rounds: list[Answer] = []
        self._texts: list[str] = []

    def add(self, event: Event) -> None:
        """Fold one event of the current round in."""
        if isinstance(event, ThinkingDelta) and event.redacted:
            self._close_part()
            self._parts.append(Part("thinking", "", name=REDACTED_THINKING, signature=event.signature))
        elif isinstance(event, TextDelta | ThinkingDelta):
            kind = "text" if isinstance(event, TextDelta) else "thinking"
            if kind != self._open_kind:
                self._close_part()
                self._open_kind = kind
            if event.text:
                self._open.append(event.text)
            if event.signature:
                self._signature = event.signature
        elif isinstance(event, ToolCall | ToolResult):
            self._close_part()
            self._parts.append(event.part)
        self._round.add(event)

    def end_round(self) -> None:
        """The provider's stream for this round has ended (or been cut): the next one starts afresh."""
        self._close_part()
        self._rounds.append(self._round)
        self._round = Answer()

    def order_results(self, call_ids: Iterable[str]) -> None:
        """Put the results at the end of the parts in the order of their calls (they are added as they finish)."""
        order = {call_id: i for i, call_id in enumerate(call_ids)}
        tail = 0
        while tail < len(self._parts) and self._parts[-1 - tail].kind == "tool_result":
            tail += 1
        if tail > 1:
            results = self._parts[-tail:]
            results.sort(key=lambda p: order.get(p.call_id or "", len(order)))
            self._parts[-tail:] = results

    @property
    def parts(self) -> tuple[Part, ...]:
        parts = self._parts
        if self._open_kind is not None and (self._open or self._signature):
            parts = [*parts, self._open_part()]
        return tuple(parts)

    @property
    def text(self) -> str:
        return ROUND_BREAK.join(t for t in (*(a.text for a in self._rounds), self._round.text) if t)

    @property
    def thinking(self) -> str:
        return ROUND_BREAK.join(t for t in (*(a.thinking for a in self._rounds), self._round.thinking) if t)

    @property
    def finish_reason(self) -> str | None:
        return next((a.finish_reason for a in reversed(self._all()) if a.finish_reason is not None), None)

    @property
    def current(self) -> Answer:
        """The round being streamed, collected so far."""
        return self._round

    def tokens(self, name: str, *, ended: bool = False) -> int | None:
        """`input_tokens`, `output_tokens`, `cached_tokens` or `cache_write_tokens`, summed over the rounds
        (only those that `ended`, if asked); None when never said."""
        rounds = self._rounds if ended else self._all()
        counts = [getattr(a, name) for a in rounds if getattr(a, name) is not None]
        return sum(counts) if counts else None

    def _all(self) -> list[Answer]:
        return [*self._rounds, self._round]

    def _open_part(self) -> Part:
        assert self._open_kind in ("text", "thinking")
        return Part(self._open_kind, "".join(self._open), signature=self._signature)

    def _close_part(self) -> None:
        if self._open_kind is not None and (self._open or self._signature):
            self._parts.append(self._open_part())
        self._open_kind, self._open, self._signature = None, [], None

