"""The `chains:` section of config.yaml: a chain's steps, each a prompt template sent to a model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from app.config._base import Section, one_item_list

if TYPE_CHECKING:
    from pydantic import BeforeValidator, Field


def pydantic_names() -> dict[str, Any]:
    """The names this module's annotations take from pydantic, made when a file is first validated."""
    from pydantic import BeforeValidator, Field

    return {"Field": Field, "BeforeValidator": BeforeValidator}


@dataclass(kw_only=True, repr=False, eq=False)
class WhenConfig(Section):
    """A condition on an earlier step's output; exactly one test is given.

    `contains` / `not_contains` look for a substring, `equals` compares the
    output stripped of surrounding whitespace, `matches` is a regular
    expression searched for (`re.search`; `(?i)` makes it ignore case).
    """

    step: str
    contains: str | None = None
    not_contains: str | None = None
    equals: str | None = None
    matches: str | None = None


@dataclass(kw_only=True, repr=False, eq=False)
class StepConfig(Section):
    """One step: a prompt template sent to a model.

    `needs` unset means "the step before"; `needs: []` means "at once".
    """

    id: str
    prompt: str
    model: str | None = None
    system: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    needs: list[str] | None = None
    when: WhenConfig | None = None
    tools: list[str] = field(default_factory=list)
    schema_: Annotated[str | dict[str, Any] | None, Field(alias="schema")] = None
    attach: Annotated[list[str], BeforeValidator(one_item_list)] = field(default_factory=list)


@dataclass(kw_only=True, repr=False, eq=False)
class ChainConfig(Section):
    """A chain of steps.

    `variables` declares the `KEY=VALUE` pairs a run may be given, each with
    its default (null: the run must give it). `output` names the step whose
    output is the chain's (default: the last step), or a list of steps of
    which the first non-empty output is the chain's (branches of which only
    one runs, or a step and its fallback).
    """

    description: str | None = None
    variables: dict[str, str | None] = field(default_factory=dict)
    steps: Annotated[list[StepConfig], Field(min_length=1)]
    output: str | list[str] | None = None
