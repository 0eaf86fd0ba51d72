"""`list_models`: each kind's model list read from the loopback server, with the adapter's own headers."""

from __future__ import annotations

import pytest

from app.config import AnthropicProviderConfig, GeminiProviderConfig, NetworkConfig, OpenAIProviderConfig
from app.http import create_client
from app.providers import list_models
from tests.support.llm_server import LLMServer, Reply

KEY = "key-0123456789abcdef"
CONFIGS = {"openai": OpenAIProviderConfig, "anthropic": AnthropicProviderConfig, "gemini": GeminiProviderConfig}
BODIES = {
    "openai": {"object": "list", "data": [{"id": "b"}, {"id": "a"}, {"id": 3}, "junk"]},
    "anthropic": {"data": [{"type": "model", "id": "b"}, {"type": "model", "id": "a"}], "has_more": False},
    "gemini": {"models": [{"name": "models/b"}, {"name": "models/a"}, {}]},
}
ASKED = {"openai": "/v1/models", "anthropic": "/v1/models?limit=1000", "gemini": "/v1beta/models?pageSize=1000"}
KEY_HEADER = {"openai": ("authorization", f"Bearer {KEY}"), "anthropic": ("x-api-key", KEY),
              "gemini": ("x-goog-api-key", KEY)}  # fmt: skip


@pytest.mark.parametrize("kind", ["openai", "anthropic", "gemini"])
async def test_each_kind_s_list_is_read(llm_server: LLMServer, kind: str) -> None:
    llm_server.script(Reply.json(200, BODIES[kind]))
    async with create_client(NetworkConfig()) as client:
        config = CONFIGS[kind](kind=kind, base_url=llm_server.base_url(kind))
        listing = await list_models("p", config, KEY, client)

    assert (listing.ids, listing.error) == (("a", "b"), None)
    sent = llm_server.requests[0]
    assert (sent.method, sent.path) == ("GET", ASKED[kind])
    name, value = KEY_HEADER[kind]
    assert sent.headers[name] == value
    assert "?" not in listing.url and KEY not in listing.url


async def test_a_server_that_never_answers_costs_the_short_timeout_only(llm_server: LLMServer) -> None:
    llm_server.script(Reply(200, hang=True))
    async with create_client(NetworkConfig()) as client:
        config = OpenAIProviderConfig(kind="openai", base_url=llm_server.base_url("openai"))
        listing = await list_models("slow", config, None, client, timeout_s=0.2)
    assert listing.ids == () and listing.error and "slow" in listing.error
