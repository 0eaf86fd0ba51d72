"""What the tools layer hands out: plain frozen records, no SDK types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ToolInfo:
    """A tool a server offers.

    Attributes:
        server: the server's name in `mcp_servers:`.
        name: the tool's name on that server.
        description: what the server says it does ("" when it says nothing).
        input_schema: the JSON schema of its arguments.
    """

    server: str
    name: str
    description: str = ""
    input_schema: dict[str, Any] = field(default_factory=dict)

    @property
    def qualified(self) -> str:
        """`server.tool`: how config, approval and the model's tool list name it."""
        return f"{self.server}.{self.name}"


@dataclass(frozen=True)
class PromptArgument:
    name: str
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class PromptInfo:
    """A prompt template a server offers, and the arguments it takes."""

    server: str
    name: str
    description: str = ""
    arguments: tuple[PromptArgument, ...] = ()


@dataclass(frozen=True)
class ResourceInfo:
    """A resource a server offers, to read by its URI."""

    server: str
    uri: str
    name: str = ""
    mime_type: str | None = None


@dataclass(frozen=True)
class ServerListing:
    """What one server offers, or why it could not say.

    Attributes:
        name: the server's name in `mcp_servers:`.
        transport: `stdio` or `http`.
        error: None when the server started and answered; else the one line that says why not.
    """

    name: str
    transport: str
    tools: tuple[ToolInfo, ...] = ()
    prompts: tuple[PromptInfo, ...] = ()
    resources: tuple[ResourceInfo, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class CallResult:
    """The outcome of one tool call: what goes back to the model.

    A tool that failed, timed out, or whose server is gone is a result with
    `is_error` and the reason as its text, never an exception.

    Attributes:
        text: the result's content as text (its text parts joined; other parts
            named by a note), cut to the limit with a note saying so.
        is_error: the tool failed (or could not be run).
        seconds: how long the call took, start of the server included.
        size: characters of the whole result, before any cut.
        cut: the text was cut to the limit.
    """

    server: str
    tool: str
    text: str
    is_error: bool
    seconds: float
    size: int
    cut: bool = False


@dataclass(frozen=True)
class PromptMessage:
    """One message of a prompt a server filled in."""

    role: str
    text: str


@dataclass(frozen=True)
class ResourceText:
    """A resource as read: its text parts joined, other parts named by a note, cut to the limit."""

    server: str
    uri: str
    mime_type: str | None
    text: str
    size: int
    cut: bool = False
