"""A title taken from a message is its text, not its markdown."""

import pytest

from app.store import Store


@pytest.mark.parametrize(
    ("message", "title"),
    [
        ("## Section 1\nbody", "Section 1"),
        ("# Plan #\n", "Plan"),
        ("**Bold** and *slanted* and _under_ words", "Bold and slanted and under words"),
        ("Read [the docs](https://example.com/a_b) now", "Read the docs now"),
        ("![a chart](chart.png)", "a chart"),
        ("```python\nprint('hi')\n```", "print('hi')"),
        ("use `snake_case_names` and __init__", "use snake_case_names and init"),
        ("> - quoted *item*", "quoted item"),
        ("1. first step", "first step"),
        ("---\n~~old~~ new", "old new"),
        ("snake_case_word stays", "snake_case_word stays"),
        ("2 * 3 * 4 is 24", "2 * 3 * 4 is 24"),
    ],
)
def test_a_title_from_a_message_drops_markdown(tmp_path, message, title):
    with Store(tmp_path / "history.db") as store:
        chat = store.new_conversation("echo")
        store.add_message(chat.id, "user", message, parent_id=None)
        assert store.get_conversation(chat.id).title == title


def test_a_message_of_markup_only_gives_no_title(tmp_path):
    with Store(tmp_path / "history.db") as store:
        chat = store.new_conversation("echo")
        store.add_message(chat.id, "user", "```\n```", parent_id=None)
        assert store.get_conversation(chat.id).title is None


def test_a_failed_request_drops_the_markdown_free_title_it_gave(tmp_path):
    with Store(tmp_path / "history.db") as store:
        chat = store.new_conversation("echo")
        question = store.add_message(chat.id, "user", "## Why *this*", parent_id=None)
        assert store.get_conversation(chat.id).title == "Why this"
        store.set_failed(chat.id, question.id)
        assert store.get_conversation(chat.id).title is None
