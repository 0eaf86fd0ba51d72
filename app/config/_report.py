"""Reading one configuration file and telling its problems as `file:line: what is wrong`."""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.config._base import Section, adapter, unknown_key
from app.config._discovery import why_not_a_file
from app.config._yaml import Parsed, YamlProblem, clip, decode, line_for, parse

# Far larger than any hand-written config; a file past it is a mistake (a log, a dump), not a config.
MAX_FILE_BYTES = 4 * 1024 * 1024
# A problem line longer than this was flooded by a value from the file.
_MAX_MESSAGE = 400
_KINDS = ("openai", "anthropic", "gemini", "echo")


class FileReport:
    """One file's parsed content and its problems, added to a shared list.

    Args:
        path: the file.
        problems: where its problems go, each formatted as `file:line: message`.
    """

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        self.parsed = Parsed(None)
        # Where validation failed, as pydantic locations: what a salvage must leave out.
        self.failed: list[tuple] = []

    @property
    def lines(self) -> dict[tuple, int]:
        return self.parsed.lines

    def add(self, loc: tuple, message: str) -> None:
        self.add_at(line_for(loc, self.lines), message)

    def add_at(self, line: int, message: str) -> None:
        self.problems.append(f"{self.path}:{line}: {clip(message, _MAX_MESSAGE)}")

    def parse(self) -> dict | None:
        """The file's top-level mapping ({} for an empty file), or None when it cannot be read."""
        try:
            self.parsed = parse(decode(self._read()))
        except OSError as exc:
            self.problems.append(f"{self.path}: cannot read: {exc.strerror or exc}")
            return None
        except YamlProblem as exc:
            self.add_at(exc.line, exc.message)
            return None
        for line, message in self.parsed.problems:
            self.add_at(line, message)
        data = self.parsed.data
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.add((), "expected a mapping at the top of the file")
            return None
        return data

    def _read(self) -> bytes:
        """The file's bytes; a folder, a device or a huge file is refused before it is opened."""
        if not self.path.is_file():
            raise OSError(0, why_not_a_file(self.path))
        if self.path.stat().st_size > MAX_FILE_BYTES:
            raise OSError(0, f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; not a config file")
        return self.path.read_bytes()

    def validate(self, model: type[Section], data: dict) -> Any:
        """`data` as `model`, or None after adding a problem for each error."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            self.add_errors(model, exc)
            return None

    def add_errors(self, model: type[Section], exc: ValidationError) -> None:
        for err in exc.errors():
            loc = tuple(err["loc"])
            self.failed.append(loc)
            self.add(loc, describe(model, err, loc, self.parsed.booleans))


def describe(model: type[Section], err: Mapping[str, Any], loc: tuple, booleans: Mapping[tuple, str]) -> str:
    """A pydantic error as the user reads it; `loc` is where it is in the file, from `model` down."""
    shown = _display_loc(loc)
    where = ".".join(clip(p, 60) for p in shown)
    parent = f" in {where.rsplit('.', 1)[0]}" if "." in where else ""
    kind = err["type"]
    if unknown_key(kind):
        return f"unknown key '{clip(loc[-1])}'{parent}{_nearest(str(loc[-1]), known_keys(model, loc[:-1]))}"
    if kind == "missing":
        return f"missing key '{loc[-1]}'{parent}"
    if kind == "union_tag_invalid":
        tag = err["input"].get("kind") if isinstance(err["input"], dict) else err["input"]
        return f"{where}: unknown kind '{clip(tag)}' (expected openai, anthropic, gemini or echo)"
    if kind == "union_tag_not_found":
        return f"{where}: missing key 'kind' (openai, anthropic, gemini or echo)"
    message = str(err["ctx"]["error"]) if kind == "value_error" and "ctx" in err else err["msg"]
    word = booleans.get(tuple(loc))
    if word is not None and isinstance(err.get("input"), bool):
        message += f"; YAML reads a bare {word} as a boolean: quote it (\"{word}\")"
    return f"{where}: {message}" if where else message


def _nearest(word: str, known: list[str]) -> str:
    near = difflib.get_close_matches(word, known, n=1)
    return f" (did you mean '{near[0]}'?)" if near else ""


def _display_loc(loc: tuple) -> tuple:
    """`loc` without the tag pydantic inserts for a provider's `kind` union."""
    if len(loc) > 2 and loc[0] == "providers" and loc[2] in _KINDS:
        return loc[:2] + loc[3:]
    return loc


def known_keys(model: type[Section], loc: tuple) -> list[str]:
    """The keys the schema allows in the mapping at `loc` (a pydantic location under `model`)."""
    candidates: list[Any] = [model]
    for part in loc:
        candidates = [found for tp in candidates for found in _step(tp, part)]
    return sorted({name for tp in candidates for m in _members(tp) if _is_model(m) for name in _keys(m)})


def _step(tp: Any, part: Any) -> list[Any]:
    """The types found one step down from `tp` along `part` (a field, a dict key, an index, a union's tag)."""
    found: list[Any] = []
    for member in _members(tp):
        origin = typing.get_origin(member)
        if _is_model(member):
            if part in _keys(member):
                found.append(_keys(member)[part])
            elif _tag_of(member) == part:
                found.append(member)
        elif origin is list and isinstance(part, int):
            found.append(typing.get_args(member)[0])
        elif origin is dict:
            found.append(typing.get_args(member)[1])
    return found


def _members(tp: Any) -> list[Any]:
    """The types `tp` may be: Annotated, Optional and unions taken apart."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _members(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(tp) for m in _members(arg)]
    return [] if tp is type(None) else [tp]


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


@cache
def _keys(section: type) -> dict[str, Any]:
    """The keys a section takes in a file (a field's alias, if it has one), each with its type."""
    adapter(section)  # binds the names the annotations take from pydantic
    hints = typing.get_type_hints(section, include_extras=True)
    keys: dict[str, Any] = {}
    for item in dataclasses.fields(section):
        hint = hints[item.name]
        meta = typing.get_args(hint)[1:] if typing.get_origin(hint) is typing.Annotated else ()
        alias = next((m.alias for m in meta if getattr(m, "alias", None)), None)
        keys[alias or item.name] = hint
    return keys


def _tag_of(model: type) -> Any:
    """The `kind` a member of a tagged union is chosen by, if it is one."""
    kind = _keys(model).get("kind")
    args = typing.get_args(kind) if kind is not None else ()
    return args[0] if len(args) == 1 else None
