"""The user's pager (`$PAGER`, else `less`), for output taller than the screen.

Rich renders the text (no styles: a pager not told to read escapes would show
them); this runs the pager on it, with the terminal as its screen and keyboard.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess

from rich.pager import Pager

DEFAULT = "less"


class CommandPager(Pager):
    """Shows text through a pager program.

    Args:
        argv: the program and its arguments.
    """

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv

    @classmethod
    def found(cls, env: dict[str, str] | None = None) -> CommandPager | None:
        """The user's pager (`$PAGER`, else `less`), or None when there is none to run."""
        environ = os.environ if env is None else env
        try:
            argv = shlex.split(environ.get("PAGER") or DEFAULT)
        except ValueError:
            return None
        return cls(argv) if argv and shutil.which(argv[0]) else None

    def show(self, content: str) -> None:
        try:
            subprocess.run(self.argv, input=content, text=True, check=False)
        except OSError:
            print(content, end="")  # the pager could not start: the text is shown anyway
