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


@pytest.mark.parametrize(
    ("kind", "first", "second", "asked_next"),
    [
        ("anthropic", {"data": [{"id": "a"}], "has_more": True, "last_id": "a"}, {"data": [{"id": "b"}], "has_more": False},
         "/v1/models?limit=1000&after_id=a"),
        ("gemini", {"models": [{"name": "models/a"}], "nextPageToken": "t/2="}, {"models": [{"name": "models/b"}]},
         "/v1beta/models?pageSize=1000&pageToken=t/2%3D"),
    ],
)  # fmt: skip
async def test_every_page_is_read(llm_server: LLMServer, kind, first, second, asked_next) -> None:
    llm_server.script(Reply.json(200, first), Reply.json(200, second))
    async with create_client(NetworkConfig()) as client:
        listing = await list_models("p", CONFIGS[kind](kind=kind, base_url=llm_server.base_url(kind)), KEY, client)
    assert (listing.ids, listing.error) == (("a", "b"), None)
    assert [r.path for r in llm_server.requests] == [ASKED[kind], asked_next]


async def test_a_server_that_always_says_more_is_read_a_bounded_number_of_pages(llm_server: LLMServer) -> None:
    from app.providers._listing import MAX_PAGES

    llm_server.script(*[Reply.json(200, {"models": [{"name": "models/a"}], "nextPageToken": "again"})] * (MAX_PAGES + 5))
    async with create_client(NetworkConfig()) as client:
        config = GeminiProviderConfig(kind="gemini", base_url=llm_server.base_url("gemini"))
        listing = await list_models("p", config, KEY, client)
    assert listing.ids == ("a",) and len(llm_server.requests) == MAX_PAGES
