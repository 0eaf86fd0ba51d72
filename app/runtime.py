"""The wired parts a conversation or a chain talks to models through.

A `Runtime` owns the configuration, the key ring, the one shared HTTP client
(created on first need) and one provider adapter per configured provider.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from app.config import Config, ModelConfig
from app.errors import UsageError
from app.keys import KeyRing
from app.providers import create_provider
from app.providers.base import ChatRequest, Event, Message, Provider

if TYPE_CHECKING:
    import httpx


class Runtime:
    def __init__(self, config: Config, keys: KeyRing) -> None:
        self.config = config
        self.keys = keys
        self._client: httpx.AsyncClient | None = None
        self._providers: dict[str, Provider] = {}

    def model(self, name: str) -> ModelConfig:
        return self.config.find_model(name)

    def needs_password(self, model: ModelConfig) -> bool:
        """Would talking to `model` first need the vault password?"""
        provider = self.config.providers[model.provider]
        return model.provider not in self._providers and self.keys.needs_password(provider.key)

    def provider(self, model: ModelConfig) -> Provider:
        """The adapter for `model`'s provider, built (and its key found) on first use."""
        name = model.provider
        if self._holds_vault_keys() and not self.keys.unlocked:
            # The vault locked itself (idle) since these adapters got their keys: they go too.
            self.forget_keys()
        if name not in self._providers:
            config = self.config.providers[name]
            key = self.keys.get(name, config.key)
            client = None if config.kind == "echo" else self.client()
            self._providers[name] = create_provider(name, config, key, client)
        return self._providers[name]

    def _holds_vault_keys(self) -> bool:
        return any(
            (key := self.config.providers[n].key) is not None and key.vault is not None for n in self._providers
        )

    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            from app.http import create_client

            self._client = create_client(self.config.network)
        return self._client

    def forget_keys(self) -> None:
        """Drop adapters holding keys (after `/lock`): the next request finds keys again."""
        self._providers = {n: p for n, p in self._providers.items() if self.config.providers[n].key is None}
        self.keys.lock()

    def request(
        self,
        model: ModelConfig,
        messages: Sequence[Message],
        system: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> ChatRequest:
        """A request for `model`, its configured options overlaid with `options`."""
        try:
            merged = model.options.merged(options or {})
        except Exception as exc:  # pydantic.ValidationError, kept out of the import path
            raise UsageError(f"invalid option for {model.name}: {_first_error(exc)}") from None
        return ChatRequest(model.id, tuple(messages), system, merged.to_request())

    def stream(
        self,
        model: ModelConfig,
        messages: Sequence[Message],
        system: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[Event]:
        """Stream `model`'s answer to `messages`."""
        request = self.request(model, messages, system, options)
        return self.provider(model).stream(request)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        if first["type"] == "extra_forbidden":
            return f"unknown option '{where}'"
        return f"{where}: {first['msg']}"
    return str(exc)
