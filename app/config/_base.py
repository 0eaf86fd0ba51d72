"""What every section of the schema is: a read-only dataclass that pydantic validates.

The sections are plain dataclasses so that a configuration already checked
(`_snapshot`) comes back without importing pydantic. Their annotations are
strings until a file must be validated; `pydantic_names()` in each schema
module then supplies the names they take from pydantic (`Field`, validators).
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields
from functools import cache
from typing import Any, TypeVar

_S = TypeVar("_S", bound="Section")


class Section:
    """A part of the schema; unknown keys are refused, and a section is read-only once made.

    The sections are plain (not `frozen=True`) dataclasses made read-only here: a frozen
    dataclass costs twice the start-up time to define, and every start defines them all.
    Each field may be set once (by `__init__`); setting it again, or deleting it, is refused.
    """

    __pydantic_config__ = {"extra": "forbid"}  # a pydantic ConfigDict, read by pydantic only

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.__dict__:
            raise FrozenInstanceError(f"cannot assign to field {name!r}: a configuration section is read-only")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}: a configuration section is read-only")

    # The same two methods for every section, rather than a pair generated (and compiled) for each
    # one at start-up: the sections are declared `@dataclass(kw_only=True, repr=False, eq=False)`.

    def __repr__(self) -> str:
        shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self))  # type: ignore[arg-type]
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in fields(self))  # type: ignore[arg-type]

    __hash__ = None  # type: ignore[assignment]  # equal by value and not frozen: not hashable

    @classmethod
    def model_validate(cls: type[_S], data: Any) -> _S:
        """`data` (a mapping from YAML) as this section, checked.

        Raises:
            pydantic.ValidationError: every problem, each with its location.
        """
        return adapter(cls).validate_python(data)


@cache
def adapter(cls: type) -> Any:
    """The pydantic TypeAdapter of a section, built once."""
    from pydantic import TypeAdapter

    _bind_pydantic_names()
    return TypeAdapter(cls)


@cache
def _bind_pydantic_names() -> None:
    from app.config import _chains, _schema, _tools

    for module in (_tools, _chains, _schema):
        vars(module).update(module.pydantic_names())


def one_item_list(value: Any) -> Any:
    """A lone string where a list of strings is expected (`-o stop=END`) is a list of one."""
    return [value] if isinstance(value, str) else value


def unknown_key(error_type: str) -> bool:
    """Whether a pydantic error type says a key is not in the schema."""
    return error_type in ("extra_forbidden", "unexpected_keyword_argument")
