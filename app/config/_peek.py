"""The default model named in a config file, read without parsing YAML or building the schema.

The REPL shows its prompt (which names the model) while the configuration is
still being validated. This reads the one top-level `default_model:` line; a
file that says it any other way (an anchor, a flow mapping, a multi-line
value) answers None, and the caller waits for the full configuration instead.
"""

from __future__ import annotations

import re
from pathlib import Path

_LINE = re.compile(r"""^default_model:[ \t]*(?:"([^"\\\n]*)"|'([^'\n]*)'|([^\s#'"&*!|>{\[][^\s#]*))[ \t]*(?:#.*)?$""",
                   re.MULTILINE)  # fmt: skip
_MAX_BYTES = 1 << 20


def peek_default_model(path: Path) -> str | None:
    """`default_model` of the config file at `path` when one plain line gives it, else None.

    None also when the file cannot be read, or names it more than once, or not
    at all (the schema's default then applies, which only full loading knows).
    """
    try:
        with path.open("rb") as file:
            text = file.read(_MAX_BYTES + 1)
    except OSError:
        return None
    if len(text) > _MAX_BYTES:
        return None
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        return None
    found = _LINE.findall(decoded)
    if len(found) != 1 or decoded.count("default_model") != 1:
        return None
    value = next(v for v in found[0] if v)
    return value or None
