"""Untrusted text made safe for a terminal: a model's answer, a tool's output, a server's error body.

A leaf that imports nothing, so that every layer can clean what it quotes:
the views (through `app.ui.sanitize`) and the providers' error messages alike.

Every control character but newline and tab is made visible or dropped, one
character at a time: ESC becomes `␛`, other C0 controls their Unicode control
pictures (`\\x07` → `␇`), DEL `␡`, and the C1 controls (U+0080–U+009F, which
some terminals obey like ESC sequences: `\\x9b` is CSI) `⟨9b⟩`. A carriage
return is dropped (it only ever moves the cursor back over what was shown).

Because each character is mapped on its own, text can be cleaned piece by
piece as it streams: an escape sequence cut across two pieces is as harmless
as a whole one. What is left of a sequence after its ESC is plain text, shown.
"""

from __future__ import annotations

__all__ = ["visible"]

_KEEP = {"\n", "\t"}


def _table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code in range(0x20):
        if chr(code) not in _KEEP:
            table[code] = chr(0x2400 + code)  # ␀ … ␟, and ␛ for ESC
    table[0x0D] = None
    table[0x7F] = "␡"
    for code in range(0x80, 0xA0):
        table[code] = f"⟨{code:02x}⟩"
    return table


_TABLE = _table()


def visible(text: str) -> str:
    """`text` with every control character that a terminal would obey made visible (or dropped)."""
    if text.isprintable():  # the common case, and cheap: nothing to replace
        return text
    return text.translate(_TABLE)
