"""The `Chat`: one conversation with a current model (see the package's docstring)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.chat import _loading, _roles
from app.chat._messages import ChatMessage, Totals
from app.chat._saving import Keeping, write_message
from app.config import ModelConfig
from app.errors import UsageError
from app.runtime import Approver, Runtime, Turn
from app.types import AnswerRecord, Message, Part

if TYPE_CHECKING:
    from app.chains import ChainEvent, ChainRun
    from app.chat._compare import CompareEvent, CompareRecord
    from app.roles import RoleBook, SavedRole
    from app.store import Store, StoreError
    from app.tools import ToolSession


@dataclass
class Chat(Keeping):
    """One conversation with a current model.

    Args:
        runtime: how models are reached.
        model: the model answers come from; `/model` changes it.
        system: the system prompt (a role's, while one is on, goes in its place).
        store: where messages are persisted (optional).
        roles: the roles `use_role` can take up.
    """

    runtime: Runtime
    model: ModelConfig
    system: str | None = None
    store: Store | None = None
    tools: ToolSession | None = None  # offered to every answer; the REPL turns them on and off
    conversation_id: int | None = None
    title: str | None = None
    messages: list[ChatMessage] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    totals: Totals = field(default_factory=Totals)
    roles: RoleBook | None = None
    role: SavedRole | None = None
    model_before_role: str | None = None
    schema: Mapping[str, Any] | None = None  # a JSON Schema every answer must follow (`--schema`)
    # The answers of the last /compare, kept for /pick.
    last_compare: CompareRecord | None = None
    # What `/file`, `/paste` or `-a` attached: sent with the next user message.
    attachments: list[Part] = field(default_factory=list)
    # The settings last written to the store, so that unchanged ones are not written again.
    _saved_settings: tuple | None = field(default=None, repr=False)
    # Why the store was given up mid-session (see `history_lost`), and whether the user was told.
    _lost: StoreError | None = field(default=None, repr=False)
    _lost_told: bool = field(default=False, repr=False)

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
        self.save_settings()
        return self.model

    def set_option(self, key: str, value: Any) -> None:
        """Set a sampling option for this conversation, validated against the model's options."""
        self.runtime.request(self.model, [], None, {**self.options, key: value})
        self.options[key] = value
        self.save_settings()

    def unset_option(self, key: str) -> None:
        self.options.pop(key, None)
        self.save_settings()

    def use_role(self, name: str, *, switch_model: bool = True) -> SavedRole:
        """Take up the role `name` (its model too, unless not `switch_model`); see `_roles.py`."""
        return _roles.take_up(self, name, switch_model=switch_model)

    def leave_role(self) -> SavedRole | None:
        """Leave the role, if one is on; returns it."""
        return _roles.leave(self)

    def system_for(self, text: str) -> str | None:
        """The system prompt of an answer to the user's `text`: the role's, rendered, or the chat's own."""
        return self.role.system_prompt(text) if self.role is not None else self.system

    def save_settings(self) -> None:
        """Store the model, system prompt, options and role the conversation goes on with (if they changed)."""
        with self._saving() as store:
            if store is not None:
                self._save_settings(store)

    def _save_settings(self, store: Store) -> None:
        settings = (self.model.name, self.system, dict(self.options), self.role.name if self.role else None)
        if self.conversation_id is None or settings == self._saved_settings:
            return
        model, system, options, role = settings
        store.save_settings(self.conversation_id, model=model, system=system, options=options, role=role)
        self._saved_settings = settings

    @property
    def last_answer(self) -> ChatMessage | None:
        return next((m for m in reversed(self.messages) if m.role == "assistant"), None)

    def wire_messages(self) -> list[Message]:
        """The conversation as sent to a model: without failed requests and answers that said nothing;
        a message goes with its parts (attachments, an answer's tool calls and their results)."""
        return [m.wire for m in self.messages if not m.failed and (m.content or m.role == "user" or m.parts)]

    def attach(self, parts: Sequence[Part]) -> None:
        """Add `parts` to what the next user message carries, unless the model could not take them.

        Raises:
            UsageError: an image to a model without vision, or past its context window.
        """
        self.check_sendable([*self.wire_messages(), ChatMessage.question("", [*self.attachments, *parts]).wire])
        self.attachments += parts

    def check_sendable(self, messages: Sequence[Message]) -> None:
        from app.attachments import check_sendable

        check_sendable(self.model, messages, self.system, self.runtime.config.models)

    # --- editing the conversation ------------------------------------------------

    def clear(self) -> None:
        """Start a new conversation with the same model and settings."""
        self.messages = []
        self.conversation_id = None
        self.title = None

    def load(self, conversation_id: int, leaf_id: int | None = None) -> None:
        """Continue a stored conversation on its active branch (or the branch ending at `leaf_id`),
        with the settings and role it was left with; its messages keep their parts, so attachments
        and tool calls are sent again."""
        _loading.load(self, conversation_id, leaf_id)

    def edit(self, index: int, text: str) -> ChatMessage:
        """Replace message `index` (0-based) by `text` on a new branch; the old branch stays stored.

        A question keeps its attachments. Everything after the edited message leaves the active branch.
        """
        if not 0 <= index < len(self.messages):
            raise UsageError(f"no message {index + 1}; /history lists them")
        original = self.messages[index]
        record = AnswerRecord(original.model, text) if original.record and original.model else None
        edited = ChatMessage(original.role, text, record)
        if original.role == "user":
            edited = ChatMessage.question(text, original.attachments)
        with self._saving() as store:
            if store is not None and self.conversation_id is not None and original.id is not None:
                parent = store.get_message(self.conversation_id, original.id).parent_id  # a sibling: a new branch
                write_message(store, self.conversation_id, edited, parent, self.model.name)
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
        with self._saving() as store:
            if store is not None and self.conversation_id is not None:
                store.set_head(self.conversation_id, self.messages[-1].id if self.messages else None)

    # --- answering -----------------------------------------------------------------

    def add_user_message(self, text: str) -> ChatMessage:
        """Add the user's `text`, with what was attached for it (checked again: the model may have changed)."""
        message = ChatMessage.question(text, self.attachments)
        self.check_sendable([*self.wire_messages(), message.wire])
        self.attachments = []
        self.messages.append(message)
        self._persist(message)
        return message

    def prepare_retry(self) -> None:
        """Drop the last answer so that `reply()` answers the last user message again
        (a request that failed is sent again)."""
        if not self.messages:
            raise UsageError("nothing to retry yet")
        if self.messages[-1].role == "assistant":
            self.messages.pop()
            self._move_head()
        if not self.messages or self.messages[-1].role != "user":
            raise UsageError("nothing to retry yet")
        self.mark_failed(self.messages[-1], False)

    @contextlib.asynccontextmanager
    async def reply(self, overrides: Mapping[str, Any] | None = None, approver: Approver | None = None
                    ) -> AsyncIterator[Turn]:  # fmt: skip
        """The model's answer to the conversation so far, as a `Turn` to iterate for its events.

        The answer joins the conversation when the block ends, whether it
        completed, failed (partial text kept, status `error`) or was cancelled
        (`interrupted`); a failure with no text at all leaves nothing behind. `approver`
        asks about a tool call that may not run unasked (None: it is refused).

        Raises:
            StoreError: once, after an answer that ended well, if history could
                not be saved (see `history_lost`); the answer is kept in memory.
        """
        asked = next((m.content for m in reversed(self.messages) if m.role == "user"), "")
        options = {**(self.role.options if self.role else {}), **self.options, **(overrides or {})}
        tools = self.tools
        if tools is not None and self.role is not None and self.role.tools:
            tools = tools.selection(self.role.tools)  # a role offers its own tools
        turn = self.runtime.answer(self.model, self.wire_messages(), system=self.system_for(asked), options=options,
                                   schema=self.schema, tools=tools, approver=approver)  # fmt: skip
        try:
            async with turn:
                yield turn
        finally:
            record = turn.record
            if record.text or record.status not in ("error", "interrupted"):
                self.add_answer(ChatMessage.answer(record))
            elif self.messages and self.messages[-1].role == "user":
                # Nothing came: the request is kept, marked failed, and not sent again unless retried.
                self.mark_failed(self.messages[-1], True)
                if record.status == "interrupted":
                    self.totals.add(record)
        self._tell_lost_history()

    def add_answer(self, message: ChatMessage, *, counted: bool = True) -> None:
        """Add an answer to the conversation (and its usage to the totals, unless counted elsewhere)."""
        self.messages.append(message)
        if counted and message.record is not None:
            self.totals.add(message.record)
        self._persist(message)

    # --- several answers at once ------------------------------------------------------

    async def compare(
        self, models: Sequence[ModelConfig], prompt: str, listener: Callable[[int, CompareEvent], None] | None = None
    ) -> CompareRecord:
        """`prompt`, after the conversation so far, to every model at once; kept for `pick()`."""
        from app.chat._compare import compare

        return await compare(self, models, prompt, listener)

    def pick(self, number: int) -> AnswerRecord:
        """Continue with answer `number` (1-based) of the last `compare()`, and with its model."""
        from app.chat._compare import pick

        return pick(self, number)

    async def run_chain(
        self, name: str, input: str, variables: Mapping[str, str],
        listener: Callable[[ChainEvent], None] | None = None,
    ) -> ChainRun:  # fmt: skip
        """Run the chain `name` on `input`; its input and final output join the conversation."""
        from app.chat._chains import run_chain

        return await run_chain(self, name, input, variables, listener)
