"""The one error of the tools layer."""

from __future__ import annotations

from app.errors import OrchError


class ToolError(OrchError):
    """An MCP server that cannot be started or reached, or a prompt or resource it cannot give.

    A tool call that fails is not this: it is a `CallResult` with `is_error`,
    which goes back to the model. The message is one line and names the server;
    it never holds a secret.
    """
