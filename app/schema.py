"""Structured output: a JSON Schema from a file or a shorthand, and an answer checked against it.

The shorthand is a comma-separated list of fields, each `NAME [TYPE]`:

    name, age int, height float, admin bool, tags list, scores list[int], nickname?

- TYPE is `str` (the default), `int`, `float`, `bool`, `list` (a list of
  strings) or `list[T]` with T one of the four scalar types;
- a `?` after the name or the type makes the field optional (every other
  field is required);
- the result is an object schema with exactly those properties
  (`additionalProperties: false`).

Anything that names an existing file, or ends in `.json`, is read as a JSON
Schema file instead. jsonschema is imported only when an answer is checked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.errors import OrchError, UsageError

__all__ = ["SchemaMismatch", "check_answer", "from_shorthand", "load_schema"]

_SCALARS = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}
_FIELD = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<q1>\?)?(?:\s+(?P<type>[a-z]+(?:\[[a-z]+\])?)(?P<q2>\?)?)?$")
_FENCED = re.compile(r"^```[A-Za-z]*\n(?P<body>.*)\n```$", re.DOTALL)
_SHORTHAND_HELP = "Write fields as 'name, age int, tags list[str], note?' (types: str, int, float, bool, list, list[T])."


class SchemaMismatch(OrchError):
    """An answer that is not JSON, or whose JSON does not follow its schema; the message names the field."""


def from_shorthand(text: str) -> dict[str, Any]:
    """The JSON Schema a shorthand (see the module's docstring) stands for.

    Raises:
        UsageError: a field that is not `NAME [TYPE][?]`, an unknown type, or a name given twice.
    """
    properties: dict[str, Any] = {}
    required: list[str] = []
    for raw in text.split(","):
        match = _FIELD.match(raw.strip())
        if match is None:
            raise UsageError(f"schema field '{raw.strip()}' is not NAME [TYPE]", _SHORTHAND_HELP)
        name = match["name"]
        if name in properties:
            raise UsageError(f"schema field '{name}' is given twice")
        properties[name] = _type(match["type"] or "str")
        if not (match["q1"] or match["q2"]):
            required.append(name)
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _type(word: str) -> dict[str, Any]:
    if word in _SCALARS:
        return {"type": _SCALARS[word]}
    if word == "list":
        return {"type": "array", "items": {"type": "string"}}
    inner = word[5:-1] if word.startswith("list[") else None
    if inner in _SCALARS:
        return {"type": "array", "items": {"type": _SCALARS[inner]}}
    raise UsageError(f"unknown schema type '{word}'", _SHORTHAND_HELP)


def load_schema(spec: str | Mapping[str, Any], base: Path | None = None) -> dict[str, Any]:
    """The JSON Schema `spec` gives: a mapping as it is, a file's contents, or a shorthand's schema.

    Args:
        base: the folder a relative file name is read from (default: the working directory).

    Raises:
        UsageError: a file that cannot be read or is not a JSON object, or a bad shorthand.
    """
    if isinstance(spec, Mapping):
        return dict(spec)
    path = Path(spec).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    if not (path.is_file() or spec.strip().endswith(".json")):
        return from_shorthand(spec)
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read the schema file {path}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"the schema file {path} is not JSON: {exc}") from None
    if not isinstance(schema, dict):
        raise UsageError(f"the schema file {path} is not a JSON object")
    return schema


def check_answer(text: str, schema: Mapping[str, Any]) -> Any:
    """The JSON value of an answer, checked against `schema`. A fenced code block around it is allowed.

    Raises:
        SchemaMismatch: the text is not JSON, or the first (most relevant) mismatch, as
            `field.path: what is wrong` (`age: 'x' is not of type 'integer'`).
    """
    import jsonschema

    stripped = text.strip()
    fenced = _FENCED.match(stripped)
    try:
        value = json.loads(fenced["body"] if fenced else stripped)
    except ValueError as exc:
        raise SchemaMismatch(f"the answer is not JSON: {exc}", "The answer text was kept.") from None
    validator = jsonschema.validators.validator_for(schema)(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    if error is None:
        return value
    where = ".".join(str(p) for p in error.absolute_path)
    message = f"{where}: {error.message}" if where else error.message
    raise SchemaMismatch(f"the answer does not match the schema: {message}", "The answer text was kept.")
