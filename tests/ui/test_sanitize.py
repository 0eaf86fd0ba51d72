"""Untrusted text never reaches the terminal as control sequences."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.ui.sanitize import visible

HOSTILE = "Hi \x1b]0;PWNED\x1b\\ and \x1b]52;c;cHduZWQ=\x1b\\ end \x1b[2J\x1b[6n \x9b31m \x1bP+q\x1b\\ \x07"


def test_hostile_sequences_are_made_visible() -> None:
    shown = visible(HOSTILE)
    assert "\x1b" not in shown and "\x9b" not in shown and "\x07" not in shown
    assert shown.startswith("Hi ␛]0;PWNED␛\\ and ␛]52;c;")
    assert "⟨9b⟩31m" in shown and shown.endswith("␇")


def test_text_newlines_tabs_and_unicode_are_kept() -> None:
    text = "# Title\n\n\tcode → ✓ ünïcödé 日本語\n"
    assert visible(text) == text


def test_carriage_returns_are_dropped() -> None:
    assert visible("line one\r\nline two\rover") == "line one\nline twoover"


@given(st.text())
def test_no_control_character_but_newline_and_tab_survives(text: str) -> None:
    shown = visible(text)
    assert all(ch in "\n\t" or not (ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0) for ch in shown)


@given(st.lists(st.text(), max_size=8))
def test_cleaning_piece_by_piece_is_cleaning_the_whole(pieces: list[str]) -> None:
    assert "".join(visible(p) for p in pieces) == visible("".join(pieces))
