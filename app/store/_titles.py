"""A conversation's title taken from a message: its first line of text, without markdown markup."""

from __future__ import annotations

import re

from app.store._types import TITLE_WIDTH, clean_title, shorten

_FENCE = re.compile(r"^\s*(```|~~~)")
_BLOCK_PREFIX = re.compile(r"^\s*(?:>\s*)*(?:#{1,6}(?=\s|$)|[-*+](?=\s)|\d{1,9}[.)](?=\s))?\s*")
_CLOSING_HASHES = re.compile(r"\s+#+\s*$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
# Inline markup, each replaced by the text it marks; applied in this order.
_INLINE = (
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),  # [text](url), ![alt](src)
    (re.compile(r"!?\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # [text][ref]
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),  # <https://…>
    (re.compile(r"(`+)(.+?)\1"), r"\2"),  # `code`
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # **strong**
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?!\w)"), r"\1"),  # *emphasis*
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"), r"\1"),  # _emphasis_ (snake_case stays)
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),  # ~~struck~~
)


def title_from(text: str, width: int = TITLE_WIDTH) -> str | None:
    """The title `text` gives: its first line with text, markdown markup dropped, shortened; None if none.

    Headings, quotes and list markers lose their prefix, code fences and rules
    are skipped, and emphasis, inline code and links keep only their text.
    """
    for line in text.splitlines():
        if _FENCE.match(line) or _RULE.match(line):
            continue
        plain = _plain(line)
        if plain.strip():
            return clean_title(shorten(plain, width))
    return None


def _plain(line: str) -> str:
    line = _CLOSING_HASHES.sub("", _BLOCK_PREFIX.sub("", line, count=1))
    for pattern, replacement in _INLINE:
        line = pattern.sub(replacement, line)
    return line
