"""Budgets inside `runtime.answer()`: refused before sending, or stopped while streaming, keeping the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import errors
from app.types import Message
from tests.runtime.conftest import world
from tests.support.llm_server import LLMServer, lorem, stream_reply

QUESTION = [Message("user", "q" * 4000)]  # ~1000 tokens in: about $0.003 at sonnet's price, with 1024 out $0.018


async def test_a_request_over_answer_usd_is_not_sent(tmp_path: Path, llm_server: LLMServer, second: LLMServer) -> None:
    runtime = world(tmp_path, llm_server, second, budget="budget: {answer_usd: 0.01}")
    turn = runtime.answer(runtime.model("sonnet"), QUESTION)
    with pytest.raises(errors.BudgetError, match="over budget.answer_usd") as caught:
        async with turn:
            async for _ in turn:
                pass
    assert caught.value.exit_code == 1
    assert llm_server.requests == [] and second.requests == []
    assert turn.record.status == "error" and runtime.budget.spent == 0


async def test_what_is_left_of_the_session_limits_the_next_answer(
    tmp_path: Path, llm_server: LLMServer, second: LLMServer
) -> None:
    runtime = world(tmp_path, llm_server, second, budget="budget: {session_usd: 0.05}")
    runtime.budget.spent = 0.04
    with pytest.raises(errors.BudgetError, match="what is left of budget.session_usd"):
        async with runtime.answer(runtime.model("sonnet"), QUESTION) as turn:
            async for _ in turn:
                pass
    assert llm_server.requests == []


async def test_an_answer_passing_the_limit_stops_and_keeps_what_arrived(
    tmp_path: Path, llm_server: LLMServer, second: LLMServer
) -> None:
    runtime = world(tmp_path, llm_server, second, budget="budget: {answer_usd: 0.0005}")
    llm_server.script(stream_reply("anthropic", lorem(400), token_delay_s=0.002))
    # Its estimate (10 chars in, 1024 out: ~$0.015) would be refused: give it a small max_tokens.
    turn = runtime.answer(runtime.model("sonnet"), [Message("user", "short one")], options={"max_tokens": 20})
    async with turn:
        async for _ in turn:
            pass
    record = turn.record
    assert record.status == "truncated" and record.finish_reason == "budget"
    assert record.error is not None and "passed budget.answer_usd" in record.error
    assert 0 < len(record.text) < len(lorem(400))
    assert runtime.budget.spent == pytest.approx(record.cost or 0)
    await runtime.aclose()


async def test_an_unpriced_model_is_let_through_and_said_once(tmp_path: Path, llm_server: LLMServer, second) -> None:
    runtime = world(tmp_path, llm_server, second, budget="budget: {answer_usd: 0.01}")
    for _ in range(2):
        async with runtime.answer(runtime.model("echo"), QUESTION) as turn:
            async for _ in turn:
                pass
    assert turn.record.status == "complete"
    notices = runtime.budget.take_notices()
    assert len(notices) == 1 and "echo has no pricing" in notices[0]
    assert runtime.budget.take_notices() == []
