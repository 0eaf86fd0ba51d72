"""What an answer costs, and what a request is estimated to cost before it is sent.

`cost` is the one place an answer's price is computed (the turn calls it for
its record). `estimate` is the documented rule budgets and `orch chain
--dry-run` share:

    input tokens  ≈ characters of the system prompt and every message / 4 (rounded up)
    output tokens = the request's `max_tokens` option, else DEFAULT_OUTPUT_TOKENS
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.config import ModelConfig, Pricing
    from app.types import Message

__all__ = ["CHARS_PER_TOKEN", "DEFAULT_OUTPUT_TOKENS", "Estimate", "cost", "estimate", "estimate_tokens"]

CHARS_PER_TOKEN = 4
DEFAULT_OUTPUT_TOKENS = 1024
"""The output assumed for a model with no `max_tokens`: a long answer, not the longest one."""

_PER = 1_000_000


def cost(
    pricing: Pricing | None,
    input_tokens: int | None,
    output_tokens: int | None,
    cached_tokens: int | None = None,
    cache_write_tokens: int | None = None,
) -> float | None:
    """USD for tokens at `pricing` (prices per 1M tokens).

    `input_tokens` is the whole input; of it, `cached_tokens` are priced at
    `cache_read` and `cache_write_tokens` at `cache_write` (each at the input
    price when the model has none), the rest at `input`.

    Returns:
        None when the price is unknown or the provider stated no tokens at all.
    """
    if pricing is None or (input_tokens is None and output_tokens is None):
        return None
    cached, written = cached_tokens or 0, cache_write_tokens or 0
    uncached = max((input_tokens or 0) - cached - written, 0)
    read_price = pricing.input if pricing.cache_read is None else pricing.cache_read
    write_price = pricing.input if pricing.cache_write is None else pricing.cache_write
    total = uncached * pricing.input + cached * read_price + written * write_price
    return (total + (output_tokens or 0) * pricing.output) / _PER


def estimate_tokens(chars: int) -> int:
    """Tokens in a text of `chars` characters, by the rule of thumb: a token is about four characters."""
    return math.ceil(chars / CHARS_PER_TOKEN)


@dataclass(frozen=True, slots=True)
class Estimate:
    """What a request is expected to use: tokens in and out, and their cost (None: unpriced)."""

    input_tokens: int
    output_tokens: int
    cost: float | None


def estimate(
    model: ModelConfig, messages: Sequence[Message], system: str | None = None, options: Mapping[str, Any] | None = None
) -> Estimate:
    """The estimate of asking `model` about `messages` (see the module docstring for the rule)."""
    chars = len(system or "") + sum(len(part.text) for m in messages for part in m.all_parts)
    input_tokens = estimate_tokens(chars)
    asked = (options or {}).get("max_tokens") or model.options.max_tokens
    output_tokens = int(asked) if asked else DEFAULT_OUTPUT_TOKENS
    return Estimate(input_tokens, output_tokens, cost(model.pricing, input_tokens, output_tokens))
