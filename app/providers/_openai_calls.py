"""Chat Completions tool calls, assembled from the pieces they stream in.

A streamed call arrives as `delta.tool_calls` pieces keyed by `index`: the
first piece of a call has its `id` and `function.name`, and its
`function.arguments` (a JSON text) comes in fragments over many pieces.
Calls may interleave, so a call is only known to be whole when the choice
finishes (or the stream ends): that is when the calls become `ToolCall`s.
A non-streamed `message.tool_calls` is the same list with each call in one
piece (Ollama numbers them with `index` there too; OpenAI does not).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app import errors
from app.providers.errors import unreadable_chunk
from app.types import ToolCall

if TYPE_CHECKING:
    from app.providers._http import Endpoint


@dataclass
class _Pending:
    call_id: str | None = None
    name: str = ""
    arguments: list[str] = field(default_factory=list)


class ToolCallPieces:
    """The tool calls of one answer, as their pieces arrive.

    Args:
        endpoint: who is answering, for error messages.
    """

    def __init__(self, endpoint: Endpoint) -> None:
        self._endpoint = endpoint
        self._pending: dict[int, _Pending] = {}
        self._made = 0

    @property
    def made(self) -> int:
        """How many whole calls have been given out so far."""
        return self._made

    def add(self, pieces: Any) -> None:
        """Take the `tool_calls` list of one delta (or of a whole message)."""
        if pieces is None:
            return
        if not isinstance(pieces, list):
            raise unreadable_chunk(self._endpoint, "its tool_calls is not a list")
        for position, piece in enumerate(pieces):
            if not isinstance(piece, dict):
                raise unreadable_chunk(self._endpoint, "a tool call is not an object")
            index = piece.get("index", position)
            if not isinstance(index, int) or isinstance(index, bool):
                raise unreadable_chunk(self._endpoint, "a tool call's index is not a number")
            pending = self._pending.setdefault(index, _Pending())
            if isinstance(piece.get("id"), str) and piece["id"]:
                pending.call_id = piece["id"]
            function = piece.get("function") or {}
            if not isinstance(function, dict):
                raise unreadable_chunk(self._endpoint, "a tool call's function is not an object")
            if isinstance(function.get("name"), str):
                pending.name += function["name"]
            arguments = function.get("arguments")
            if isinstance(arguments, str):
                pending.arguments.append(arguments)
            elif isinstance(arguments, dict):  # a few servers send the object itself
                pending.arguments.append(json.dumps(arguments))

    def done(self) -> list[ToolCall]:
        """The calls assembled so far, whole, in index order; they are then forgotten.

        Raises:
            StreamError: a call has no name, or its arguments are not a JSON object.
        """
        calls = [self._whole(self._pending[index]) for index in sorted(self._pending)]
        self._pending.clear()
        self._made += len(calls)
        return calls

    def _whole(self, pending: _Pending) -> ToolCall:
        provider = self._endpoint.provider
        if not pending.name:
            raise errors.StreamError(f"{provider} sent a tool call with no tool name")
        name = self._endpoint.scrub(pending.name)
        text = "".join(pending.arguments).strip()
        try:
            arguments = json.loads(text) if text else {}
        except (ValueError, RecursionError):
            raise errors.StreamError(
                f"{provider} sent a call to the tool '{name}' whose arguments are not valid JSON "
                f"(they may have been cut off)"
            ) from None
        if not isinstance(arguments, dict):
            raise errors.StreamError(f"{provider} sent a call to the tool '{name}' whose arguments are not an object")
        # The id pairs the result with its call, across all the rounds of an answer: a server
        # that gives none still needs one that no other call of the conversation has.
        return ToolCall(pending.call_id or f"call_{uuid.uuid4().hex[:24]}", pending.name, arguments)
