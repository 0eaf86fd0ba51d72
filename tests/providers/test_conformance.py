"""Every recorded provider response, replayed byte for byte through the adapters.

The recordings and their expected.json live in ../shared/fixtures/providers
(see its SOURCES.md). Each interaction is served by `httpx.MockTransport`
with its recorded status, headers and body, whatever the adapter asked; the
answer (text, thinking, tokens, finish reason) or the error (its class and
the provider's own message) must match expected.json.
"""

from __future__ import annotations

import json

import httpx
import pytest

from app import errors
from app.providers.base import Answer
from tests.support.cassettes import KEY, RETRIES, Cassette, Recorded, Replay, base_url, cassettes, replay

ALL = list(cassettes())
CASES = [pytest.param(c, i, id=f"{c.name}#{i + 1}") for c in ALL for i in range(len(c.interactions))]
ERROR_CLASSES = {400: errors.BadRequestError, 404: errors.ModelNotFoundError, 429: errors.RateLimitError}
# expected.json keeps each service's own stop reason; adapters say a stop to call tools in the one vocabulary.
ONE_VOCABULARY = {"tool_use": "tool_calls"}


def test_every_folder_has_recordings() -> None:
    assert {c.folder for c in ALL} == {"openai", "ollama", "anthropic", "gemini"}
    assert len(ALL) >= 20


@pytest.mark.parametrize(("cassette", "index"), CASES)
async def test_replay_matches_expected(cassette: Cassette, index: int) -> None:
    recorded = cassette.interactions[index]
    expected = cassette.expected_for(index)
    result = await replay(cassette.kind, recorded)

    assert expected["status"] == recorded.status
    if recorded.status >= 400:
        assert result.error is not None, f"expected an error, got {result.answer}"
        assert_error(result, recorded, expected)
    else:
        assert result.error is None, f"unexpected {type(result.error).__name__}: {result.error}"
        assert_answer(result.answer, expected)
    assert_request(cassette.kind, result.sent[0], recorded)


def assert_answer(answer: Answer | None, expected: dict) -> None:
    assert answer is not None
    assert answer.text == expected["text"]
    assert answer.thinking == (expected.get("thinking") or expected.get("reasoning") or "")
    assert answer.input_tokens == expected["input_tokens"]
    # Gemini's thoughts are billed as output (DESIGN, Providers): expected.json gives them apart.
    assert answer.output_tokens == _sum(expected["output_tokens"], expected.get("thoughts_tokens"))
    # The one vocabulary (DESIGN, Providers): Anthropic's `tool_use` is `tool_calls`, and Gemini says
    # STOP also when it stopped to have functions called.
    called = expected["finish_reason"] == "STOP" and expected.get("tool_calls")
    wanted = "tool_calls" if called else ONE_VOCABULARY.get(expected["finish_reason"], expected["finish_reason"])
    assert answer.finish_reason == wanted


def _sum(*counts: int | None) -> int | None:
    given = [c for c in counts if c is not None]
    return sum(given) if given else None


def assert_error(result: Replay, recorded: Recorded, expected: dict) -> None:
    error = result.error
    assert isinstance(error, ERROR_CLASSES[recorded.status])
    body = recorded.json_body()
    raw = ((body.get("error") or {}).get("metadata") or {}).get("raw")
    said = " ".join((raw or expected["error_message"]).split())
    assert said in error.message
    assert KEY not in str(error)
    assert result.text_before_error == ""
    if recorded.status == 404:
        assert f"'{recorded.model_id}'" in error.message
    if recorded.status == 429:
        assert len(result.sent) == RETRIES + 1
        assert f"{RETRIES + 1} tries" in error.message
        assert len(result.waits) == RETRIES
    else:
        assert len(result.sent) == 1


def assert_request(kind: str, sent: httpx.Request, recorded: Recorded) -> None:
    """The adapter asked the recorded service, with the key in a header and never in the URL."""
    assert sent.method == "POST"
    assert str(sent.url).startswith(base_url(kind, recorded.uri))
    assert KEY not in str(sent.url)
    header = {"openai": "authorization", "anthropic": "x-api-key", "gemini": "x-goog-api-key"}[kind]
    assert KEY in sent.headers[header]
    body = json.loads(sent.read())
    if kind == "gemini":
        assert body["contents"] == [{"role": "user", "parts": [{"text": "hi"}]}]
        assert str(sent.url).endswith(":streamGenerateContent?alt=sse")
    else:
        assert body["stream"] is True
        assert body["model"] == recorded.model_id
