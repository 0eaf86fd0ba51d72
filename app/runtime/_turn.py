"""One answer being taken: the events of its stream, and its record however it ended."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from app.errors import OrchError
from app.providers.base import ChatRequest, Provider, close_stream
from app.runtime._tools import Approver, ToolRoundsExceeded, not_run, run_calls
from app.runtime._transcript import Transcript
from app.types import AnswerRecord, Event, Finish, Message, Status, ToolCall, status_of

if TYPE_CHECKING:
    from app.config import ModelConfig
    from app.runtime import Runtime
    from app.tools import Offer


class Tools(Protocol):
    """What an answer may be given tools from: a `ToolSession`, or a `Selection` of it."""

    async def offer(self) -> Offer | None: ...


class Turn:
    """One answer being taken. Use once: `async with turn: async for event in turn: …`.

    The request is built (options checked, key found) when iteration starts, so
    every failure — a missing key, a refused connection, a stream cut short —
    ends the same way: raised to the caller, and kept in `record`.
    Leaving the block early (a `break`, Ctrl-C) marks the answer interrupted.
    """

    def __init__(
        self, runtime: Runtime, model: ModelConfig, messages: Sequence[Message], system: str | None,
        options: Mapping[str, Any], tools: Tools | None = None, approver: Approver | None = None, schema: Mapping[str, Any] | None = None,
    ) -> None:  # fmt: skip
        self.model = model
        self._runtime = runtime
        self._messages = messages
        self._system = system
        self._options = options
        self._tools = tools
        self._approver = approver
        self._transcript = Transcript()
        self._schema = schema
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
            ended = status_of(self._transcript.finish_reason) if self._ended else "interrupted"
            self._record = self._make_record(ended)
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
            offer = await self._tools.offer() if self._tools is not None else None
            request = runtime.request(self.model, self._messages, self._system, self._options,
                                      tools=offer.specs if offer else (), schema=self._schema)  # fmt: skip
            provider = runtime.provider(self.model)
            rounds = 0
            while True:
                calls: list[ToolCall] = []
                async with contextlib.aclosing(self._round(provider, request)) as events:
                    async for event in events:
                        if isinstance(event, ToolCall):
                            calls.append(event)
                        elif isinstance(event, Finish):  # a caller may stop reading here: the answer is whole
                            self._ended = not calls or offer is None
                        yield event
                if not calls or offer is None:
                    self._ended = True
                    self._check_schema()
                    return
                if rounds == offer.max_rounds:
                    for result in not_run(calls, rounds):
                        self._transcript.add(result)
                        yield result
                    raise ToolRoundsExceeded(rounds)
                rounds += 1
                async with contextlib.aclosing(run_calls(offer, calls, self._approver)) as results:
                    async for result in results:
                        self._transcript.add(result)
                        yield result
                self._transcript.order_results(call.call_id for call in calls)
                said = Message("assistant", self._transcript.text, self._transcript.parts)
                request = dataclasses.replace(request, messages=(*self._messages, said))
        except BaseException as exc:
            # GeneratorExit is the caller leaving early: interrupted, not failed.
            if not isinstance(exc, GeneratorExit):
                self._failure = exc
            raise

    async def _round(self, provider: Provider, request: ChatRequest) -> AsyncIterator[Event]:
        """One request's stream, folded into the transcript as it passes."""
        stream = provider.stream(request)
        try:
            async for event in stream:
                self._transcript.add(event)
                yield event
        finally:
            self._transcript.end_round()
            await close_stream(stream)

    def _check_schema(self) -> None:
        """A complete structured answer must follow its schema (`SchemaMismatch` names the field)."""
        if self._schema is not None and status_of(self._transcript.finish_reason) == "complete":
            from app.schema import check_answer

            check_answer(self._transcript.text, self._schema)

    def _make_record(self, status: Status, error: str | None = None) -> AnswerRecord:
        said, model = self._transcript, self.model
        input_tokens, output_tokens = said.tokens("input_tokens"), said.tokens("output_tokens")
        counted = input_tokens is not None or output_tokens is not None
        cost = model.pricing.cost(input_tokens, output_tokens) if model.pricing and counted else None
        return AnswerRecord(
            model=model.name,
            text=said.text,
            thinking=said.thinking,
            status=status,
            finish_reason=said.finish_reason,
            input_tokens=input_tokens,
            cached_tokens=said.tokens("cached_tokens"),
            cache_write_tokens=said.tokens("cache_write_tokens"),
            output_tokens=output_tokens,
            cost=cost,
            seconds=time.monotonic() - self._started,
            error=error,
            parts=said.parts,
        )
