"""Chain prompt templates: Jinja2 in a sandbox, checked before they run.

Templates come from config.yaml; the values they are filled with (the input,
earlier steps' outputs, run-time variables) are data and are never rendered
as templates themselves. The environment is a `SandboxedEnvironment` with
`StrictUndefined`, so `{{ input.__class__ }}` is refused and a misspelt name
is an error instead of an empty string.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.errors import ChainError

if TYPE_CHECKING:
    from jinja2 import Template
    from jinja2.sandbox import SandboxedEnvironment

STEPS = "steps"
INPUT = "input"


class TemplateProblem(ChainError):
    """A template that does not parse, or one that failed while being filled in."""


@dataclass(frozen=True)
class TemplateInfo:
    """What a template refers to, found by reading its syntax tree.

    Args:
        names: top-level variables it reads (`input`, `steps`, `tone`…).
        step_refs: step ids named as `steps.ID` or `steps['ID']`.
        private_attributes: attributes starting with `_` (refused by the sandbox anyway).
    """

    names: frozenset[str]
    step_refs: frozenset[str]
    private_attributes: frozenset[str]


def environment() -> SandboxedEnvironment:
    """A fresh sandboxed environment (one per chain plan; none is shared globally)."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


def analyse(env: SandboxedEnvironment, source: str) -> TemplateInfo:
    """Read what `source` refers to without running it.

    Raises:
        TemplateProblem: the template does not parse.
    """
    from jinja2 import TemplateSyntaxError, meta, nodes

    try:
        tree = env.parse(source)
        names = meta.find_undeclared_variables(tree)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax error on its line {exc.lineno}: {exc.message}") from None
    step_refs: set[str] = set()
    private: set[str] = set()
    for node in tree.find_all(nodes.Getattr):
        if node.attr.startswith("_"):
            private.add(node.attr)
        if _is_steps(node.node):
            step_refs.add(node.attr)
    for item in tree.find_all(nodes.Getitem):
        if _is_steps(item.node) and isinstance(item.arg, nodes.Const) and isinstance(item.arg.value, str):
            step_refs.add(item.arg.value)
    return TemplateInfo(frozenset(names), frozenset(step_refs), frozenset(private))


def _is_steps(node: object) -> bool:
    from jinja2 import nodes

    return isinstance(node, nodes.Name) and node.name == STEPS


def compile_template(env: SandboxedEnvironment, source: str) -> Template:
    """Compile `source` once, to be rendered for each run.

    Raises:
        TemplateProblem: the template does not parse.
    """
    from jinja2 import TemplateSyntaxError

    try:
        return env.from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax error on its line {exc.lineno}: {exc.message}") from None


def render(template: Template, context: Mapping[str, Any]) -> str:
    """Fill `template` in.

    Raises:
        TemplateProblem: an unknown name, a refused attribute, or any other
            error the template met while rendering.
    """
    from jinja2 import TemplateError
    from jinja2.exceptions import SecurityError

    try:
        return template.render(context)
    except TemplateError as exc:
        kind = "refused" if isinstance(exc, SecurityError) else "error"
        raise TemplateProblem(f"template {kind}: {exc.message or exc}") from None
    except Exception as exc:  # a filter misused on data, e.g. int('abc')
        raise TemplateProblem(f"template error: {type(exc).__name__}: {exc}") from None
