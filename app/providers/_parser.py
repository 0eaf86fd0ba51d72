"""What the three wire-format parsers share."""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from app import errors
from app.providers.base import Event, Finish, Usage
from app.providers.errors import malformed_chunk

if TYPE_CHECKING:
    from app.providers._http import Endpoint

_MAX_COUNT = 10**12
"""More tokens than any answer has: a count past it is noise, not a count."""


def token_count(value: Any) -> int | None:
    """A token count as a server sent it, as an int; None for what is not one.

    Some servers send counts as strings (`"3"`) or floats (`3.0`): those are
    read. Anything else (a list, a negative, `true`, a huge or fractional
    number) is ignored rather than allowed to lose the answer.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value.isascii() or not value.isdigit() or len(value) > 13:
            return None
        value = int(value)
    elif isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            return None
        value = int(value)
    if not isinstance(value, int) or not 0 <= value <= _MAX_COUNT:
        return None
    return value


def total(*values: Any) -> int | None:
    """The sum of the counts among `values` that are counts; None when none is."""
    counts = [c for c in map(token_count, values) if c is not None]
    return sum(counts) if counts else None


def field(mapping: Any, name: str) -> Any:
    """`mapping[name]` when `mapping` is a JSON object that has it, else None."""
    return mapping.get(name) if isinstance(mapping, dict) else None


class AnswerParser:
    """The state of one answer being parsed: its text so far, usage, and how it ended.

    Subclasses fill `_input`, `_output`, `_cached`, `_cache_write` and `_finish`
    as chunks come, and set `_complete` when the wire says the answer is whole.
    """

    def __init__(self, endpoint: Endpoint) -> None:
        self._endpoint = endpoint
        self._input: int | None = None
        self._output: int | None = None
        self._cached: int | None = None
        self._cache_write: int | None = None
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
        except RecursionError:  # `[[[[…` thousands deep
            raise malformed_chunk(self._endpoint, data) from None

    def _take_finish(self, reason: Any) -> None:
        """Keep the finish reason a chunk gives, if it gives one that is a word."""
        if isinstance(reason, str) and reason:
            self._finish = reason

    def usage(self) -> list[Event]:
        """The usage so far as an event, if the provider gave any."""
        counts = (self._input, self._output, self._cached, self._cache_write)
        if all(count is None for count in counts):
            return []
        return [Usage(*counts)]

    def finish(self) -> list[Event]:
        """The closing events: usage if any was given, then the finish reason.

        Raises:
            StreamError: the stream ended with neither a finish reason nor an end marker.
        """
        if self._finish is None and not self._complete:
            raise errors.StreamError(f"{self._endpoint.provider}'s answer stopped before it was complete")
        return [*self.usage(), Finish(self._finish)]
