"""What the three wire-format parsers share."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from app import errors
from app.providers.base import Event, Finish, Usage
from app.providers.errors import malformed_chunk

if TYPE_CHECKING:
    from app.providers._http import Endpoint


class AnswerParser:
    """The state of one answer being parsed: its text so far, usage, and how it ended.

    Subclasses fill `_input`, `_output` and `_finish` as chunks come,
    and set `_complete` when the wire says the answer is whole.
    """

    def __init__(self, endpoint: Endpoint) -> None:
        self._endpoint = endpoint
        self._input: int | None = None
        self._output: int | None = None
        self._finish: str | None = None
        self._complete = False

    def _load(self, data: str) -> Any:
        """One streamed chunk as JSON.

        Raises:
            StreamError: the chunk is not valid JSON; the message quotes what arrived.
        """
        try:
            return json.loads(data)
        except ValueError:
            raise malformed_chunk(self._endpoint, data) from None

    def finish(self) -> list[Event]:
        """The closing events: usage if any was given, then the finish reason.

        Raises:
            StreamError: the stream ended with neither a finish reason nor an end marker.
        """
        if self._finish is None and not self._complete:
            raise errors.StreamError(f"{self._endpoint.provider}'s answer stopped before it was complete")
        usage = [Usage(self._input, self._output)] if self._input is not None or self._output is not None else []
        return [*usage, Finish(self._finish)]
