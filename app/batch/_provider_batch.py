"""Handing rows to a provider's own batch engine, and reading its results back.

The body of each request is the adapter's own body for the row, without the
streaming fields, and each result is read by the adapter's own parser
(`feed_json`), so that text, usage and finish reasons mean what they mean in
chat. A row's `custom_id` is `row-N` (N its position in the input).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from app.errors import ProviderError, UsageError
from app.providers.base import Answer, ChatRequest
from app.store import BatchRow
from app.types import Message, status_of

from app.batch._inputs import BatchInput

if TYPE_CHECKING:
    import httpx

    from app.config import ModelConfig
    from app.runtime import Runtime

BATCH_PRICE = 0.5
"""The providers' batch engines charge half their usual price."""

_STREAMING_FIELDS = ("stream", "stream_options")


@dataclass(frozen=True, slots=True)
class BatchState:
    """What the provider says of a batch: its own status word, whether it ended, and its counts."""

    status: str
    ended: bool
    counts: Mapping[str, int]


class BatchApi(Protocol):
    async def submit(self, requests: list[tuple[str, dict[str, Any]]]) -> str:
        """Send `(custom_id, body)` pairs as one batch; returns the provider's batch id."""
        ...

    async def state(self, batch_id: str) -> BatchState: ...

    def results(self, batch_id: str) -> AsyncIterator[tuple[str, Any, str | None]]:
        """`(custom_id, response body or None, error or None)` of every request that has a result."""
        ...


def custom_id(row: int) -> str:
    return f"row-{row}"


def row_of(ident: str) -> int | None:
    number = ident.removeprefix("row-")
    return int(number) if number.isdigit() else None


class ProviderBatch:
    """One model's rows through its provider's batch API (OpenAI, Anthropic or Gemini).

    Raises:
        UsageError: the model's provider has no batch API orch speaks (echo).
    """

    def __init__(self, runtime: Runtime, model: ModelConfig, system: str | None = None, *,
                 options: Mapping[str, Any] | None = None, schema: Mapping[str, Any] | None = None) -> None:  # fmt: skip
        from functools import partial

        from app.batch._anthropic_batch import AnthropicBatches
        from app.batch._gemini_batch import GeminiBatches
        from app.batch._openai_batch import OpenAIBatches

        config = runtime.config.providers[model.provider]
        apis = {"openai": OpenAIBatches, "anthropic": AnthropicBatches, "gemini": partial(GeminiBatches, model=model.id)}
        if config.kind not in apis:
            raise UsageError(f"--provider-batch works with OpenAI, Anthropic and Gemini providers; {model.provider} is "
                             f"{config.kind}", "Run it without --provider-batch.")  # fmt: skip
        self._runtime, self._model, self._system = runtime, model, system
        self._options, self._schema = options, schema
        self._provider: Any = runtime.provider(model)
        key = runtime.keys.get(model.provider, config.key)
        headers = {**self._provider.request_headers(key), **config.headers}
        self.api: BatchApi = apis[config.kind](runtime.client(), str(config.base_url).rstrip("/"), headers,
                                               model.provider)  # fmt: skip

    def _request(self, text: str, system: str | None = None) -> ChatRequest:
        return self._runtime.request(self._model, (Message("user", text),), system, self._options, schema=self._schema)

    def body(self, item: BatchInput) -> dict[str, Any]:
        return self.prompt_body(item.text, self._system)

    def prompt_body(self, prompt: str, system: str | None) -> dict[str, Any]:
        """The body of one request: `prompt` under `system` (a chain step's, rendered for its row)."""
        body = dict(self._provider.request_body(self._request(prompt, system)))
        for name in _STREAMING_FIELDS:
            body.pop(name, None)
        return body

    def parse(self, row: int, ident: str, response: Any, error: str | None) -> BatchRow:
        """A result, read by the adapter's parser as a whole (non-streamed) answer."""
        if error is not None or response is None:
            return BatchRow(row, ident, "error", "", error=error or "no result")
        request = self._request("")
        parser = self._provider.parser_for(self._provider.endpoint(request), request)
        answer = Answer()
        try:
            for event in (*parser.feed_json(response), *parser.finish()):
                answer.add(event)
        except ProviderError as exc:
            return BatchRow(row, ident, "error", answer.text, error=exc.message)
        from app.runtime import cost as price

        full = price(self._model.pricing, answer.input_tokens, answer.output_tokens, answer.cached_tokens,
                     answer.cache_write_tokens)  # fmt: skip
        cost = None if full is None else full * BATCH_PRICE
        return BatchRow(row, ident, status_of(answer.finish_reason), answer.text, answer.input_tokens,
                        answer.output_tokens, cost)  # fmt: skip


class BatchClient:
    """What both batch APIs share: the client, the base URL and headers, and checked calls.

    Args:
        client: the shared HTTP client.
        base_url: the provider's `base_url`.
        headers: the adapter's headers (the key among them).
        provider: the provider's name, for messages.
    """

    def __init__(self, client: httpx.AsyncClient, base_url: str, headers: Mapping[str, str], provider: str) -> None:
        self._client, self._base, self._headers, self._provider = client, base_url, dict(headers), provider

    async def call(self, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response:
        """`method url` (a path is taken under `base_url`); a failure raises a `ProviderError` saying `what` failed."""
        full = url if url.startswith(("http://", "https://")) else self._base + url
        response = await self._client.request(method, full, headers=self._headers, **kwargs)
        if not response.is_success:
            raise http_failure(self._provider, what, response)
        return response

    async def json_lines(self, url: str) -> AsyncIterator[Any]:
        """The JSON lines of a results file."""
        response = await self.call("GET", url, "give the batch's results")
        for line in response.text.splitlines():
            if line.strip():
                yield json.loads(line)


def http_failure(provider: str, what: str, response: httpx.Response) -> ProviderError:
    """A batch API call that failed, said without the body's secrets (only its status and message)."""
    message = ""
    try:
        data = response.json()
        error = data.get("error") if isinstance(data, dict) else None
        message = error.get("message", "") if isinstance(error, dict) else ""
    except ValueError:
        pass
    detail = f": {' '.join(str(message).split())[:200]}" if message else ""
    return ProviderError(f"{provider} refused to {what} (HTTP {response.status_code}){detail}")
