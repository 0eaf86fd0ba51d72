"""The models a provider's server lists (`orch models --refresh`).

    openai     GET {base_url}/models                  {"data": [{"id": …}, …]}   (Ollama, LM Studio, vLLM, OpenRouter)
    anthropic  GET {base_url}/v1/models?limit=1000    {"data": [{"id": …}, …]}
    gemini     GET {base_url}/v1beta/models?pageSize=1000   {"models": [{"name": "models/…"}, …]}

Anthropic and Gemini say when there is a next page (`has_more` + `last_id`,
`nextPageToken`); it is read too, up to `MAX_PAGES`. The request carries the adapter's own headers (its key among them, when it
has one). Whatever goes wrong is one line in `ModelList.error`, never raised:
one server that is down must not hide what the others list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.http import FailureKind, HttpFailure, get_json
from app.providers._http import Endpoint, HttpProvider
from app.providers.errors import provider_detail, provider_error

if TYPE_CHECKING:
    import httpx

    from app.providers._http import HttpProviderConfig

__all__ = ["LISTED_KINDS", "ModelList", "list_models"]

# kind -> (path after base_url, the field holding the list, each entry's id field, a prefix to drop)
_LISTS = {
    "openai": ("/models", "data", "id", ""),
    "anthropic": ("/v1/models?limit=1000", "data", "id", ""),
    "gemini": ("/v1beta/models?pageSize=1000", "models", "name", "models/"),
}
LISTED_KINDS = frozenset(_LISTS)
"""The provider kinds whose servers can be asked for their models."""

LIST_TIMEOUT_S = 5.0
MAX_PAGES = 20
"""Pages read at most from one server: a server that says "more" for ever is not followed for ever."""


@dataclass(frozen=True)
class ModelList:
    """What one provider's server said: its model ids, or why there are none (one line, no key in it)."""

    provider: str
    url: str
    ids: tuple[str, ...] = ()
    error: str | None = None


async def list_models(
    name: str, config: HttpProviderConfig, key: str | None, client: httpx.AsyncClient,
    *, timeout_s: float = LIST_TIMEOUT_S,
) -> ModelList:  # fmt: skip
    """Ask provider `name`'s server for the models it serves, within `timeout_s`, without retrying."""
    from app.providers import create_provider

    path, field, id_field, prefix = _LISTS[config.kind]
    url = str(config.base_url).rstrip("/") + path
    provider = create_provider(name, config, key, client)
    assert isinstance(provider, HttpProvider)
    headers = {**provider.request_headers(key), **config.headers}
    shown = url.split("?", 1)[0]
    found: set[str] = set()
    page_url: str | None = url
    for _ in range(MAX_PAGES):
        if page_url is None:
            break
        try:
            body = await get_json(client, page_url, headers=headers, timeout_s=timeout_s)
        except HttpFailure as failure:
            endpoint = Endpoint(name, page_url, "", config.key, key is not None, key)
            return ModelList(name, shown, error=_said(endpoint, failure))
        entries = body.get(field) if isinstance(body, dict) else None
        if not isinstance(entries, list):
            return ModelList(name, shown, error=f"{name} answered {shown} with something that is not a list of models")
        ids = (entry.get(id_field) for entry in entries if isinstance(entry, dict))
        found |= {i.removeprefix(prefix) for i in ids if isinstance(i, str) and i}
        page_url = _next_page(config.kind, url, body)
    return ModelList(name, shown, tuple(sorted(found)))


def _next_page(kind: str, url: str, body: dict) -> str | None:
    """The URL of the page after `body`, when the server says there is one (Anthropic's `has_more` with
    `last_id`, Gemini's `nextPageToken`); OpenAI-compatible servers list everything at once."""
    from urllib.parse import quote

    if kind == "anthropic" and body.get("has_more") is True and isinstance(body.get("last_id"), str):
        return f"{url}&after_id={quote(body['last_id'])}"
    token = body.get("nextPageToken") if kind == "gemini" else None
    return f"{url}&pageToken={quote(token)}" if isinstance(token, str) and token else None


def _said(endpoint: Endpoint, failure: HttpFailure) -> str:
    """A failure in one line, scrubbed of the key."""
    if failure.kind is FailureKind.STATUS:
        detail, _ = provider_detail(failure.body, failure.content_type)
        said = f": {endpoint.scrub(detail)}" if detail.strip() else ""
        return f"{endpoint.provider} answered {endpoint.url.split('?', 1)[0]} with {failure.status}{said}"
    if failure.kind is FailureKind.NOT_JSON_NOR_SSE:
        return f"{endpoint.provider} answered {endpoint.url.split('?', 1)[0]} with something that is not JSON"
    return endpoint.scrub(provider_error(endpoint, failure).message)
