"""What the three parsers make of usage, refusals and odd but valid streams (issue 10 items 5, 10, 19;
issue 14 items 8, 11)."""

from __future__ import annotations

import json

import httpx
import pytest

from app import errors
from app.config import AnthropicProviderConfig, GeminiProviderConfig, NetworkConfig, OpenAIProviderConfig
from app.http import RetryPolicy, create_client
from app.providers import create_provider
from app.providers.base import Answer, ChatRequest, Message
from app.types import status_of
from tests.support.wire import anthropic_events, openai_events

CONFIGS = {
    "openai": OpenAIProviderConfig(kind="openai", base_url="https://llm.test/v1"),
    "anthropic": AnthropicProviderConfig(kind="anthropic", base_url="https://llm.test"),
    "gemini": GeminiProviderConfig(kind="gemini", base_url="https://llm.test"),
}


def sse(*payloads: object, event: str | None = None) -> str:
    head = f"event: {event}\n" if event else ""
    return "".join(f"{head}data: {p if isinstance(p, str) else json.dumps(p)}\n\n" for p in payloads)


async def answer_of(kind: str, body: str, sent: list[httpx.Request] | None = None,
                    request: ChatRequest | None = None) -> Answer:  # fmt: skip
    """The answer the `kind` adapter reads from an SSE `body`."""

    def serve(req: httpx.Request) -> httpx.Response:
        if sent is not None:
            sent.append(req)
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body.encode())

    network = NetworkConfig(max_retries=0)
    client = create_client(network, retry=RetryPolicy.from_network(network), transport=httpx.MockTransport(serve))
    provider = create_provider(kind, CONFIGS[kind], "key-0123456789", client)
    answer = Answer()
    try:
        async for event in provider.stream(request or ChatRequest("m", (Message("user", "hi"),))):
            answer.add(event)
    finally:
        await client.aclose()
    return answer


# --- usage (issue 10 item 10, issue 14 item 8) -------------------------------------------------


async def test_openai_cached_tokens_come_from_prompt_tokens_details() -> None:
    usage = {"prompt_tokens": 100, "completion_tokens": 5, "prompt_tokens_details": {"cached_tokens": 64}}
    body = sse({"choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}]},
               {"choices": [], "usage": usage}, "[DONE]")  # fmt: skip
    answer = await answer_of("openai", body)
    assert (answer.input_tokens, answer.cached_tokens, answer.output_tokens) == (100, 64, 5)


async def test_anthropic_cache_reads_and_writes_are_input_tokens() -> None:
    start = {"type": "message_start", "message": {"usage": {
        "input_tokens": 10, "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 200, "output_tokens": 1}}}
    body = (sse(start, event="message_start")
            + sse({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "ok"}})
            + sse({"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 7}})
            + sse({"type": "message_stop"}))  # fmt: skip
    answer = await answer_of("anthropic", body)
    assert (answer.input_tokens, answer.cached_tokens, answer.output_tokens) == (1210, 1000, 7)
    assert answer.text == "ok"


async def test_gemini_thoughts_are_output_tokens_and_cached_content_is_cached() -> None:
    chunk = {"candidates": [{"content": {"parts": [{"text": "ok"}]}, "finishReason": "STOP"}],
             "usageMetadata": {"promptTokenCount": 50, "candidatesTokenCount": 3, "thoughtsTokenCount": 40,
                               "cachedContentTokenCount": 32}}  # fmt: skip
    answer = await answer_of("gemini", sse(chunk))
    assert (answer.input_tokens, answer.cached_tokens, answer.output_tokens) == (50, 32, 43)


@pytest.mark.parametrize("kind", ["openai", "anthropic", "gemini"])
async def test_token_counts_sent_as_strings_are_read_and_nonsense_ignored(kind: str) -> None:
    """`"prompt_tokens": "3"` is 3; a count that is a list or a word is unknown; the answer is kept."""
    if kind == "openai":
        body = sse({"choices": [{"index": 0, "delta": {"content": "kept"}, "finish_reason": "stop"}]},
                   {"choices": [], "usage": {"prompt_tokens": "3", "completion_tokens": ["x"]}}, "[DONE]")  # fmt: skip
    elif kind == "anthropic":
        events = anthropic_events("kept", input_tokens=10)
        body = "".join(events).replace('"input_tokens": 10', '"input_tokens": "3"')
        body = body.replace('"usage": {"output_tokens": 1}', '"usage": {"output_tokens": "many"}')
        body = body.replace('{"output_tokens": 1}', '{"output_tokens": "many"}')
    else:
        body = sse({"candidates": [{"content": {"parts": [{"text": "kept"}]}, "finishReason": "STOP"}],
                    "usageMetadata": {"promptTokenCount": "3", "candidatesTokenCount": {"n": 1}}})  # fmt: skip
    answer = await answer_of(kind, body)
    assert answer.text == "kept"
    assert answer.input_tokens == 3
    if kind != "anthropic":
        assert answer.output_tokens is None


# --- refusals and truncation (issue 10 item 5) --------------------------------------------------


async def test_openai_refusal_is_the_answer_text_and_ends_as_refused() -> None:
    body = sse({"choices": [{"index": 0, "delta": {"role": "assistant", "content": None, "refusal": ""}}]},
               {"choices": [{"index": 0, "delta": {"refusal": "I can't help "}}]},
               {"choices": [{"index": 0, "delta": {"refusal": "with that."}}]},
               {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}, "[DONE]")  # fmt: skip
    answer = await answer_of("openai", body)
    assert answer.text == "I can't help with that."
    assert answer.finish_reason == "refusal"
    assert status_of(answer.finish_reason) == "refused"


@pytest.mark.parametrize(("events", "status"), [
    (openai_events("cut", finish="length"), "truncated"),
    (openai_events("filtered", finish="content_filter"), "refused"),
    (anthropic_events("cut", finish="max_tokens"), "truncated"),
    (anthropic_events("no", finish="refusal"), "refused"),
])  # fmt: skip
async def test_a_finish_reason_the_provider_cut_with_gives_its_status(events: list[str], status: str) -> None:
    kind = "openai" if "chatcmpl" in events[0] else "anthropic"
    answer = await answer_of(kind, "".join(events))
    assert status_of(answer.finish_reason) == status


@pytest.mark.parametrize(("reason", "status"), [("MAX_TOKENS", "truncated"), ("SAFETY", "refused"),
                                                ("RECITATION", "refused")])  # fmt: skip
async def test_gemini_finish_reasons_give_their_status(reason: str, status: str) -> None:
    answer = await answer_of("gemini", sse({"candidates": [{"content": {"parts": [{"text": "a"}]}, "finishReason": reason}]}))
    assert status_of(answer.finish_reason) == status


# --- streams the official SDKs accept (issue 10 item 19) -----------------------------------------


async def test_anthropic_done_after_a_whole_stream_is_skipped() -> None:
    body = "".join(anthropic_events("all of it")) + "data: [DONE]\n\n"
    answer = await answer_of("anthropic", body)
    assert (answer.text, answer.finish_reason) == ("all of it", "end_turn")


async def test_anthropic_named_event_with_empty_data_is_skipped() -> None:
    events = anthropic_events("all of it")
    body = "".join([*events[:2], "event: content_block_delta\ndata: \n\n", *events[2:]])
    answer = await answer_of("anthropic", body)
    assert answer.text == "all of it"


# --- hostile shapes (issue 14 item 11) ---------------------------------------------------------


async def test_anthropic_text_delta_that_is_not_text_is_a_stream_error() -> None:
    events = anthropic_events("fine")
    bad = sse({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": 42}},
              event="content_block_delta")  # fmt: skip
    with pytest.raises(errors.StreamError, match="could not read"):
        await answer_of("anthropic", "".join([*events[:4], bad, *events[4:]]))


@pytest.mark.parametrize("kind", ["openai", "anthropic", "gemini"])
async def test_a_prompt_with_lone_surrogates_is_sent_as_valid_utf8(kind: str) -> None:
    """A prompt from undecodable bytes (argv, stdin with surrogateescape) reaches the server, U+FFFD in place."""
    sent: list[httpx.Request] = []
    request = ChatRequest("m", (Message("user", "caf\udce9 \ud800 ok"),), system="sys \udcff")
    bodies = {"openai": "".join(openai_events("fine")), "anthropic": "".join(anthropic_events("fine")),
              "gemini": sse({"candidates": [{"content": {"parts": [{"text": "fine"}]}, "finishReason": "STOP"}]})}
    answer = await answer_of(kind, bodies[kind], sent, request)
    assert answer.text == "fine"
    text = sent[0].read().decode("utf-8")
    assert "caf\ufffd \ufffd ok" in text and "sys \ufffd" in text


async def test_an_error_body_quoted_in_a_message_has_its_escapes_made_visible() -> None:
    """Issue 14 item 1: a provider's error text never reaches the terminal as control sequences."""
    hostile = "bad \x1b]0;PWNED\x1b\\ request \x1b[2J \x9b31m"

    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": {"message": hostile}})

    network = NetworkConfig(max_retries=0)
    client = create_client(network, transport=httpx.MockTransport(serve))
    provider = create_provider("openai", CONFIGS["openai"], "key-0123456789", client)
    with pytest.raises(errors.BadRequestError) as caught:
        async for _ in provider.stream(ChatRequest("m", (Message("user", "hi"),))):
            pass
    await client.aclose()
    text = "\n".join(caught.value.lines())
    assert "\x1b" not in text and "\x9b" not in text
    assert "bad ␛]0;PWNED␛\\ request" in text
