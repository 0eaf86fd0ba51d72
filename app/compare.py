"""One prompt to several models at once, each answer timed, counted and priced.

`run_compare` streams every model's answer concurrently and tells a listener
as text arrives. One model failing does not stop the others: its answer is
marked failed with the error. Cancelling the comparison cancels every stream.
Nothing here prints.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from app.chains import stream_answer
from app.config import ModelConfig
from app.errors import OrchError
from app.providers.base import Answer, Message

if TYPE_CHECKING:
    from app.runtime import Runtime


@dataclass
class CompareAnswer:
    """One model's answer to the compared prompt."""

    model: str
    text: str = ""
    status: Literal["waiting", "running", "done", "failed", "cancelled"] = "waiting"
    seconds: float = 0.0
    first_text_s: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class AnswerText:
    index: int
    text: str


@dataclass(frozen=True, slots=True)
class AnswerEnded:
    """The answer at `index` is done, failed or cancelled; `answer` holds how."""

    index: int
    answer: CompareAnswer


CompareEvent = AnswerText | AnswerEnded


async def run_compare(
    runtime: Runtime,
    models: Sequence[ModelConfig],
    messages: Sequence[Message],
    system: str | None = None,
    options: Mapping[str, Any] | None = None,
    *,
    listener: Callable[[CompareEvent], None] | None = None,
) -> list[CompareAnswer]:
    """Ask every model in `models` the same `messages`, concurrently.

    Returns:
        One answer per model, in the order given, each with its status.

    Raises:
        asyncio.CancelledError: the comparison was cancelled (every stream is closed).
    """
    emit = listener or (lambda event: None)
    answers = [CompareAnswer(m.name) for m in models]

    async def ask(index: int, model: ModelConfig) -> None:
        answer = answers[index]
        collected = Answer()
        started = time.monotonic()
        answer.status = "running"

        def on_text(text: str) -> None:
            if answer.first_text_s is None:
                answer.first_text_s = time.monotonic() - started
            answer.text = collected.text
            emit(AnswerText(index, text))

        try:
            await stream_answer(runtime, model, messages, system, options or {}, collected, on_text)
        except asyncio.CancelledError:
            answer.status = "cancelled"
            raise
        except Exception as exc:
            answer.status = "failed"
            answer.error = exc.message if isinstance(exc, OrchError) else f"{type(exc).__name__}: {exc}"
        else:
            answer.status = "done"
            answer.input_tokens, answer.output_tokens = collected.input_tokens, collected.output_tokens
            if model.pricing:
                answer.cost = model.pricing.cost(collected.input_tokens, collected.output_tokens)
        finally:
            answer.text = collected.text
            answer.seconds = time.monotonic() - started
            emit(AnswerEnded(index, answer))

    async with asyncio.TaskGroup() as group:
        for index, model in enumerate(models):
            group.create_task(ask(index, model), name=f"compare {model.name}")
    return answers
