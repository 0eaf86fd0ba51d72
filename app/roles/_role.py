"""One role: a saved system prompt with the model, options and tools it goes with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from app.errors import UsageError

INPUT = "input"


@dataclass(frozen=True)
class SavedRole:
    """A role, as read from a markdown file, a Fabric pattern folder or config.yaml.

    Attributes:
        name: what `-r` and `/role` call it.
        prompt: the system prompt, a sandboxed Jinja2 template that may use `{{ input }}`.
        description: one line for `/roles`.
        model: the model it answers with (None: the conversation's).
        options: model options laid under the conversation's own.
        tools: MCP tools (`server` or `server.tool`) it may call.
        source: where it was read from (`shipped`, `config.yaml`, or a file's path).
    """

    name: str
    prompt: str
    description: str | None = None
    model: str | None = None
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    tools: tuple[str, ...] = ()
    source: str = "shipped"

    def system_prompt(self, text: str = "") -> str:
        """The system prompt for a user message `text`: the body, with `{{ input }}` made `text`.

        A body with no template syntax is the system prompt as it stands (and
        jinja2 is not imported for it).

        Raises:
            UsageError: the body is not a valid template, or uses a name other than `input`.
        """
        if "{{" not in self.prompt and "{%" not in self.prompt:
            return self.prompt
        from app.chains import templates

        env = templates.environment()
        try:
            return templates.render(templates.compile_template(env, self.prompt), {INPUT: text})
        except templates.TemplateProblem as exc:
            raise UsageError(f"role '{self.name}' ({self.source}): {exc.message}") from None
