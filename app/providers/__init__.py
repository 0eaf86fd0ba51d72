"""Model providers behind one protocol (see base.py).

`create_provider` maps a provider's `kind` to its adapter; adapters are
imported only when first used so that start-up stays light. Each HTTP
adapter (openai, anthropic, gemini) is its wire format on the one base in
`_http.py`; `errors.py` turns each vendor's error shapes and every HTTP
failure into the message a user reads; `echo` needs no network.
`list_models` asks a provider's server which models it serves (`_listing`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.providers.base import Provider

if TYPE_CHECKING:
    import httpx

    from app.config import ProviderConfig
    from app.providers._listing import LISTED_KINDS, ModelList, list_models

__all__ = ["LISTED_KINDS", "ModelList", "Provider", "create_provider", "list_models"]


def create_provider(
    name: str, config: ProviderConfig, key: str | None, client: httpx.AsyncClient | None
) -> Provider:
    """Build the adapter for one configured provider.

    Args:
        name: the provider's name in config.yaml (used in error messages).
        config: its entry; `config.kind` picks the wire format.
        key: the API key, or None when the provider needs none.
        client: the process's shared HTTP client (unused by `echo`).
    """
    if config.kind == "echo":
        from app.providers.echo import EchoProvider

        return EchoProvider(delay_s=config.delay_s)
    if client is None:
        raise ValueError(f"provider {name!r} of kind {config.kind!r} needs an HTTP client")
    if config.kind == "openai":
        from app.providers.openai import OpenAIProvider

        return OpenAIProvider(name, config, key, client)
    if config.kind == "anthropic":
        from app.providers.anthropic import AnthropicProvider

        return AnthropicProvider(name, config, key, client)
    if config.kind == "gemini":
        from app.providers.gemini import GeminiProvider

        return GeminiProvider(name, config, key, client)
    raise ValueError(f"unknown provider kind {config.kind!r}")


_LISTING = frozenset({"LISTED_KINDS", "ModelList", "list_models"})


def __getattr__(name: str) -> Any:
    # The model lists (`orch models --refresh`) need httpx: imported only when asked for.
    if name in _LISTING:
        from app.providers import _listing

        return getattr(_listing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
