"""The wired parts every answer goes through, and `answer()`: the one way to get one.

A `Runtime` owns the configuration, the key ring, the one shared HTTP client
(created on first need) and one provider adapter per configured provider.

    async with runtime.answer(model, messages, system=..., options=...) as turn:
        async for event in turn:        # TextDelta, ThinkingDelta, Usage, Finish
            view.feed(event)
    record = turn.record                # AnswerRecord: also after an error or Ctrl-C

Every caller (a chat, a chain step, a /compare pane, one-shot) takes its
answers this way; nothing else iterates a provider's stream. The record's
cost is computed here and nowhere else.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from app.config import Config, ModelConfig
from app.errors import OrchError, UsageError
from app.keys import KeyRing
from app.providers import create_provider
from app.providers.base import Answer, ChatRequest, Provider, close_stream
from app.types import AnswerRecord, Event, Finish, Message, Part, Status, status_of

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
    ) -> ChatRequest:
        """A request for `model`, its configured options overlaid with `options`.

        Raises:
            UsageError: an option the model does not take, or a value it rejects.
        """
        try:
            merged = model.options.merged(options or {})
        except Exception as exc:  # pydantic.ValidationError, kept out of the import path
            raise UsageError(f"invalid option for {model.name}: {_first_error(exc)}") from None
        return ChatRequest(model.id, tuple(messages), system, merged.to_request())

    def answer(
        self,
        model: ModelConfig,
        messages: Sequence[Message],
        *,
        system: str | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Turn:
        """`model`'s answer to `messages`, as a `Turn`: iterate it inside `async with` for the events;
        its `record` says what became of the answer however the block ended."""
        return Turn(self, model, messages, system, options or {})

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class Turn:
    """One answer being taken. Use once: `async with turn: async for event in turn: …`.

    The request is built (options checked, key found) when iteration starts, so
    every failure — a missing key, a refused connection, a stream cut short —
    ends the same way: raised to the caller, and kept in `record`.
    Leaving the block early (a `break`, Ctrl-C) marks the answer interrupted.
    """

    def __init__(
        self, runtime: Runtime, model: ModelConfig, messages: Sequence[Message], system: str | None,
        options: Mapping[str, Any],
    ) -> None:  # fmt: skip
        self.model = model
        self._runtime = runtime
        self._messages = messages
        self._system = system
        self._options = options
        self._answer = Answer()
        self._started = time.monotonic()
        self._ended = False
        self._failure: BaseException | None = None
        self._events_iter: AsyncGenerator[Event, None] | None = None
        self._record: AnswerRecord | None = None

    @property
    def record(self) -> AnswerRecord:
        """What became of the answer; while it streams, what it is so far (status `interrupted`)."""
        if self._record is not None:
            return self._record
        return self._make_record("interrupted")

    async def __aenter__(self) -> Turn:
        self._started = time.monotonic()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        if self._events_iter is not None:
            await self._events_iter.aclose()  # a block left early closes the stream now, not at collection
        failure = self._failure or exc
        if failure is None:
            self._record = self._make_record(status_of(self._answer.finish_reason) if self._ended else "interrupted")
        elif isinstance(failure, OrchError):
            self._record = self._make_record("error", failure.message)
        elif isinstance(failure, Exception):
            self._record = self._make_record("error", f"{type(failure).__name__}: {failure}")
        else:  # CancelledError, KeyboardInterrupt: the user cut it short
            self._record = self._make_record("interrupted")

    def __aiter__(self) -> AsyncIterator[Event]:
        if self._events_iter is None:
            self._events_iter = self._events()
        return self._events_iter

    async def _events(self) -> AsyncIterator[Event]:
        try:
            runtime = self._runtime
            request = runtime.request(self.model, self._messages, self._system, self._options)
            stream = runtime.provider(self.model).stream(request)
        except BaseException as exc:
            self._failure = exc
            raise
        try:
            async for event in stream:
                self._answer.add(event)
                if isinstance(event, Finish):
                    self._ended = True
                yield event
            self._ended = True
        except BaseException as exc:
            # GeneratorExit is the caller leaving early: interrupted, not failed.
            if not isinstance(exc, GeneratorExit):
                self._failure = exc
            raise
        finally:
            await close_stream(stream)

    def _make_record(self, status: Status, error: str | None = None) -> AnswerRecord:
        answer, model = self._answer, self.model
        parts = ((Part("thinking", answer.thinking),) if answer.thinking else ()) + (
            (Part("text", answer.text),) if answer.text else ()
        )
        counted = answer.input_tokens is not None or answer.output_tokens is not None
        cost = model.pricing.cost(answer.input_tokens, answer.output_tokens) if model.pricing and counted else None
        return AnswerRecord(
            model=model.name,
            text=answer.text,
            thinking=answer.thinking,
            status=status,
            finish_reason=answer.finish_reason,
            input_tokens=answer.input_tokens,
            cached_tokens=answer.cached_tokens,
            output_tokens=answer.output_tokens,
            cost=cost,
            seconds=time.monotonic() - self._started,
            error=error,
            parts=parts,
        )


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        if first["type"] == "extra_forbidden":
            return f"unknown option '{where}'"
        return f"{where}: {first['msg']}"
    return str(exc)
