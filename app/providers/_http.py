"""The base every HTTP adapter shares.

An adapter is its wire format and nothing else: the path appended to
`base_url`, its headers, its request body and its parser. `HttpProvider`
holds the rest (name, config, key, client), builds the `Endpoint` a request
goes to, streams the answer through `app.http.post_sse`, and turns what the
HTTP layer reports into the error tree (`app.providers.errors`) and, before
each retry, a `Retry` event.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from app.http import FailureKind, HttpFailure, RetryPolicy, post_sse
from app.providers.base import Finish, TextDelta
from app.text import visible
from app.providers.errors import cut_line, provider_error, retry_delay_s, retry_reason
from app.types import Retry

if TYPE_CHECKING:
    from app.config import AnthropicProviderConfig, GeminiProviderConfig, KeySpec, OpenAIProviderConfig
    from app.providers._parser import AnswerParser
    from app.providers.base import ChatRequest, Event

    HttpProviderConfig = OpenAIProviderConfig | AnthropicProviderConfig | GeminiProviderConfig

_DETAIL_LIMIT = 400
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Endpoint:
    """Who a request goes to, for messages: never holds anything secret in its repr.

    Attributes:
        provider: the provider's name in config.yaml.
        url: the full request URL (no key in it).
        model_id: the model id sent to the API.
        key_spec: where the provider's key comes from, for the "fix it" hint.
        has_key: whether a key was sent.
        secret: the key itself, only to scrub it from echoed server text.
    """

    provider: str
    url: str
    model_id: str
    key_spec: KeySpec | None = None
    has_key: bool = False
    secret: str | None = field(default=None, repr=False, compare=False)

    @property
    def origin(self) -> str:
        url = httpx.URL(self.url)
        port = f":{url.port}" if url.port else ""
        host = f"[{url.host}]" if ":" in url.host else url.host
        return f"{url.scheme}://{host}{port}"

    def scrub(self, text: str) -> str:
        """`text` on one line, shortened, with the key (if echoed back) masked and control characters shown."""
        text = visible(" ".join(text.split()))
        if self.secret and len(self.secret) >= 8:
            text = text.replace(self.secret, "[key]")
        return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 1] + "…"


def well_formed(value: Any) -> Any:
    """`value` (a JSON body) with every lone surrogate in its strings replaced by U+FFFD.

    Text decoded with `surrogateescape` (argv, a file of undecodable bytes)
    holds lone surrogates, which UTF-8 cannot encode: sent as they are, the
    request would fail before it left.
    """
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return _SURROGATE.sub("\ufffd", value)
        return value
    if isinstance(value, dict):
        return {well_formed(k): well_formed(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [well_formed(v) for v in value]
    return value


def _retry_event(failure: HttpFailure, delay_s: float) -> Retry:
    return Retry(failure.tries, delay_s, retry_reason(failure))


class HttpProvider:
    """A provider reached over HTTP; a subclass gives its wire format.

    Subclasses set `path` (appended to `base_url`) and `parser_class`, and
    implement `request_headers` and `request_body`; one whose URL depends on
    the model overrides `url`, one whose parser must know more of the request
    than its endpoint overrides `parser_for`.

    Args:
        name: the provider's name in config.yaml (used in messages).
        config: its entry in config.yaml.
        key: the API key, or None when none is sent.
        client: the shared HTTP client.
        policy: overrides the client's retry policy.
    """

    path: ClassVar[str] = ""
    parser_class: ClassVar[type[AnswerParser]]

    def __init__(
        self,
        name: str,
        config: HttpProviderConfig,
        key: str | None,
        client: httpx.AsyncClient,
        *,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.client = client
        self._key = key
        self._policy = policy

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.config.base_url!r})"

    def url(self, model_id: str) -> str:
        """The URL an answer from `model_id` is asked at."""
        return self.config.base_url.rstrip("/") + self.path

    def request_headers(self, key: str | None) -> dict[str, str]:
        """The wire format's own headers, `key` (when there is one) among them."""
        raise NotImplementedError

    def request_body(self, request: ChatRequest) -> dict[str, Any]:
        """The JSON body asking for a streamed answer to `request`."""
        raise NotImplementedError

    def endpoint(self, request: ChatRequest) -> Endpoint:
        key = self._key
        return Endpoint(self.name, self.url(request.model_id), request.model_id, self.config.key, key is not None, key)

    def parser_for(self, endpoint: Endpoint, request: ChatRequest) -> AnswerParser:
        """The parser of one answer to `request`."""
        return self.parser_class(endpoint)

    async def stream(self, request: ChatRequest) -> AsyncIterator[Event]:
        """Stream the answer to `request` as events, a `Retry` before each wait to try again.

        Raises:
            app.errors.ProviderError: with a message for the user.
        """
        endpoint = self.endpoint(request)
        parser = self.parser_for(endpoint, request)
        headers = {"content-type": "application/json", **self.request_headers(self._key), **self.config.headers}
        events = post_sse(
            self.client,
            endpoint.url,
            headers=headers,
            body=well_formed(self.request_body(request)),
            parser=parser,
            policy=self._policy,
            retry_delay=retry_delay_s,
            on_retry=_retry_event,
        )
        try:
            async with aclosing(events):
                async for event in events:
                    yield event
        except HttpFailure as failure:
            if failure.kind is not FailureKind.TOO_LARGE:
                raise provider_error(endpoint, failure) from failure
            # Kept, as an answer the provider cut short: what came within the limit, and a line saying so.
            for event in (*parser.usage(), TextDelta(cut_line(failure.size_limit)), Finish("length")):
                yield event
