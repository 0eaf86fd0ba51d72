"""The keys of the REPL's input line: Enter sends, Esc-Enter or a trailing backslash starts a new line."""

from __future__ import annotations

from prompt_toolkit.application.current import get_app
from prompt_toolkit.filters import Condition
from prompt_toolkit.key_binding import KeyBindings


@Condition
def _ends_with_backslash() -> bool:
    return get_app().current_buffer.document.text_before_cursor.endswith("\\")


@Condition
def _menu_open() -> bool:
    return get_app().current_buffer.complete_state is not None


def key_bindings() -> KeyBindings:
    """Enter sends; Esc-Enter, or Enter after a trailing backslash, starts a new line.

    Esc while the completion menu is open closes it, at once: the Enter that follows sends the
    line rather than completing an Esc-Enter.
    """
    kb = KeyBindings()

    @kb.add("escape", filter=_menu_open, eager=True)
    def _close_menu(event) -> None:
        event.current_buffer.cancel_completion()

    @kb.add("escape", "enter")
    def _newline(event) -> None:
        event.current_buffer.insert_text("\n")

    @kb.add("enter", filter=_ends_with_backslash, eager=True)
    def _continue(event) -> None:
        buffer = event.current_buffer
        buffer.delete_before_cursor(1)
        buffer.insert_text("\n")

    return kb
