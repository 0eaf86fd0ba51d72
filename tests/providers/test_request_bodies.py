"""What each adapter sends: option names per API, roles, system prompts, headers."""

from __future__ import annotations

import httpx

from app.config import (
    AnthropicProviderConfig,
    GeminiProviderConfig,
    KeySpec,
    NetworkConfig,
    OpenAIProviderConfig,
)
from app.http import RetryPolicy, create_client
from app.providers import create_provider
from app.providers.anthropic import messages_body
from app.providers.base import ChatRequest, Message, collect
from app.providers.gemini import generate_body
from app.providers.openai import chat_body
from tests.support.wire import WIRE, kind_for_path

EVERY_OPTION = {
    "temperature": 0.2,
    "max_tokens": 300,
    "top_p": 0.9,
    "top_k": 40,
    "seed": 7,
    "stop": ["END"],
    "presence_penalty": 0.1,
    "frequency_penalty": 0.3,
    "reasoning_effort": "low",
    "thinking_budget": 2048,
}
CONVERSATION = (Message("user", "hi"), Message("assistant", "hello"), Message("user", "bye"))


def request(**options: object) -> ChatRequest:
    return ChatRequest("the-model", CONVERSATION, system="Be brief.", options=options)


def test_openai_body() -> None:
    body = chat_body(request(**EVERY_OPTION))
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": "bye"},
    ]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    sent = {k: v for k, v in body.items() if k not in ("model", "messages", "stream", "stream_options")}
    assert sent == {
        "temperature": 0.2,
        "max_tokens": 300,
        "top_p": 0.9,
        "seed": 7,
        "stop": ["END"],
        "presence_penalty": 0.1,
        "frequency_penalty": 0.3,
        "reasoning_effort": "low",
    }


def test_openai_itself_gets_max_completion_tokens() -> None:
    body = chat_body(request(max_tokens=5), max_tokens_field="max_completion_tokens")
    assert body["max_completion_tokens"] == 5 and "max_tokens" not in body


def test_anthropic_body() -> None:
    body = messages_body(request(**EVERY_OPTION))
    assert body["system"] == "Be brief."
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert body["max_tokens"] == 300
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["output_config"] == {"effort": "low"}
    assert (body["temperature"], body["top_p"], body["top_k"], body["stop_sequences"]) == (0.2, 0.9, 40, ["END"])
    assert not {"seed", "presence_penalty", "frequency_penalty", "stop"} & body.keys()


def test_anthropic_max_tokens_default_leaves_room_after_thinking() -> None:
    assert messages_body(request())["max_tokens"] == 4096
    assert messages_body(request(thinking_budget=2000))["max_tokens"] == 6096


def test_gemini_body() -> None:
    body = generate_body(request(**EVERY_OPTION))
    assert body["systemInstruction"] == {"parts": [{"text": "Be brief."}]}
    assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
    assert body["generationConfig"] == {
        "temperature": 0.2,
        "maxOutputTokens": 300,
        "topP": 0.9,
        "topK": 40,
        "seed": 7,
        "stopSequences": ["END"],
        "presencePenalty": 0.1,
        "frequencyPenalty": 0.3,
        "thinkingConfig": {"thinkingBudget": 2048, "includeThoughts": True},
    }


def test_gemini_thinking_off_and_effort() -> None:
    assert generate_body(request(thinking_budget=0))["generationConfig"] == {"thinkingConfig": {"thinkingBudget": 0}}
    level = generate_body(request(reasoning_effort="high"))["generationConfig"]["thinkingConfig"]
    assert level == {"thinkingLevel": "high", "includeThoughts": True}
    assert "generationConfig" not in generate_body(request())


async def test_headers_and_urls() -> None:
    sent: list[httpx.Request] = []

    def serve(req: httpx.Request) -> httpx.Response:  # the vendor told by the path, as the loopback server does
        sent.append(req)
        body = "".join(WIRE[kind_for_path(req.url.path)]("ok"))
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, text=body)

    network = NetworkConfig()
    client = create_client(network, retry=RetryPolicy(), transport=httpx.MockTransport(serve))
    extra = {"x-title": "orch"}
    providers = [
        ("openai", OpenAIProviderConfig(kind="openai", base_url="https://api.openai.com/v1/", headers=extra)),
        ("anthropic", AnthropicProviderConfig(kind="anthropic", key=KeySpec(env="K"))),
        ("gemini", GeminiProviderConfig(kind="gemini")),
    ]
    async with client:
        for name, config in providers:
            answer = await collect(create_provider(name, config, "secret-key", client).stream(request(max_tokens=9)))
            assert answer.text == "ok"
    openai, anthropic, gemini = sent
    assert str(openai.url) == "https://api.openai.com/v1/chat/completions"
    assert openai.headers["authorization"] == "Bearer secret-key" and openai.headers["x-title"] == "orch"
    assert b'"max_completion_tokens":9' in openai.content
    assert str(anthropic.url) == "https://api.anthropic.com/v1/messages"
    assert anthropic.headers["x-api-key"] == "secret-key"
    assert anthropic.headers["anthropic-version"] == "2023-06-01"
    assert str(gemini.url) == (
        "https://generativelanguage.googleapis.com/v1beta/models/the-model:streamGenerateContent?alt=sse"
    )
    assert gemini.headers["x-goog-api-key"] == "secret-key"
    assert all("secret-key" not in str(r.url) for r in sent)
    assert openai.headers["user-agent"].startswith("orch/")
