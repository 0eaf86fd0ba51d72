"""One prompt to several models at once, and continuing with the answer the user picks.

`compare` takes every model's answer through `runtime.answer()` concurrently
and tells a listener as text arrives. One model failing does not stop the
others: its record says how it failed. Cancelling the comparison cancels
every answer. Every answer's usage counts in the chat's totals, picked or not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.chat._messages import ChatMessage
from app.errors import UsageError
from app.types import AnswerRecord, Message, Retry, TextDelta

if TYPE_CHECKING:
    from app.chat._chat import Chat
    from app.config import ModelConfig


CompareEvent = TextDelta | Retry | AnswerRecord
"""What a comparison tells its listener of the answer at an index: more of its text (a retry's wait
before any), then its record."""


@dataclass(frozen=True, slots=True)
class CompareRecord:
    """A comparison: the prompt, and one answer per model in the order asked."""

    prompt: str
    answers: tuple[AnswerRecord, ...]


def compare_messages(chat: Chat, prompt: str) -> list[Message]:
    """The conversation up to `prompt`: without its last user message when that is the prompt."""
    history = chat.wire_messages()
    last_user = next((i for i in range(len(history) - 1, -1, -1) if history[i].role == "user"), None)
    if last_user is not None and history[last_user].content == prompt:
        history = history[:last_user]
    return [*history, Message("user", prompt)]


async def compare(
    chat: Chat, models: Sequence[ModelConfig], prompt: str,
    listener: Callable[[int, CompareEvent], None] | None = None,
) -> CompareRecord:  # fmt: skip
    """Ask every model `prompt` after the conversation so far; the record is kept for `pick`.

    Raises:
        asyncio.CancelledError: the comparison was cancelled (every answer is closed, nothing is kept).
    """
    emit = listener or (lambda index, event: None)
    messages = compare_messages(chat, prompt)
    records: list[AnswerRecord | None] = [None] * len(models)

    async def ask(index: int, model: ModelConfig) -> None:
        turn = chat.runtime.answer(model, messages, system=chat.system)
        try:
            async with turn:
                async for event in turn:
                    if (isinstance(event, TextDelta) and event.text) or isinstance(event, Retry):
                        emit(index, event)
        except Exception:
            pass  # the record says how it failed; the other models go on
        finally:
            records[index] = turn.record
            chat.totals.add(turn.record)
            emit(index, turn.record)

    async with asyncio.TaskGroup() as group:
        for index, model in enumerate(models):
            group.create_task(ask(index, model), name=f"compare {model.name}")
    record = CompareRecord(prompt, tuple(r for r in records if r is not None))
    chat.last_compare = record
    return record


def pick(chat: Chat, number: int) -> AnswerRecord:
    """Continue the conversation with answer `number` (1-based) of the last comparison, and its model.

    Raises:
        UsageError: no comparison yet, no such answer, or one that did not complete.
    """
    record = chat.last_compare
    if record is None:
        raise UsageError("nothing to pick", "Run /compare MODEL MODEL… first.")
    if not 1 <= number <= len(record.answers):
        raise UsageError(f"pick a number from 1 to {len(record.answers)}")
    answer = record.answers[number - 1]
    if answer.status != "complete":
        raise UsageError(f"answer {number} ({answer.model}) did not complete; pick another")
    last_user = next((m for m in reversed(chat.messages) if m.role == "user"), None)
    if last_user is not None and last_user.content == record.prompt:
        if chat.messages[-1].role == "assistant":
            chat.prepare_retry()  # the picked answer replaces the one given before
    else:
        chat.add_user_message(record.prompt)
    chat.add_answer(ChatMessage.answer(answer), counted=False)  # counted when it was compared
    chat.use_model(answer.model)
    chat.last_compare = None
    return answer
