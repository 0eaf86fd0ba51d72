"""The sandbox templates render in, with limits: no operation too big, no render too long or too large.

Jinja2's `SandboxedEnvironment` keeps a template from reaching Python's
internals but not from asking for a 10**9-character string, an integer of a
billion digits or ten billion loop turns. Here each of those is refused or
stopped:

- `BoundedEnvironment` checks the size of what `*`, `**` and `%` would make
  before making it, refuses a width past the output limit in a format string
  or a padding method or filter (`'a'.ljust(10**9)`, `|center(10**9)`), and
  any integer or string result past its limit. Jinja2's own `range` already
  refuses more than 100,000 items; nested loops are left to the time and
  output limits.
- `run_bounded` renders chunk by chunk (`generate()`), counting the output,
  with a trace function that stops the template's code at the deadline or
  when asked to stop (a cancelled chain), even in a loop that prints nothing.

This module imports jinja2: it is imported only where a template is first needed.
"""

from __future__ import annotations

import functools
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import Template
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from app.errors import ChainError


@dataclass(frozen=True)
class RenderLimits:
    """How far one render may go.

    Args:
        seconds: wall time for one template.
        max_output: characters a template may produce (and any one string or list it builds).
        max_int_bits: the size of any integer it computes.
    """

    seconds: float = 2.0
    max_output: int = 1_000_000
    max_int_bits: int = 4096


DEFAULT_LIMITS = RenderLimits()


class LimitExceeded(ChainError):
    """A template went past one of its `RenderLimits`."""


class _Stopped(BaseException):
    """Raised inside the template's code by the trace function; BaseException so no `except Exception` eats it."""


# A width or precision in a format string (`%9999999d`, `{:>9999999}`): any run of digits.
_FORMAT_NUMBER = re.compile(r"\d+")
# Methods and filters whose integer arguments are a size to pad or indent to.
_SIZED = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs", "do_center", "do_indent"})


class BoundedEnvironment(SandboxedEnvironment):
    """A sandbox whose operators, calls and filters refuse results past `limits` before making them."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def __init__(self, *args: Any, limits: RenderLimits = DEFAULT_LIMITS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.filters = {
            name: _guarded_filter(self, f) if f.__name__ in _SIZED or f.__name__ == "do_format" else f
            for name, f in self.filters.items()
        }

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        self._check_binop(operator, left, right)
        result = super().call_binop(context, operator, left, right)
        self._check_value(result)
        return result

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        name = getattr(__obj, "__name__", "")
        # The sandbox hands `str.format` out wrapped; the string it formats is the wrapped method's.
        bound_to = getattr(__obj, "__self__", None) or getattr(getattr(__obj, "__wrapped__", None), "__self__", None)
        if isinstance(bound_to, str):
            if name in _SIZED:
                __self._check_sizes(name, args, kwargs)
            elif name == "format":
                __self._check_format(bound_to)
        return super().call(__context, __obj, *args, **kwargs)

    def _check_binop(self, operator: str, left: Any, right: Any) -> None:
        limits = self.limits
        if _is_int(left) and _is_int(right):
            if operator == "**" and right > 0 and abs(left) > 1:
                bits = right * max(abs(left).bit_length() - 1, 1)
            elif operator == "*":
                bits = left.bit_length() + right.bit_length()
            else:
                return
            if bits > limits.max_int_bits:
                raise SecurityError(f"{operator} would make a number past {limits.max_int_bits} bits")
        elif operator == "*" and (_is_int(left) or _is_int(right)):
            count, sized = (left, right) if _is_int(left) else (right, left)
            if hasattr(sized, "__len__") and count > 0 and len(sized) * count > limits.max_output:
                raise SecurityError(f"repeating that would make more than {limits.max_output:,} items")
        elif operator == "%" and isinstance(left, str):
            self._check_format(left)

    def _check_value(self, value: Any) -> None:
        if _is_int(value) and value.bit_length() > self.limits.max_int_bits:
            raise SecurityError(f"a number past {self.limits.max_int_bits} bits")
        if isinstance(value, str | list | tuple) and len(value) > self.limits.max_output:
            raise SecurityError(f"a value of more than {self.limits.max_output:,} items")

    def _check_sizes(self, name: str, args: tuple, kwargs: Mapping[str, Any]) -> None:
        for value in (*args, *kwargs.values()):
            if _is_int(value) and abs(value) > self.limits.max_output:
                shown = name.removeprefix("do_")
                raise SecurityError(f"{shown} was given {value}, past the limit of {self.limits.max_output:,}")

    def _check_format(self, text: str) -> None:
        if any(int(number) > self.limits.max_output for number in _FORMAT_NUMBER.findall(text)):
            raise SecurityError(f"a format width past the limit of {self.limits.max_output:,}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _guarded_filter(env: BoundedEnvironment, fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)  # keeps `jinja_pass_arg`, which tells Jinja2 what the filter is passed first
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if fn.__name__ == "do_format":
            if args and isinstance(args[0], str):
                env._check_format(args[0])
        else:
            env._check_sizes(fn.__name__, args[1:], kwargs)
        return fn(*args, **kwargs)

    return guarded


def run_bounded(
    template: Template, context: Mapping[str, Any], limits: RenderLimits, stop: threading.Event | None = None
) -> str:
    """Render `template`, in this thread, within `limits`; `stop` set from elsewhere ends it at once.

    Raises:
        LimitExceeded: the output or the time passed its limit.
        _Stopped: `stop` was set (the caller asked for it and knows).
        Exception: whatever the template itself raised.
    """
    deadline = time.monotonic() + limits.seconds
    stop = stop or threading.Event()
    previous = sys.gettrace()
    sys.settrace(_tracer(deadline, stop))
    try:
        return _collect(template.generate(context), limits.max_output)
    except _Stopped:
        if stop.is_set():
            raise
        raise LimitExceeded(f"the template ran past its {limits.seconds:g} s limit") from None
    finally:
        sys.settrace(previous)


def _collect(chunks: Iterator[str], max_output: int) -> str:
    out: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > max_output:
            raise LimitExceeded(f"the template's output passed its limit of {max_output:,} characters")
        out.append(chunk)
    return "".join(out)


def _tracer(deadline: float, stop: threading.Event) -> Callable[..., Any]:
    """A trace function that ends the render at `deadline` or on `stop`.

    It is asked at every call, and at every line of the template's own code
    (where its loops are); other code's lines are not traced, which would
    make rendering many times slower.
    """

    def trace(frame: Any, event: str, arg: Any) -> Any:
        if stop.is_set() or time.monotonic() > deadline:
            raise _Stopped
        return trace if frame.f_code.co_filename == _TEMPLATE_FILE else None

    return trace


# The file name Jinja2 compiles a template from a string under.
_TEMPLATE_FILE = "<template>"
