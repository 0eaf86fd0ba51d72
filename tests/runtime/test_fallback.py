"""Fallback inside `runtime.answer()`: an overloaded or unreachable model hands the answer to the next."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import errors
from app.config import ModelConfig
from app.runtime import Runtime
from app.runtime._fallback import chain_of
from app.types import Fallback, Message, Retry, TextDelta
from tests.runtime.conftest import world
from tests.support.llm_server import LLMServer, Reply, free_port, stream_reply

HELLO = [Message("user", "hello there")]
OVERLOADED = Reply.json(529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
                        headers={"retry-after": "0"})  # fmt: skip


async def take(runtime: Runtime, model: str = "sonnet") -> tuple[list, object, BaseException | None]:
    events: list = []
    failure = None
    turn = runtime.answer(runtime.model(model), HELLO)
    try:
        async with turn:
            async for event in turn:
                events.append(event)
    except errors.OrchError as exc:
        failure = exc
    finally:
        await runtime.aclose()
    return events, turn.record, failure


async def test_a_model_answering_529_after_its_retries_falls_back_to_the_next(
    tmp_path: Path, llm_server: LLMServer, second: LLMServer
) -> None:
    llm_server.script(OVERLOADED, OVERLOADED)
    second.script(stream_reply("openai", "from gpt"))
    events, record, failure = await take(world(tmp_path, llm_server, second))
    assert failure is None
    assert len(llm_server.requests) == 2  # the first try and its one retry
    # The retry was announced, and did not count as the answer having begun.
    assert events[:2] == [Retry(1, 0.0, "529"), Fallback("sonnet", "gpt", "overloaded (529)")]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "from gpt"
    assert (record.model, record.requested_model, record.status, record.text) == ("gpt", "sonnet", "complete", "from gpt")
    assert record.cost == pytest.approx((10 * 1.0 + record.output_tokens * 4.0) / 1e6)
    assert second.requests[0].json()["model"] == "gpt-x"


async def test_an_unreachable_model_falls_back(tmp_path: Path, second: LLMServer) -> None:
    class Down:
        def base_url(self, kind: str) -> str:
            return f"http://127.0.0.1:{free_port()}"

    second.script(stream_reply("openai", "still here"))
    events, record, failure = await take(world(tmp_path, Down(), second))  # type: ignore[arg-type]
    assert failure is None
    assert isinstance(events[0], Fallback) and events[0].reason == "unreachable"
    assert (record.model, record.text) == ("gpt", "still here")


async def test_nothing_falls_back_once_text_has_arrived(tmp_path: Path, llm_server: LLMServer, second: LLMServer) -> None:
    llm_server.script(stream_reply("anthropic", "one two three four", drop_after_tokens=2))
    events, record, failure = await take(world(tmp_path, llm_server, second))
    assert isinstance(failure, errors.ProviderError)
    assert not any(isinstance(e, Fallback) for e in events)
    assert second.requests == []
    assert (record.model, record.requested_model, record.status) == ("sonnet", None, "error")
    assert record.text.startswith("one")


@pytest.mark.parametrize("status", [401, 400, 404])
async def test_a_failure_the_user_must_fix_does_not_fall_back(
    tmp_path: Path, llm_server: LLMServer, second: LLMServer, status: int
) -> None:
    llm_server.script(Reply.json(status, {"type": "error", "error": {"type": "x", "message": "no"}}))
    events, record, failure = await take(world(tmp_path, llm_server, second))
    assert isinstance(failure, errors.ProviderError) and not isinstance(failure, errors.ServerError)
    assert events == [] and second.requests == []
    assert (record.model, record.status) == ("sonnet", "error")


async def test_the_last_fallback_failing_is_the_answer_s_failure(
    tmp_path: Path, llm_server: LLMServer, second: LLMServer
) -> None:
    llm_server.script(OVERLOADED, OVERLOADED)
    second.script(*[Reply.json(503, {"error": {"message": "down"}}, headers={"retry-after": "0"})] * 2)
    events, record, failure = await take(world(tmp_path, llm_server, second))
    assert isinstance(failure, errors.ServerError)
    assert [type(e).__name__ for e in events] == ["Retry", "Fallback", "Retry"]
    assert (record.model, record.requested_model, record.status) == ("gpt", "sonnet", "error")


def test_a_fallback_s_own_fallbacks_are_not_followed() -> None:
    models = {m.name: m for m in (
        ModelConfig(name="a", provider="p", id="a", fallback=["b", "a"]),
        ModelConfig(name="b", provider="p", id="b", fallback=["c"]),
        ModelConfig(name="c", provider="p", id="c"),
    )}  # fmt: skip
    assert [m.name for m in chain_of(models["a"], models.__getitem__)] == ["a", "b"]


async def test_cache_auto_asks_the_adapter_to_cache(tmp_path: Path, llm_server: LLMServer, second: LLMServer) -> None:
    runtime = world(tmp_path, llm_server, second)
    assert runtime.request(runtime.model("sonnet"), HELLO).cache is True
    assert runtime.request(runtime.model("gpt"), HELLO).cache is False
