"""Running a chain inside a conversation.

The chain's input becomes a user message at once; each step's answer is
stored, when it ends, as a side branch under it (with its own tokens and
cost), and counts in the chat's totals; the final output joins the
conversation last, so it is the branch's head.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from app.chat._messages import ChatMessage
from app.types import AnswerRecord

if TYPE_CHECKING:
    from app.chains import ChainEvent, ChainRun
    from app.chat._chat import Chat


async def run_chain(
    chat: Chat, name: str, input: str, variables: Mapping[str, str],
    listener: Callable[[ChainEvent], None] | None = None,
) -> ChainRun:  # fmt: skip
    """Run the chain `name` on `input`, with the chat's model and system prompt for steps that name none.

    Raises:
        UsageError, ConfigError: unknown chain, bad variables, a chain with problems (nothing is stored).
        StepFailedError: a step failed; the steps that ended are stored.
        asyncio.CancelledError: the run was cancelled.
    """
    from app import chains

    plan = chains.plan_chain(chat.runtime.config, name)
    plan.bind(variables)  # bad variables fail before anything is stored
    user = chat.add_user_message(input or f"(chain {name})")
    emit = listener or (lambda event: None)

    def on_event(event: ChainEvent) -> None:
        emit(event)
        result = getattr(event, "result", None)
        record = result.record if result is not None else None
        if record is not None and (record.text or record.status == "complete"):
            chat.totals.add(record)
            step = dataclasses.replace(record, model=f"{record.model} · chain {name}/{result.step}")
            chat.store_aside(ChatMessage.answer(step), user.id)

    try:
        run = await chains.run_chain(
            chat.runtime, plan, input, variables, listener=on_event, default_model=chat.model,
            default_system=chat.system, tools=chat.tools,
        )  # fmt: skip
    except BaseException:
        chat.mark_failed(user)  # the chain's input is kept, but is not "your last message" to answer
        raise
    # The steps stored above carry the tokens and cost; the final output does not count them twice.
    final = AnswerRecord(f"chain {name}", run.output, seconds=run.seconds)
    chat.add_answer(ChatMessage.answer(final), counted=False)
    return run
