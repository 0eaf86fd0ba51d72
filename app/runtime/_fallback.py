"""Fallback: when a model is overloaded or cannot be reached, its `fallback:` models answer instead.

    attempt(model) ──fails before any text (429/529 after retries, 5xx, refused, DNS, TLS, timeout)──▶
        Fallback(model, next, reason) ─▶ attempt(next) ─▶ …

Only the asked model's own `fallback:` list is tried, in order; the fallbacks'
fallbacks are not followed (a list written for one model says what that model
may be replaced by, and a chain of lists could loop or wander far from it).
Nothing falls back once text, reasoning or a tool call has arrived (the
answer has begun; its failure is the answer's), nor on a 400/401/403/404 or a
missing key: those the user must fix, and another model would hide them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING

from app import errors
from app.providers.base import close_stream
from app.types import Event, Fallback, TextDelta, ThinkingDelta, ToolCall

if TYPE_CHECKING:
    from app.config import ModelConfig

__all__ = ["chain_of", "fallback_reason", "with_fallback"]

_BEGUN = (TextDelta, ThinkingDelta, ToolCall)

_OVERLOADED = frozenset({429, 529})
_REASONS: dict[type[errors.ProviderError], str] = {
    errors.RateLimitError: "overloaded",
    errors.ServerError: "server error",
    errors.ConnectError: "unreachable",
    errors.TimeoutError: "timed out",
}


def chain_of(model: ModelConfig, find: Callable[[str], ModelConfig]) -> list[ModelConfig]:
    """`model`, then each of its `fallback:` models (found by `find`), without repeats."""
    models = [model]
    for name in model.fallback:
        candidate = find(name)
        if all(candidate.name != m.name for m in models):
            models.append(candidate)
    return models


def fallback_reason(exc: BaseException) -> str | None:
    """Why `exc` lets another model answer (`overloaded (529)`), or None when it does not."""
    for kind, reason in _REASONS.items():
        if isinstance(exc, kind):
            status = getattr(exc.__cause__, "status", None)
            if not isinstance(status, int):
                return reason
            return f"{'overloaded' if status in _OVERLOADED else reason} ({status})"
    return None


async def with_fallback(
    models: Sequence[ModelConfig], attempt: Callable[[ModelConfig], AsyncIterator[Event]]
) -> AsyncIterator[Event]:
    """The events of the first of `models` that answers, with a `Fallback` event before each switch.

    Args:
        models: the model asked, then its fallbacks (see `chain_of`).
        attempt: opens one model's stream (checks, request and all).

    Raises:
        Whatever the last model tried raised, or the first failure that may not fall back.
    """
    for i, model in enumerate(models):
        begun = False
        stream = attempt(model)
        try:
            async for event in stream:
                begun = begun or isinstance(event, _BEGUN)
                yield event
            return
        except errors.ProviderError as exc:
            reason = fallback_reason(exc)
            if begun or reason is None or i + 1 == len(models):
                raise
        finally:
            await close_stream(stream)
        yield Fallback(model.name, models[i + 1].name, reason)
