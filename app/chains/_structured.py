"""A step's JSON output as later templates see it: its fields by name, and its text as it came.

A step with a `schema:` answers JSON (checked against the schema when it
ends); `{{ steps.a.verdict }}` reads a field of it and `{{ steps.a }}` is
still the text the model wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class StructuredOutput(dict):
    """A JSON object output: a dict of its fields whose text (`str()`) is the answer as written."""

    def __init__(self, fields: Mapping[str, Any], text: str) -> None:
        super().__init__(fields)
        self.text = text

    def __str__(self) -> str:
        return self.text


def structured(value: Any, text: str) -> Any:
    """What templates get for an output whose JSON value is `value`: an object's fields, else the text."""
    return StructuredOutput(value, text) if isinstance(value, dict) else text


def placeholder(step_id: str, schema: Mapping[str, Any]) -> Any:
    """A dry run's stand-in for a JSON step: `⟨id⟩`, with `⟨id.field⟩` for each field of its schema
    (in a one-item list for a list field, so that filters such as `join` render)."""
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return f"⟨{step_id}⟩"
    fields = {}
    for name, spec in properties.items():
        shown = f"⟨{step_id}.{name}⟩"
        fields[name] = [shown] if isinstance(spec, Mapping) and spec.get("type") == "array" else shown
    return StructuredOutput(fields, f"⟨{step_id}⟩")
