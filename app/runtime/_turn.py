"""One answer being taken: the events of its stream, and its record however it ended."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from app.errors import OrchError
from app.providers.base import Answer, close_stream
from app.types import AnswerRecord, Event, Finish, Message, Part, Status, status_of

if TYPE_CHECKING:
    from app.config import ModelConfig
    from app.runtime import Runtime


class Turn:
    """One answer being taken. Use once: `async with turn: async for event in turn: …`.

    The request is built (options checked, key found) when iteration starts, so
    every failure — a missing key, a refused connection, a stream cut short —
    ends the same way: raised to the caller, and kept in `record`.
    Leaving the block early (a `break`, Ctrl-C) marks the answer interrupted.
    """

    def __init__(
        self, runtime: Runtime, model: ModelConfig, messages: Sequence[Message], system: str | None,
        options: Mapping[str, Any], *, schema: Mapping[str, Any] | None = None,
    ) -> None:  # fmt: skip
        self.model = model
        self._runtime = runtime
        self._messages = messages
        self._system = system
        self._options = options
        self._schema = schema
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
            request = runtime.request(self.model, self._messages, self._system, self._options, schema=self._schema)
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
            if self._schema is not None and status_of(self._answer.finish_reason) == "complete":
                from app.schema import check_answer

                check_answer(self._answer.text, self._schema)
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
            cache_write_tokens=answer.cache_write_tokens,
            output_tokens=answer.output_tokens,
            cost=cost,
            seconds=time.monotonic() - self._started,
            error=error,
            parts=parts,
        )
