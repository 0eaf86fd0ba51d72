"""The line under an answer: model, how it ended if it was cut short, tokens, cost and time."""

from __future__ import annotations

from dataclasses import dataclass

from app.types import AnswerRecord

__all__ = ["Footer"]

_ENDINGS = {"truncated": "truncated", "refused": "refused", "interrupted": "interrupted", "error": "failed"}


@dataclass(frozen=True, slots=True)
class Footer:
    """The line under an answer: `sonnet · 12→340 tokens (8 cached) · $0.0051 · 2.3s`;
    `gpt-5 (fallback from sonnet) · …` when a fallback model answered.

    Parts that are None are left out, but for the token counts of a footer
    made from a record (`counts_known=False`): a provider that did not say
    shows `tokens n/a`, never a count of 0.

    Attributes:
        model: the name shown first.
        input_tokens, output_tokens: as counted; None when unknown (`?` when only one is).
        cost: USD; None leaves it out.
        seconds: from the request to the end of the answer.
        cached_tokens: of the input tokens, those read from a prompt cache.
        ending: how a cut answer ended (`truncated (max_tokens)`, `interrupted`…).
        counts_known: False when the tokens were asked for but the provider did not say.
    """

    model: str
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None
    seconds: float | None = None
    cached_tokens: int | None = None
    ending: str | None = None
    counts_known: bool = True

    @classmethod
    def of(cls, record: AnswerRecord) -> Footer:
        """The footer of an answer, as its record says it went."""
        return cls(
            record.model if record.requested_model is None else f"{record.model} (fallback from {record.requested_model})",
            record.input_tokens,
            record.output_tokens,
            record.cost,
            record.seconds,
            cached_tokens=record.cached_tokens,
            ending=_ending(record),
            counts_known=record.counted,
        )

    def __str__(self) -> str:
        parts = [self.model]
        if self.ending:
            parts.append(self.ending)
        if self.input_tokens is not None or self.output_tokens is not None:
            tokens = f"{_count(self.input_tokens)}→{_count(self.output_tokens)} tokens"
            parts.append(tokens + (f" ({self.cached_tokens} cached)" if self.cached_tokens else ""))
        elif not self.counts_known:
            parts.append("tokens n/a")
        if self.cost is not None:
            parts.append("<$0.0001" if 0 < self.cost < 0.00005 else f"${self.cost:.4f}")
        if self.seconds is not None:
            parts.append(f"{self.seconds:.1f}s")
        return " · ".join(parts)


def _count(tokens: int | None) -> str:
    return "?" if tokens is None else str(tokens)


def _ending(record: AnswerRecord) -> str | None:
    """`truncated (max_tokens)`, `refused (content_filter)`, `interrupted`, `failed`; None when whole."""
    ending = _ENDINGS.get(record.status)
    if ending is None:
        return None
    if record.finish_reason and record.status in ("truncated", "refused"):
        return f"{ending} ({record.finish_reason})"
    return ending
