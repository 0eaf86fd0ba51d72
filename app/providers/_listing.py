"""The models a provider's server lists (`orch models --refresh`).

    openai     GET {base_url}/models                  {"data": [{"id": …}, …]}   (Ollama, LM Studio, vLLM, OpenRouter)
    anthropic  GET {base_url}/v1/models?limit=1000    {"data": [{"id": …}, …]}
    gemini     GET {base_url}/v1beta/models?pageSize=1000   {"models": [{"name": "models/…"}, …]}

The request carries the adapter's own headers (its key among them, when it
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
    try:
        body = await get_json(client, url, headers=headers, timeout_s=timeout_s)
    except HttpFailure as failure:
        return ModelList(name, shown, error=_said(Endpoint(name, url, "", config.key, key is not None, key), failure))
    entries = body.get(field) if isinstance(body, dict) else None
    if not isinstance(entries, list):
        return ModelList(name, shown, error=f"{name} answered {shown} with something that is not a list of models")
    ids = (entry.get(id_field) for entry in entries if isinstance(entry, dict))
    return ModelList(name, shown, tuple(sorted({i.removeprefix(prefix) for i in ids if isinstance(i, str) and i})))


def _said(endpoint: Endpoint, failure: HttpFailure) -> str:
    """A failure in one line, scrubbed of the key."""
    if failure.kind is FailureKind.STATUS:
        detail, _ = provider_detail(failure.body, failure.content_type)
        said = f": {endpoint.scrub(detail)}" if detail.strip() else ""
        return f"{endpoint.provider} answered {endpoint.url.split('?', 1)[0]} with {failure.status}{said}"
    if failure.kind is FailureKind.NOT_JSON_NOR_SSE:
        return f"{endpoint.provider} answered {endpoint.url.split('?', 1)[0]} with something that is not JSON"
    return endpoint.scrub(provider_error(endpoint, failure).message)
