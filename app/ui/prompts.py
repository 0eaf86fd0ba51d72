"""Asking the user on the terminal: hidden input."""

from __future__ import annotations

import os
import sys

from app.errors import UsageError, VaultLockedError


def ask_hidden(prompt: str) -> str:
    """Read a line without echo from the controlling terminal.

    Raises:
        VaultLockedError: there is no terminal to ask on.
        UsageError: Ctrl-D at the prompt (nothing was entered).
    """
    import getpass

    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    except OSError:
        raise VaultLockedError(
            "the vault password is needed and there is no terminal to ask it on",
            "Set ORCH_VAULT_PASSWORD.",
        ) from None
    try:
        return getpass.getpass(prompt)
    except EOFError:  # Ctrl-D at the prompt
        print(file=sys.stderr)
        raise UsageError("nothing was entered; nothing was changed") from None
