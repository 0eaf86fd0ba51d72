"""One answer being taken: the events of its rounds, and its record however it ended.

    round 1: with_fallback(model, its fallbacks) ─▶ text · ToolCall… ─▶ run the calls ─▶ ToolResult…
    round 2: the answering model again, with the calls and results ─▶ …  until it answers without calls

The budget is checked before each round is sent and while it streams; the
record sums the rounds' tokens, and its cost is computed here only.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from app.errors import OrchError
from app.providers.base import close_stream
from app.runtime._fallback import chain_of, with_fallback
from app.runtime._pricing import cost, estimate, estimate_tokens
from app.runtime._tools import Approver, ToolRoundsExceeded, not_run, run_calls, unanswered
from app.runtime._transcript import Transcript
from app.types import (AnswerRecord, Event, Fallback, Finish, Message, Status, TextDelta, ThinkingDelta, ToolCall,
                       ToolSpec, status_of)  # fmt: skip

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
    `model` is the model answering (a fallback, once one took over); an answer
    whose running cost passes the budget stops (status `truncated`, finish
    reason `budget`, the note in `error`).
    """

    def __init__(
        self, runtime: Runtime, model: ModelConfig, messages: Sequence[Message], system: str | None,
        options: Mapping[str, Any], tools: Tools | None = None, approver: Approver | None = None,
        schema: Mapping[str, Any] | None = None,
    ) -> None:  # fmt: skip
        self.model = model
        self.requested = model
        self._runtime = runtime
        self._messages = messages
        self._system = system
        self._options = options
        self._tools = tools
        self._approver = approver
        self._schema = schema
        self._transcript = Transcript()
        self._started = time.monotonic()
        self._ended = False
        self._failure: BaseException | None = None
        self._events_iter: AsyncGenerator[Event, None] | None = None
        self._record: AnswerRecord | None = None
        self._estimated_input: int | None = None
        self._chars = 0  # of this round's text and reasoning: its output's estimate until the provider counts it
        self._stopped: str | None = None
        self._offer: Offer | None = None
        self._call_ids: set[str] = set()  # of this answer's calls, each made unique (see `_unique`)

    @property
    def record(self) -> AnswerRecord:
        """What became of the answer; while it streams, what it is so far (status `interrupted`)."""
        if self._record is not None:
            return self._record
        return self._make_record("interrupted")

    def tool_name(self, wire_name: str) -> str:
        """The `server.tool` a call's name stands for (a call names its tool as the model was offered it,
        `server__tool`); a name no offered tool has comes back as it is."""
        tool = self._offer.tool(wire_name) if self._offer is not None else None
        return tool.qualified if tool is not None else wire_name

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
            ended = status_of(self._transcript.finish_reason) if self._ended else "interrupted"
            self._record = self._make_record(ended)
        elif isinstance(failure, OrchError):
            self._record = self._make_record("error", failure.message)
        elif isinstance(failure, Exception):
            self._record = self._make_record("error", f"{type(failure).__name__}: {failure}")
        else:  # CancelledError, KeyboardInterrupt: the user cut it short
            self._record = self._make_record("interrupted")
        if any(p.kind == "tool_call" for p in self._record.parts):
            for result in unanswered(self._record.parts, self._record.status):
                self._transcript.add(result)
            self._record = self._make_record(self._record.status, self._record.error)
        self._runtime.budget.add(self._record)

    def __aiter__(self) -> AsyncIterator[Event]:
        if self._events_iter is None:
            self._events_iter = self._events()
        return self._events_iter

    async def _events(self) -> AsyncIterator[Event]:
        try:
            offer = self._offer = await self._tools.offer() if self._tools is not None else None
            specs = offer.specs if offer else ()
            messages = tuple(self._messages)
            rounds = 0
            while True:
                calls: list[ToolCall] = []
                async with contextlib.aclosing(self._round(messages, specs, first=rounds == 0)) as events:
                    async for event in events:
                        if isinstance(event, ToolCall):
                            calls.append(event)
                        elif isinstance(event, Finish):  # a caller may stop reading here: the answer is whole
                            self._ended = not calls or offer is None
                        yield event
                if self._stopped:
                    return
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
                messages = (*self._messages, said)
        except BaseException as exc:
            # GeneratorExit is the caller leaving early: interrupted, not failed.
            if not isinstance(exc, GeneratorExit):
                self._failure = exc
            raise

    async def _round(self, messages: tuple[Message, ...], specs: tuple[ToolSpec, ...], *, first: bool,
                     ) -> AsyncIterator[Event]:  # fmt: skip
        """One request's events, folded into the transcript as they pass; the first may fall back."""
        def attempt(model: ModelConfig) -> AsyncIterator[Event]:
            return self._attempt(model, messages, specs)

        if first:
            stream = with_fallback(chain_of(self.model, self._runtime.model), attempt)
        else:
            stream = attempt(self.model)
        self._chars = 0
        budgeted = self._runtime.budget.limited  # the limits do not change while an answer streams
        try:
            async for event in stream:
                if isinstance(event, Fallback):
                    self._fall_back(event)
                else:
                    if isinstance(event, ToolCall):
                        event = self._unique(event)
                    self._transcript.add(event)
                    if isinstance(event, TextDelta | ThinkingDelta):
                        self._chars += len(event.text)
                yield event
                if budgeted and self._over_budget():
                    return
        finally:
            self._transcript.end_round()
            await close_stream(stream)

    async def _attempt(self, model: ModelConfig, messages: tuple[Message, ...], specs: tuple[ToolSpec, ...],
                       ) -> AsyncIterator[Event]:  # fmt: skip
        """`model`'s stream, once its request is built and its estimate is within the budget."""
        runtime = self._runtime
        request = runtime.request(model, messages, self._system, self._options, tools=specs, schema=self._schema)
        guess = estimate(model, request.messages, request.system, request.options)
        spent = self._spent(model)
        runtime.budget.check(model, None if guess.cost is None else guess.cost + (spent or 0.0))
        self._estimated_input = guess.input_tokens
        stream = runtime.provider(model).stream(request)
        try:
            async for event in stream:
                yield event
        finally:
            await close_stream(stream)

    def _unique(self, call: ToolCall) -> ToolCall:
        """`call`, its id changed if an earlier round of this answer used it: a provider that gives no ids
        (Gemini, at times) numbers each round's calls from 1, and a result must name one call only."""
        call_id, n = call.call_id, 1
        while call_id in self._call_ids:
            n += 1
            call_id = f"{call.call_id}.{n}"
        self._call_ids.add(call_id)
        return call if call_id == call.call_id else dataclasses.replace(call, call_id=call_id)

    def _fall_back(self, event: Fallback) -> None:
        """The next model answers: what the failed one said (its usage, if any) is not this answer's."""
        self.model = self._runtime.model(event.to_model)
        self._transcript = Transcript()
        self._chars = 0

    def _spent(self, model: ModelConfig) -> float | None:
        """What the rounds that ended cost (tokens as counted)."""
        said = self._transcript
        return cost(model.pricing, said.tokens("input_tokens", ended=True), said.tokens("output_tokens", ended=True),
                    said.tokens("cached_tokens", ended=True), said.tokens("cache_write_tokens", ended=True))  # fmt: skip

    def _over_budget(self) -> bool:
        """Whether the answer's running cost passed the budget (then it stops, keeping what arrived)."""
        budget = self._runtime.budget
        if not budget.limited or self.model.pricing is None:
            return False
        current = self._transcript.current
        output = current.output_tokens if current.output_tokens is not None else estimate_tokens(self._chars)
        input_tokens = current.input_tokens if current.input_tokens is not None else self._estimated_input
        running = cost(self.model.pricing, input_tokens, output, current.cached_tokens, current.cache_write_tokens)
        self._stopped = budget.passed((running or 0.0) + (self._spent(self.model) or 0.0))
        if self._stopped:
            current.finish_reason = "budget"
        return self._stopped is not None

    def _check_schema(self) -> None:
        """A complete structured answer must follow its schema (`SchemaMismatch` names the field)."""
        if self._schema is not None and status_of(self._transcript.finish_reason) == "complete":
            from app.schema import check_answer

            check_answer(self._transcript.text, self._schema)

    def _make_record(self, status: Status, error: str | None = None) -> AnswerRecord:
        said, model = self._transcript, self.model
        input_tokens, output_tokens = said.tokens("input_tokens"), said.tokens("output_tokens")
        cached, written = said.tokens("cached_tokens"), said.tokens("cache_write_tokens")
        return AnswerRecord(
            model=model.name,
            text=said.text,
            thinking=said.thinking,
            status=status,
            finish_reason=said.finish_reason,
            input_tokens=input_tokens,
            cached_tokens=cached,
            cache_write_tokens=written,
            output_tokens=output_tokens,
            cost=cost(model.pricing, input_tokens, output_tokens, cached, written),
            seconds=time.monotonic() - self._started,
            error=error,
            parts=said.parts,
            requested_model=self.requested.name if self.requested.name != model.name else None,
        )
