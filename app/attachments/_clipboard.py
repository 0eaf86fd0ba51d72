"""The clipboard's image or text, through whichever clipboard tool the system has."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Sequence

from app.attachments._kinds import image_type
from app.errors import UsageError
from app.types import Part

Which = Callable[[str], str | None]
Run = Callable[[Sequence[str]], bytes]

CLIPBOARD_NAME = "clipboard"
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
# (tool, how to list what it holds, how to read one type, how to read text), Wayland first.
_TOOLS = (
    ("wl-paste", ["wl-paste", "--list-types"], ["wl-paste", "--no-newline", "--type"], ["wl-paste", "--no-newline"]),
    ("xclip", ["xclip", "-selection", "clipboard", "-t", "TARGETS", "-o"], ["xclip", "-selection", "clipboard", "-o", "-t"],
     ["xclip", "-selection", "clipboard", "-o"]),
    ("pbpaste", None, None, ["pbpaste"]),
)  # fmt: skip


def _run(command: Sequence[str]) -> bytes:
    return subprocess.run(command, capture_output=True, timeout=5, check=True).stdout


def clipboard_part(which: Which = shutil.which, run: Run = _run) -> Part:
    """The clipboard as a part: an image when it holds one, else its text.

    Args:
        which: finds a tool on PATH (tests pass a fake).
        run: runs a tool and returns its output.

    Raises:
        UsageError: no clipboard tool, or the clipboard is empty or unreadable.
    """
    for tool, list_types, read_type, read_text in _TOOLS:
        if which(tool) is None:
            continue
        try:
            if list_types is not None and read_type is not None:
                offered = run(list_types).decode("utf-8", "replace").split()
                wanted = next((t for t in _IMAGE_TYPES if t in offered), None)
                if wanted is not None:
                    data = run([*read_type, wanted])
                    media_type = image_type(data)
                    if media_type is not None:
                        return Part("image", name=CLIPBOARD_NAME, media_type=media_type, data=data)
            text = run(read_text).decode("utf-8", "replace")
        except (OSError, subprocess.SubprocessError):
            raise UsageError(f"{tool} could not read the clipboard") from None
        if not text.strip():
            raise UsageError("the clipboard is empty")
        return Part("file", text, name=CLIPBOARD_NAME, media_type="text/plain")
    raise UsageError(
        "no clipboard tool found (wl-paste, xclip or pbpaste)",
        "Install wl-clipboard (Wayland) or xclip (X11); on macOS pbpaste is there already.",
    )
