"""The chip: what waits to go with the next message, on a line above the prompt.

    📎 notes.txt 16 B · report.pdf 1.2 MB · ~3,400 tokens

The prompt is drawn again at every key, so the line is worked out once for a
given set of attachments (sizing a large file's text is not free) and kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.types import Part
from app.ui.sanitize import visible
from app.ui.style import color_disabled

CHIP_STYLE = "ansiyellow"


class Chip:
    """The chip's line for the attachments it is shown, remembered until they change."""

    def __init__(self) -> None:
        self._shown: tuple[Part, ...] = ()  # held, so that their ids stay theirs while compared
        self._line = ""

    def line(self, attachments: Sequence[Part]) -> str:
        """`📎 name size · … · ~N tokens` (`attached: …` without colour); "" when nothing is attached."""
        if len(attachments) != len(self._shown) or any(a is not b for a, b in zip(attachments, self._shown)):
            from app.attachments import describe

            self._shown = tuple(attachments)
            self._line = describe(attachments, visible) if attachments else ""
        if not self._line:
            return ""
        return f"{'attached:' if color_disabled() else '📎'} {self._line}"

    def fragments(self, attachments: Sequence[Part]) -> list[tuple[str, str]]:
        """The chip as prompt-toolkit fragments ending the line, or none when nothing is attached."""
        line = self.line(attachments)
        if not line:
            return []
        return [("" if color_disabled() else CHIP_STYLE, line + "\n")]
