"""One answer being taken: the events of its stream, and its record however it ended."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from app.errors import OrchError
from app.providers.base import Answer, close_stream
from app.runtime._fallback import chain_of, with_fallback
from app.runtime._pricing import cost, estimate, estimate_tokens
from app.types import AnswerRecord, Event, Fallback, Finish, Message, Part, Status, TextDelta, ThinkingDelta, status_of

if TYPE_CHECKING:
    from app.config import ModelConfig
    from app.runtime import Runtime


class Turn:
    """One answer being taken. Use once: `async with turn: async for event in turn: …`.

    The request is built (options checked, key found) when iteration starts, so
    every failure — a missing key, a refused connection, a stream cut short —
    ends the same way: raised to the caller, and kept in `record`.
    Leaving the block early (a `break`, Ctrl-C) marks the answer interrupted.
    Fallback (`_fallback`) and the budget (`_budget`) act here: `model` is the
    model answering, and an answer whose running cost passes the budget stops
    (status `truncated`, finish reason `budget`, the note in `error`).
    """

    def __init__(
        self, runtime: Runtime, model: ModelConfig, messages: Sequence[Message], system: str | None,
        options: Mapping[str, Any],
    ) -> None:  # fmt: skip
        self.model = model
        self.requested = model
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
        self._estimated_input: int | None = None
        self._chars = 0  # of text and reasoning: the output's estimate until the provider counts it
        self._stopped: str | None = None

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
        if failure is None and self._stopped:
            self._record = self._make_record("truncated", self._stopped)
        elif failure is None:
            self._record = self._make_record(status_of(self._answer.finish_reason) if self._ended else "interrupted")
        elif isinstance(failure, OrchError):
            self._record = self._make_record("error", failure.message)
        elif isinstance(failure, Exception):
            self._record = self._make_record("error", f"{type(failure).__name__}: {failure}")
        else:  # CancelledError, KeyboardInterrupt: the user cut it short
            self._record = self._make_record("interrupted")
        self._runtime.budget.add(self._record)

    def __aiter__(self) -> AsyncIterator[Event]:
        if self._events_iter is None:
            self._events_iter = self._events()
        return self._events_iter

    async def _events(self) -> AsyncIterator[Event]:
        try:
            stream = with_fallback(chain_of(self.model, self._runtime.model), self._attempt)
        except BaseException as exc:
            self._failure = exc
            raise
        try:
            async for event in stream:
                if isinstance(event, Fallback):
                    self._fall_back(event)
                else:
                    self._answer.add(event)
                if isinstance(event, Finish):
                    self._ended = True
                elif isinstance(event, (TextDelta, ThinkingDelta)):
                    self._chars += len(event.text)
                yield event
                if self._over_budget():
                    break
            else:
                self._ended = True
        except BaseException as exc:
            # GeneratorExit is the caller leaving early: interrupted, not failed.
            if not isinstance(exc, GeneratorExit):
                self._failure = exc
            raise
        finally:
            await close_stream(stream)

    async def _attempt(self, model: ModelConfig) -> AsyncIterator[Event]:
        """`model`'s stream, once its request is built and its estimate is within the budget."""
        runtime = self._runtime
        request = runtime.request(model, self._messages, self._system, self._options)
        guess = estimate(model, request.messages, request.system, request.options)
        runtime.budget.check(model, guess.cost)
        self._estimated_input = guess.input_tokens
        stream = runtime.provider(model).stream(request)
        try:
            async for event in stream:
                yield event
        finally:
            await close_stream(stream)

    def _fall_back(self, event: Fallback) -> None:
        """The next model answers: what the failed one said (its usage, if any) is not this answer's."""
        self.model = self._runtime.model(event.to_model)
        self._answer = Answer()
        self._chars = 0

    def _over_budget(self) -> bool:
        """Whether the answer's running cost passed the budget (then it stops, keeping what arrived)."""
        budget = self._runtime.budget
        if not budget.limited or self.model.pricing is None:
            return False
        answer = self._answer
        output = answer.output_tokens if answer.output_tokens is not None else estimate_tokens(self._chars)
        input_tokens = answer.input_tokens if answer.input_tokens is not None else self._estimated_input
        running = cost(self.model.pricing, input_tokens, output, answer.cached_tokens, answer.cache_write_tokens)
        self._stopped = budget.passed(running or 0.0)
        if self._stopped:
            answer.finish_reason = "budget"
        return self._stopped is not None

    def _make_record(self, status: Status, error: str | None = None) -> AnswerRecord:
        answer, model = self._answer, self.model
        parts = ((Part("thinking", answer.thinking),) if answer.thinking else ()) + (
            (Part("text", answer.text),) if answer.text else ()
        )
        price = cost(model.pricing, answer.input_tokens, answer.output_tokens, answer.cached_tokens,
                     answer.cache_write_tokens)  # fmt: skip
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
            cost=price,
            seconds=time.monotonic() - self._started,
            error=error,
            parts=parts,
            requested_model=self.requested.name if self.requested.name != model.name else None,
        )
