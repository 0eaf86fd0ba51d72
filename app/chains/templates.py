"""Chain prompt templates: Jinja2 in a sandbox, checked before they run.

Templates come from config.yaml; the values they are filled with (the input,
earlier steps' outputs, run-time variables) are data and are never rendered
as templates themselves. The environment is a `SandboxedEnvironment` with
`StrictUndefined`, so `{{ input.__class__ }}` is refused and a misspelt name
is an error instead of an empty string. Rendering is bounded in time, output
size and integer size (see `_sandbox.py`), and `render_async` returns at once
when its task is cancelled.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.errors import ChainError

if TYPE_CHECKING:
    import asyncio

    from jinja2 import Template
    from jinja2.sandbox import SandboxedEnvironment

    from app.chains._sandbox import RenderLimits

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
        field_refs: the (step id, field) pairs read as `steps.ID.FIELD` (a JSON step's fields;
            a method called, `steps.ID.upper()`, is not one).
    """

    names: frozenset[str]
    step_refs: frozenset[str]
    private_attributes: frozenset[str]
    field_refs: frozenset[tuple[str, str]] = frozenset()


def environment(limits: RenderLimits | None = None) -> SandboxedEnvironment:
    """A fresh sandboxed environment (one per chain plan; none is shared globally), rendering within `limits`."""
    from jinja2 import StrictUndefined

    from app.chains._sandbox import DEFAULT_LIMITS, BoundedEnvironment

    return BoundedEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True, limits=limits or DEFAULT_LIMITS
    )


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
    called = {id(call.node) for call in tree.find_all(nodes.Call)}
    fields = {
        (node.node.attr, node.attr)
        for node in tree.find_all(nodes.Getattr)
        if isinstance(node.node, nodes.Getattr) and _is_steps(node.node.node) and id(node) not in called
    }
    return TemplateInfo(frozenset(names), frozenset(step_refs), frozenset(private), frozenset(fields))


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


def render(template: Template, context: Mapping[str, Any], stop: threading.Event | None = None) -> str:
    """Fill `template` in, within its environment's limits; setting `stop` ends it at once.

    Raises:
        TemplateProblem: an unknown name, a refused attribute or operation, a
            limit passed, or any other error the template met while rendering.
    """
    from jinja2 import TemplateError
    from jinja2.exceptions import SecurityError

    from app.chains._sandbox import DEFAULT_LIMITS, LimitExceeded, run_bounded

    try:
        return run_bounded(template, context, getattr(template.environment, "limits", DEFAULT_LIMITS), stop)
    except LimitExceeded as exc:
        raise TemplateProblem(f"template stopped: {exc.message}") from None
    except TemplateError as exc:
        kind = "refused" if isinstance(exc, SecurityError) else "error"
        raise TemplateProblem(f"template {kind}: {exc.message or exc}") from None
    except (RecursionError, MemoryError) as exc:
        raise TemplateProblem(f"template stopped: {type(exc).__name__}") from None
    except Exception as exc:  # a filter misused on data, e.g. int('abc')
        raise TemplateProblem(f"template error: {type(exc).__name__}: {exc}") from None


async def render_async(template: Template, context: Mapping[str, Any]) -> str:
    """`render` in a worker thread, so that the event loop runs on and cancelling the task returns at once.

    On cancellation the worker is told to stop and is not waited for: it ends
    at its next line of template code.

    Raises:
        TemplateProblem: as `render`.
        asyncio.CancelledError: the task was cancelled.
    """
    import asyncio

    loop = asyncio.get_running_loop()
    done: asyncio.Future[str] = loop.create_future()
    stop = threading.Event()

    def work() -> None:
        try:
            result: str | BaseException = render(template, context, stop)
        except BaseException as exc:  # handed to the waiting task, which raises it
            result = exc
        if not stop.is_set():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody waits any more
                loop.call_soon_threadsafe(_settle, done, result)

    # A daemon thread: one still finishing a stopped template never holds up the exit.
    threading.Thread(target=work, name="orch-template", daemon=True).start()
    try:
        return await done
    except asyncio.CancelledError:
        stop.set()
        raise


def _settle(future: asyncio.Future[str], result: str | BaseException) -> None:
    if future.done():
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)
