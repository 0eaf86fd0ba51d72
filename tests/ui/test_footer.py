"""The footer under an answer: what a record says, unknown usage as n/a, a cut answer marked so."""

from __future__ import annotations

import pytest

from app.types import AnswerRecord
from app.ui.footer import Footer


def test_unknown_usage_is_not_applicable_never_zero() -> None:
    record = AnswerRecord("llama", "hi", seconds=1.24)
    assert str(Footer.of(record)) == "llama · tokens n/a · 1.2s"


def test_cached_tokens_are_shown_when_there_are_any() -> None:
    record = AnswerRecord("sonnet", "x", input_tokens=12, cached_tokens=8, output_tokens=340, cost=0.0051)
    assert str(Footer.of(record)) == "sonnet · 12→340 tokens (8 cached) · $0.0051"
    assert "cached" not in str(Footer.of(AnswerRecord("sonnet", "x", input_tokens=1, cached_tokens=0)))


@pytest.mark.parametrize(
    "status, reason, ending",
    [
        ("truncated", "max_tokens", "truncated (max_tokens)"),
        ("truncated", "length", "truncated (length)"),
        ("refused", "content_filter", "refused (content_filter)"),
        ("refused", None, "refused"),
        ("interrupted", None, "interrupted"),
        ("error", None, "failed"),
    ],
)
def test_a_cut_answer_says_how_it_ended(status: str, reason: str | None, ending: str) -> None:
    record = AnswerRecord("m", "x", status=status, finish_reason=reason, input_tokens=3, output_tokens=8)
    assert str(Footer.of(record)) == f"m · {ending} · 3→8 tokens"


def test_a_whole_answer_says_nothing_of_its_ending() -> None:
    record = AnswerRecord("m", "x", finish_reason="stop", input_tokens=3, output_tokens=8)
    assert str(Footer.of(record)) == "m · 3→8 tokens"


def test_a_fallback_is_named_with_the_model_asked() -> None:
    record = AnswerRecord("gpt-5", "x", input_tokens=3, output_tokens=4, requested_model="sonnet")
    assert str(Footer.of(record)) == "gpt-5 (fallback from sonnet) · 3→4 tokens"


def test_an_answer_stopped_by_the_budget_says_so() -> None:
    record = AnswerRecord("sonnet", "x", status="truncated", finish_reason="budget", input_tokens=3, output_tokens=4)
    assert str(Footer.of(record)).startswith("sonnet · truncated (budget) · ")
