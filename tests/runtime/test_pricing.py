"""Cost from the recorded usage shapes of the three providers, cached tokens priced apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import ModelConfig, ModelOptions, Pricing
from app.runtime import cost, estimate
from app.types import Message
from tests.support import config_files
from tests.support.cassettes import FIXTURES, load
from tests.support.chain_world import load_config, make_runtime
from tests.support.llm_server import LLMServer, Reply

PRICES = {"input": 2.0, "output": 10.0, "cache_read": 0.5, "cache_write": 2.5}
PER = 1e6


def recorded_body(name: str, *changes: tuple[bytes, bytes]) -> bytes:
    """A recording's streamed body, with its zero cache counts given values (the recorded shape kept)."""
    body = load(FIXTURES / name, {}).interactions[-1].body
    for old, new in changes:
        assert old in body, f"{name} no longer holds {old!r}"
        body = body.replace(old, new)
    return body


async def priced_answer(tmp_path: Path, server: LLMServer, kind: str, body: bytes, model_id: str = "m"):
    server.script(Reply(200, {"content-type": "text/event-stream"}, body))
    config = {"default_model": "m", "providers": {"p": {"kind": kind, "base_url": server.base_url(kind)}}}
    models = [{"name": "m", "provider": "p", "id": model_id, "pricing": PRICES}]
    runtime = make_runtime(load_config(config_files.write_config(tmp_path, config, models))[0], tmp_path)
    turn = runtime.answer(runtime.model("m"), [Message("user", "hi")])
    async with turn:
        async for _ in turn:
            pass
    await runtime.aclose()
    return turn.record


async def test_anthropic_cache_reads_and_writes_are_priced_at_their_own_rates(tmp_path: Path, llm_server) -> None:
    zero = b'"cache_creation_input_tokens":0,"cache_read_input_tokens":0'
    body = recorded_body("anthropic/messages_stream_text_ping.yaml",
                         (zero, b'"cache_creation_input_tokens":200,"cache_read_input_tokens":1000'))  # fmt: skip
    record = await priced_answer(tmp_path, llm_server, "anthropic", body)
    # Anthropic's input_tokens leaves the cache out; ours is the whole input.
    assert (record.input_tokens, record.cached_tokens, record.output_tokens) == (1210, 1000, 4)
    if record.cache_write_tokens is None:  # an adapter that does not report writes: they cost the input price
        assert record.cost == pytest.approx((210 * 2.0 + 1000 * 0.5 + 4 * 10.0) / PER)
    else:
        assert record.cache_write_tokens == 200
        assert record.cost == pytest.approx((10 * 2.0 + 1000 * 0.5 + 200 * 2.5 + 4 * 10.0) / PER)


async def test_openai_cached_prompt_tokens_are_priced_at_cache_read(tmp_path: Path, llm_server) -> None:
    body = recorded_body("openai/chat_stream_tool_call_then_text_usage.yaml",
                         (b'"prompt_tokens":78,', b'"prompt_tokens":78,'),
                         (b'"prompt_tokens_details":{"cached_tokens":0', b'"prompt_tokens_details":{"cached_tokens":64'))  # fmt: skip
    record = await priced_answer(tmp_path, llm_server, "openai", body)
    assert (record.input_tokens, record.cached_tokens, record.output_tokens) == (78, 64, 9)
    assert record.cost == pytest.approx(((78 - 64) * 2.0 + 64 * 0.5 + 9 * 10.0) / PER)


async def test_gemini_cached_content_tokens_are_priced_at_cache_read(tmp_path: Path, llm_server) -> None:
    # The recording has no cache hit: its last usage chunk gets the documented `cachedContentTokenCount`.
    body = recorded_body("gemini/stream_sse_text.yaml",
                         (b'"promptTokenCount": 13,', b'"promptTokenCount": 13,"cachedContentTokenCount": 8,'))  # fmt: skip
    record = await priced_answer(tmp_path, llm_server, "gemini", body, "gemini-2.0-flash-exp")
    assert (record.input_tokens, record.cached_tokens, record.output_tokens) == (13, 8, 8)
    assert record.cost == pytest.approx(((13 - 8) * 2.0 + 8 * 0.5 + 8 * 10.0) / PER)


def test_cache_writes_are_priced_at_cache_write() -> None:
    pricing = Pricing(**PRICES)
    assert cost(pricing, 1210, 4, cached_tokens=1000, cache_write_tokens=200) == pytest.approx(
        (10 * 2.0 + 1000 * 0.5 + 200 * 2.5 + 4 * 10.0) / PER
    )


def test_cached_tokens_cost_the_input_price_when_the_model_has_no_cache_prices() -> None:
    pricing = Pricing(input=2.0, output=10.0)
    assert cost(pricing, 100, 10, cached_tokens=60, cache_write_tokens=20) == pytest.approx((100 * 2.0 + 10 * 10.0) / PER)
    assert cost(pricing, None, None) is None and cost(None, 100, 10) is None


def test_the_estimate_is_characters_over_four_and_max_tokens() -> None:
    model = ModelConfig(name="m", provider="p", id="m", pricing=Pricing(input=1.0, output=2.0),
                        options=ModelOptions(max_tokens=100))  # fmt: skip
    guess = estimate(model, [Message("user", "x" * 39)], system="y" * 2)
    assert (guess.input_tokens, guess.output_tokens) == (11, 100)
    assert guess.cost == pytest.approx((11 * 1.0 + 100 * 2.0) / PER)
    assert estimate(model, [], options={"max_tokens": 7}).output_tokens == 7
    unpriced = ModelConfig(name="u", provider="p", id="u")
    assert estimate(unpriced, [Message("user", "hi")]).output_tokens == 1024
    assert estimate(unpriced, [Message("user", "hi")]).cost is None
