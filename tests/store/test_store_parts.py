"""A message's parts in the store: every kind kept in order, attachments' bytes stored once."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from app.store import MIGRATIONS, Store, migrate
from app.store._schema import connect
from app.types import Part

PNG = b"\x89PNG\r\n\x1a\n" + bytes(40)
T0 = datetime(2025, 1, 2, tzinfo=UTC).isoformat()


def every_kind() -> tuple[Part, ...]:
    return (
        Part("thinking", "let me look", signature="sig-1"),
        Part("text", "I will read it."),
        Part.tool_call("call-1", "files.read", {"path": "a.txt", "lines": [1, 2]}, signature="sig-2"),
        Part.tool_result("call-1", "files.read", "contents", is_error=True),
        Part("file", "file text", name="notes.md", media_type="text/markdown"),
        Part("image", name="cat.png", media_type="image/png", data=PNG),
        Part("text", "Done."),
    )


def blob_count(path: Path) -> int:
    return sqlite3.connect(path).execute("SELECT count(*) FROM blobs").fetchone()[0]


def test_every_part_kind_comes_back_as_it_went_in(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    with Store(path) as store:
        chat = store.new_conversation("echo")
        question = store.add_message(chat.id, "user", "read it", None)
        answer = store.add_message(chat.id, "assistant", "I will read it.Done.", question.id, parts=every_kind())
        assert answer.parts == every_kind()
    with Store(path) as store:
        assert store.branch(chat.id)[1].parts == every_kind()
        assert store.get_message(chat.id, answer.id).parts == every_kind()
        assert store.branch(chat.id)[1].to_record().parts == every_kind()
        assert store.branch(chat.id)[0].parts == ()


def test_a_lone_text_part_is_just_the_content(tmp_path: Path) -> None:
    with Store(tmp_path / "history.db") as store:
        chat = store.new_conversation("echo")
        message = store.add_message(chat.id, "user", "hi", None, parts=(Part("text", "hi"),))
        assert message.parts == ()


def test_the_same_file_attached_twice_is_stored_once(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    attached = (Part("file", "same text " * 100, name="a.txt"), Part("image", name="c.png", media_type="image/png",
                                                                     data=PNG))  # fmt: skip
    with Store(path) as store:
        chat = store.new_conversation("echo")
        first = store.add_message(chat.id, "user", "one", None, parts=(*attached, Part("text", "one")))
        store.add_message(chat.id, "user", "two", first.id, parts=(*attached, Part("text", "two")))
        other = store.new_conversation("echo")
        store.add_message(other.id, "user", "three", None, parts=(attached[0], Part("text", "three")))
        assert blob_count(path) == 2
        assert [len(m.parts) for m in store.branch(chat.id)] == [3, 3]
        store.delete_conversation(chat.id)
        assert blob_count(path) == 1  # the file's text is still used by the other conversation
        store.delete_conversation(other.id)
        assert blob_count(path) == 0


def test_a_version_4_database_is_migrated_and_its_messages_have_no_parts(tmp_path: Path) -> None:
    path = tmp_path / "history.db"
    raw = connect(path)
    assert migrate(raw, MIGRATIONS[:4]) == 4
    raw.execute("INSERT INTO conversations (id, title, model, created, updated, head_id, message_count)"
                " VALUES (1, 'old', 'echo', ?, ?, 2, 2)", (T0, T0))  # fmt: skip
    raw.execute("INSERT INTO messages (id, conversation_id, parent_id, role, content, created, finish_reason)"
                " VALUES (1, 1, NULL, 'user', 'an old question', ?, NULL),"
                " (2, 1, 1, 'assistant', 'an old answer', ?, 'stop')", (T0, T0))  # fmt: skip
    raw.close()
    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS) == 7  # parts (5), batch runs (6), batch steps (7)
        old = store.branch(1)
        assert [(m.content, m.parts) for m in old] == [("an old question", ()), ("an old answer", ())]
        added = store.add_message(1, "user", "new", 2, parts=(Part("file", "x", name="x.txt"), Part("text", "new")))
        assert store.branch(1)[-1].parts == added.parts
        assert [hit.message_id for hit in store.search("old question")] == [1]
