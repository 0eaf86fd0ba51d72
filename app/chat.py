"""A conversation: its messages, the model it talks to, and how an answer is taken.

`Chat.reply()` streams an answer as events. However the stream ends —
completed, failed, or cancelled by Ctrl-C — the answer that arrived is kept
in the conversation with its status, and written to the store if there is one.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from app.config import ModelConfig
from app.errors import ProviderError, UsageError
from app.providers.base import Answer, Event, Message, close_stream
from app.runtime import Runtime

if TYPE_CHECKING:
    from app.store import Store

Status = Literal["complete", "interrupted", "error"]


@dataclass
class ChatMessage:
    role: Literal["user", "assistant"]
    content: str
    model: str | None = None
    status: Status = "complete"
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None
    seconds: float | None = None
    id: int | None = None


@dataclass
class Totals:
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0
    answers: int = 0
    priced: bool = True

    def add(self, message: ChatMessage) -> None:
        self.input_tokens += message.input_tokens or 0
        self.output_tokens += message.output_tokens or 0
        self.answers += 1
        if message.cost is None:
            self.priced = self.priced and not (message.input_tokens or message.output_tokens)
        else:
            self.cost += message.cost


@dataclass
class Chat:
    """One conversation with a current model.

    Args:
        runtime: how models are reached.
        model: the model answers come from; `/model` changes it.
        system: the system prompt.
        store: where messages are persisted (optional).
    """

    runtime: Runtime
    model: ModelConfig
    system: str | None = None
    store: Store | None = None
    conversation_id: int | None = None
    title: str | None = None
    messages: list[ChatMessage] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    totals: Totals = field(default_factory=Totals)
    # The answers of the last /compare, kept for /pick.
    last_compare: Any = None

    # --- settings --------------------------------------------------------------

    def use_model(self, name: str) -> ModelConfig:
        """Switch to the model called `name`; options that it rejects are dropped."""
        self.model = self.runtime.model(name)
        kept = {}
        for key, value in self.options.items():
            try:
                self.runtime.request(self.model, [], None, {key: value})
                kept[key] = value
            except UsageError:
                pass
        self.options = kept
        return self.model

    def set_option(self, key: str, value: Any) -> None:
        """Set a sampling option for this conversation, validated against the model's options."""
        self.runtime.request(self.model, [], None, {**self.options, key: value})
        self.options[key] = value

    def unset_option(self, key: str) -> None:
        self.options.pop(key, None)

    @property
    def last_answer(self) -> ChatMessage | None:
        return next((m for m in reversed(self.messages) if m.role == "assistant"), None)

    def wire_messages(self) -> list[Message]:
        """The conversation as sent to a model (failed answers with no text are left out)."""
        return [Message(m.role, m.content) for m in self.messages if m.content or m.role == "user"]

    # --- editing the conversation ------------------------------------------------

    def clear(self) -> None:
        """Start a new conversation with the same model and settings."""
        self.messages = []
        self.conversation_id = None
        self.title = None

    def load(self, conversation_id: int, leaf_id: int | None = None) -> None:
        """Continue a stored conversation on its active branch (or the branch ending at `leaf_id`)."""
        if self.store is None:
            raise UsageError("conversations are not being saved in this session")
        conversation = self.store.get_conversation(conversation_id)
        if leaf_id is not None:
            self.store.set_head(conversation_id, leaf_id)
        branch = self.store.branch(conversation_id)
        self.conversation_id = conversation.id
        self.title = conversation.title
        self.messages = [
            ChatMessage(m.role, m.content, m.model, m.status, m.input_tokens, m.output_tokens, m.cost, id=m.id)
            for m in branch
            if m.role in ("user", "assistant")
        ]
        if any(conversation.model in (m.name, *m.aliases) for m in self.runtime.config.models):
            self.use_model(conversation.model)

    def edit(self, index: int, text: str) -> ChatMessage:
        """Replace message `index` (0-based) by `text` on a new branch; the old branch stays stored.

        Everything after the edited message leaves the active branch.
        """
        if not 0 <= index < len(self.messages):
            raise UsageError(f"no message {index + 1}; /history lists them")
        original = self.messages[index]
        edited = ChatMessage(original.role, text, original.model)
        if self.store is not None and self.conversation_id is not None and original.id is not None:
            edited.id = self.store.edit_message(self.conversation_id, original.id, text).id
        self.messages = self.messages[:index] + [edited]
        return edited

    def undo(self) -> int:
        """Remove the last exchange (the last user message and what followed). Returns how many went."""
        for i in range(len(self.messages) - 1, -1, -1):
            if self.messages[i].role == "user":
                removed = len(self.messages) - i
                del self.messages[i:]
                self._move_head()
                return removed
        raise UsageError("nothing to undo")

    def _move_head(self) -> None:
        if self.store is not None and self.conversation_id is not None:
            head = self.messages[-1].id if self.messages else None
            self.store.set_head(self.conversation_id, head)

    # --- answering -----------------------------------------------------------------

    def add_user_message(self, text: str) -> ChatMessage:
        message = ChatMessage("user", text)
        self.messages.append(message)
        self._persist(message)
        return message

    def prepare_retry(self) -> None:
        """Drop the last answer so that `reply()` answers the last user message again."""
        if not self.messages:
            raise UsageError("nothing to retry yet")
        if self.messages[-1].role == "assistant":
            self.messages.pop()
            self._move_head()
        if not self.messages or self.messages[-1].role != "user":
            raise UsageError("nothing to retry yet")

    async def reply(self, overrides: dict[str, Any] | None = None) -> AsyncIterator[Event]:
        """Stream the model's answer to the conversation so far, then keep it.

        The answer joins the conversation when the stream ends, whether it
        completed, failed (`error`, partial text kept) or was cancelled
        (`interrupted`).
        """
        model = self.model
        answer = Answer()
        status: Status = "complete"
        started = time.monotonic()
        stream = self.runtime.stream(model, self.wire_messages(), self.system, {**self.options, **(overrides or {})})
        try:
            async for event in stream:
                answer.add(event)
                yield event
        except ProviderError as exc:
            status = "error"
            exc.partial = exc.partial or answer.text
            answer.text = exc.partial
            raise
        except BaseException:
            status = "interrupted"
            raise
        finally:
            await close_stream(stream)
            self._keep(model, answer, status, time.monotonic() - started)

    def add_answer(self, message: ChatMessage, *, counted: bool = True) -> None:
        """Add an answer that came from elsewhere (a chain, a compare) to the conversation."""
        self.messages.append(message)
        if counted:
            self.totals.add(message)
        self._persist(message)

    def store_aside(self, message: ChatMessage, parent_id: int | None) -> None:
        """Store `message` under `parent_id` as a side branch, leaving the active branch as it is."""
        if self.store is not None and self.conversation_id is not None:
            head = self.messages[-1].id if self.messages else None
            self._write(message, parent_id)
            self.store.set_head(self.conversation_id, head)

    def _keep(self, model: ModelConfig, answer: Answer, status: Status, seconds: float) -> None:
        if status == "error" and not answer.text:
            return
        cost = model.pricing.cost(answer.input_tokens, answer.output_tokens) if model.pricing else None
        message = ChatMessage(
            "assistant", answer.text, model.name, status, answer.input_tokens, answer.output_tokens, cost, seconds
        )
        self.messages.append(message)
        self.totals.add(message)
        self._persist(message)

    def _persist(self, message: ChatMessage) -> None:
        if self.store is None:
            return
        if self.conversation_id is None:
            self.conversation_id = self.store.new_conversation(self.model.name, self.title).id
        parent = next((m.id for m in reversed(self.messages[:-1]) if m.id is not None), None)
        self._write(message, parent)
        if self.title is None and message.role == "user":
            self.title = self.store.get_conversation(self.conversation_id).title

    def _write(self, message: ChatMessage, parent: int | None) -> None:
        assert self.store is not None and self.conversation_id is not None
        stored = self.store.add_message(
            self.conversation_id,
            message.role,
            message.content,
            parent_id=parent,
            model=message.model,
            input_tokens=message.input_tokens,
            output_tokens=message.output_tokens,
            cost=message.cost,
            status=message.status,
        )
        message.id = stored.id
