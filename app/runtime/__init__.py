"""The wired parts every answer goes through, and `answer()`: the one way to get one.

A `Runtime` owns the configuration, the key ring, the one shared HTTP client
(created on first need) and one provider adapter per configured provider.

    async with runtime.answer(model, messages, system=..., options=..., tools=...) as turn:
        async for event in turn:        # TextDelta, ThinkingDelta, ToolCall, ToolResult, Usage, Finish
            view.feed(event)
    record = turn.record                # AnswerRecord: also after an error or Ctrl-C

Every caller (a chat, a chain step, a /compare pane, one-shot) takes its
answers this way; nothing else iterates a provider's stream. The record's
cost is computed here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from app.config import Config, ModelConfig, unknown_key
from app.errors import UsageError
from app.keys import KeyRing
from app.providers import create_provider
from app.providers.base import ChatRequest, Provider
from app.runtime._tools import Approver, ToolRoundsExceeded
from app.runtime._budget import Budget, usd
from app.runtime._pricing import Estimate, cost, estimate
from app.runtime._turn import Tools, Turn
from app.types import Message, ToolSpec

if TYPE_CHECKING:
    import httpx

__all__ = ["Approver", "Budget", "Estimate", "Runtime", "ToolRoundsExceeded", "Tools", "Turn", "cost", "estimate", "usd"]


class Runtime:
    def __init__(self, config: Config, keys: KeyRing) -> None:
        self.config = config
        self.keys = keys
        self._client: httpx.AsyncClient | None = None
        self._providers: dict[str, Provider] = {}
        self._closers: list[Callable[[], Awaitable[None]]] = []
        self.budget = Budget.of(config.budget)
        """The session's spend and its limits: every answer is checked against it and added to it."""

    def model(self, name: str) -> ModelConfig:
        return self.config.find_model(name)

    def needs_password(self, model: ModelConfig) -> bool:
        """Would talking to `model` first need the vault password?"""
        provider = self.config.providers[model.provider]
        return model.provider not in self._providers and self.keys.needs_password(provider.key)

    def prepare(self, models: Iterable[ModelConfig]) -> None:
        """Find the key of every model in `models` now (asking for the vault password at most once),
        before anything is drawn: a missing key is reported before the first step or pane starts.

        Raises:
            KeyMissingError, VaultLockedError, WrongPasswordError: a key cannot be had.
        """
        for model in {m.name: m for m in models}.values():
            self.provider(model)

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
        *,
        tools: tuple[ToolSpec, ...] = (),
        schema: Mapping[str, Any] | None = None,
    ) -> ChatRequest:
        """A request for `model`, its configured options overlaid with `options`; `schema`
        (a JSON Schema) asks for structured output.

        Raises:
            UsageError: an option the model does not take, or a value it rejects.
        """
        try:
            merged = model.options.merged(options or {})
        except Exception as exc:  # pydantic.ValidationError, kept out of the import path
            raise UsageError(f"invalid option for {model.name}: {_first_error(exc)}") from None
        return ChatRequest(model.id, tuple(messages), system, merged.to_request(), tools=tools, schema=schema,
                           cache=model.cache == "auto")

    def answer(
        self,
        model: ModelConfig,
        messages: Sequence[Message],
        *,
        system: str | None = None,
        options: Mapping[str, Any] | None = None,
        tools: Tools | None = None,
        approver: Approver | None = None,
        schema: Mapping[str, Any] | None = None,
    ) -> Turn:
        """`model`'s answer to `messages`, as a `Turn`: iterate it inside `async with` for the events;
        its `record` says what became of the answer however the block ended.

        Args:
            tools: what the model may call (a `ToolSession`, or a `Selection` of it); while it
                calls tools, each call is yielded (`ToolCall`), approved, run, its `ToolResult`
                yielded, and the model asked again, until it answers or `tools.max_rounds`.
            approver: asks the user about a call the approval policy does not let run unasked;
                None refuses such calls.
            schema: a JSON Schema: the answer is asked for as JSON following it, and a complete
                answer is checked when it ends; a mismatch raises `SchemaMismatch` naming the field
                (from the iteration), and the record keeps the text with status `error`.

        When `model` is overloaded or unreachable before its answer begins, its `fallback:` models
        answer in turn (a `Fallback` event says so; see `app.runtime._fallback`). A round is refused
        (`BudgetError`) when its estimate passes the budget, and the answer stops when its running
        cost does (see `app.runtime._budget`).
        """
        return Turn(self, model, messages, system, options or {}, tools, approver, schema=schema)

    def close_with(self, aclose: Callable[[], Awaitable[None]]) -> None:
        """Have `aclose()` also run `aclose` (the session's MCP servers, which live as long as it)."""
        self._closers.append(aclose)

    async def aclose(self) -> None:
        closers, self._closers = self._closers, []
        for close in closers:
            await close()
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        if unknown_key(first["type"]):
            return f"unknown option '{where}'"
        return f"{where}: {first['msg']}"
    return str(exc)
