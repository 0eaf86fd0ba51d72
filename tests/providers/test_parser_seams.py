"""What every adapter's parser shares: usage with cache writes, and a parser made per request."""

from __future__ import annotations

import httpx

from app.config import AnthropicProviderConfig, OpenAIProviderConfig
from app.providers import create_provider
from app.providers._http import Endpoint
from app.providers._parser import AnswerParser
from app.providers.anthropic import MessagesParser
from app.providers.base import ChatRequest, Message, Usage
from app.providers.openai import ChatParser

QUESTION = (Message("user", "Who?"),)
SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}}


class _Counting(AnswerParser):
    def count(self, **counts: int) -> None:
        for name, value in counts.items():
            setattr(self, f"_{name}", value)


def test_cache_writes_are_in_the_usage_of_any_parser() -> None:
    parser = _Counting(Endpoint("p", "https://llm.test/v1", "m"))
    parser.count(input=2112, output=40, cached=1800, cache_write=300)
    assert parser.usage() == [Usage(2112, 40, 1800, 300)]


def test_a_parser_with_only_cache_writes_still_reports_them() -> None:
    parser = _Counting(Endpoint("p", "https://llm.test/v1", "m"))
    parser.count(cache_write=300)
    assert parser.usage() == [Usage(cache_write_tokens=300)]
    assert _Counting(Endpoint("p", "https://llm.test/v1", "m")).usage() == []


async def test_the_default_parser_is_the_adapter_s_parser_class() -> None:
    async with httpx.AsyncClient() as client:
        provider = create_provider("o", OpenAIProviderConfig(kind="openai", base_url="https://llm.test/v1"), None, client)
        request = ChatRequest("m", QUESTION, schema=SCHEMA)
        assert type(provider.parser_for(provider.endpoint(request), request)) is ChatParser


async def test_anthropic_s_parser_knows_from_the_request_whether_the_answer_is_structured() -> None:
    async with httpx.AsyncClient() as client:
        config = AnthropicProviderConfig(kind="anthropic", base_url="https://llm.test")
        provider = create_provider("a", config, "sk-ant-0123456789", client)
        for schema, structured in ((SCHEMA, True), (None, False)):
            request = ChatRequest("m", QUESTION, schema=schema)
            endpoint = provider.endpoint(request)
            parser = provider.parser_for(endpoint, request)
            assert type(endpoint) is Endpoint  # the endpoint carries nothing of the request's shape
            assert isinstance(parser, MessagesParser) and parser._structured is structured
