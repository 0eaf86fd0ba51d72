"""One row through its target: a model's answer, or a chain run; either way a `BatchRow`.

Both go through the one answer primitive (`runtime.answer()`, or the chain
runner built on it), so fallback, budgets and tools apply to batch rows as
they do everywhere. A failure is the row's result, with one exception: an
overloaded provider (429) is raised as `Overloaded`, so that the run can
slow down and send the row again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from app.errors import OrchError, RateLimitError
from app.store import BatchRow
from app.types import Message

from app.batch._inputs import BatchInput
from app.batch._limits import estimate_tokens

if TYPE_CHECKING:
    from app.chains import ChainPlan
    from app.config import ModelConfig
    from app.runtime import Runtime


class Overloaded(Exception):
    """The provider answered 429 (after its own retries): the row is to be sent again later.

    Attributes:
        retry_after_s: the wait the server asked for, if it said.
    """

    def __init__(self, retry_after_s: float | None) -> None:
        super().__init__("rate limited")
        self.retry_after_s = retry_after_s


class RowTarget(Protocol):
    """What every row of a run goes through."""

    models: tuple[ModelConfig, ...]
    """The models a row may talk to."""
    providers: tuple[str, ...]
    """Their providers (each one's rate limit applies)."""

    def estimate(self, item: BatchInput) -> int:
        """About how many tokens the row's request counts against a `tpm` limit."""
        ...

    async def run(self, item: BatchInput) -> BatchRow:
        """The row's result.

        Raises:
            Overloaded: a 429; the row should be tried again after a pause.
        """
        ...


def failed_row(item: BatchInput, error: str) -> BatchRow:
    return BatchRow(item.row, item.id, "error", "", error=error)


class ModelTarget:
    """Each row's text is one user message to `model`."""

    def __init__(self, runtime: Runtime, model: ModelConfig, *, system: str | None = None,
                 options: Mapping[str, Any] | None = None) -> None:  # fmt: skip
        self._runtime, self._model, self._system, self._options = runtime, model, system, dict(options or {})
        self.models = (model,)
        self.providers = (model.provider,)
        self._max_tokens = self._options.get("max_tokens") or model.options.max_tokens

    def estimate(self, item: BatchInput) -> int:
        return estimate_tokens(item.text, self._max_tokens)

    async def run(self, item: BatchInput) -> BatchRow:
        turn = self._runtime.answer(self._model, (Message("user", item.text),), system=self._system,
                                    options=self._options)  # fmt: skip
        try:
            async with turn:
                async for _ in turn:
                    pass
        except RateLimitError as exc:
            raise Overloaded(_asked_wait(exc)) from exc
        except OrchError:
            pass  # kept in the record, which says why
        record = turn.record
        return BatchRow(item.row, item.id, record.status, record.text, record.input_tokens, record.output_tokens,
                        record.cost, record.error)  # fmt: skip


class ChainTarget:
    """Each row is one run of `plan`: the row's text its INPUT, its `vars` its variables."""

    def __init__(self, runtime: Runtime, plan: ChainPlan, default_model: ModelConfig,
                 system: str | None = None) -> None:  # fmt: skip
        self._runtime, self._plan, self._default_model, self._system = runtime, plan, default_model, system
        self.models = tuple(plan.models(default_model))
        self.providers = tuple(dict.fromkeys(m.provider for m in self.models))

    def estimate(self, item: BatchInput) -> int:
        return estimate_tokens(item.text) * max(1, len(self._plan.steps))

    async def run(self, item: BatchInput) -> BatchRow:
        from app.chains import StepFailedError, run_chain

        try:
            done = await run_chain(self._runtime, self._plan, item.text, item.variables,
                                   default_model=self._default_model, default_system=self._system)  # fmt: skip
        except StepFailedError as exc:
            if isinstance(exc.cause, RateLimitError):
                raise Overloaded(_asked_wait(exc.cause)) from exc
            run = exc.run
            return BatchRow(item.row, item.id, "error", run.output, run.input_tokens, run.output_tokens, run.cost,
                            exc.message)  # fmt: skip
        except OrchError as exc:
            return failed_row(item, exc.message)
        return BatchRow(item.row, item.id, "complete", done.output, done.input_tokens, done.output_tokens, done.cost)


def _asked_wait(exc: BaseException) -> float | None:
    """The Retry-After the HTTP layer read from the 429, if the error carries it."""
    wait = getattr(exc.__cause__, "retry_after_s", None)
    return wait if isinstance(wait, (int, float)) else None
