import json
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.errors import OrchError, UsageError
from app.export import export_json, export_markdown
from app.store import MIGRATIONS, Store, migrate, shorten
from app.store._schema import connect

T0 = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


class FakeClock:
    """One second later at every call, so orders by time are deterministic."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "history.db"


@pytest.fixture
def store(db_path: Path):
    with Store(db_path, clock=FakeClock()) as opened:
        yield opened


def exchange(store: Store, conversation_id: int, question: str, answer: str, parent: int | None = None):
    q = store.add_message(conversation_id, "user", question, parent)
    a = store.add_message(
        conversation_id, "assistant", answer, q.id, model="echo", input_tokens=10, output_tokens=5
    )
    return q, a


# --- opening and migrations -----------------------------------------------------


def test_new_database_is_created_at_the_latest_version_in_wal_mode(db_path):
    with Store(db_path) as store:
        assert store.schema_version == len(MIGRATIONS)
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db_path.stat().st_mode & 0o777 == 0o600


def test_reopening_keeps_everything(db_path):
    with Store(db_path) as store:
        chat = store.new_conversation("echo")
        exchange(store, chat.id, "hello", "hi")
    with Store(db_path) as store:
        assert [m.content for m in store.branch(chat.id)] == ["hello", "hi"]


def test_migrates_a_version_1_database(db_path):
    db_path.parent.mkdir()
    raw = connect(db_path)
    assert migrate(raw, MIGRATIONS[:1]) == 1
    raw.execute(
        "INSERT INTO conversations (id, title, model, created, updated, head_id, message_count)"
        " VALUES (1, 'old', 'echo', ?, ?, 2, 2)",
        (T0.isoformat(), T0.isoformat()),
    )
    raw.execute(
        "INSERT INTO messages (id, conversation_id, parent_id, role, content, created)"
        " VALUES (1, 1, NULL, 'user', 'an aardvark question', ?), (2, 1, 1, 'assistant', 'an answer', ?)",
        (T0.isoformat(), T0.isoformat()),
    )
    raw.close()

    with Store(db_path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert [hit.message_id for hit in store.search("aardvark")] == [1]  # indexed by the migration
        store.add_message(1, "user", "a second aardvark", 2)
        assert len(store.search("aardvark")) == 2
        assert store.get_conversation(1).message_count == 3


def test_a_database_from_a_newer_orch_is_refused_and_left_alone(db_path):
    Store(db_path).close()
    raw = sqlite3.connect(db_path)
    raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    raw.close()
    with pytest.raises(OrchError, match="newer"):
        Store(db_path)
    assert sqlite3.connect(db_path).execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) + 1


def test_a_file_that_is_not_a_database_gives_a_readable_error(db_path):
    db_path.parent.mkdir()
    db_path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(OrchError, match="cannot open") as caught:
        Store(db_path)
    assert caught.value.hint


# --- conversations ------------------------------------------------------------------


def test_add_message_moves_head_and_counts(store):
    chat = store.new_conversation("echo")
    assert (chat.head_id, chat.message_count, chat.title) == (None, 0, None)
    q, a = exchange(store, chat.id, "hello", "hi")
    chat2 = store.get_conversation(chat.id)
    assert chat2.head_id == a.id
    assert chat2.message_count == 2
    assert chat2.updated == a.created > chat.updated
    assert (a.parent_id, a.model, a.input_tokens, a.output_tokens, a.status) == (
        q.id,
        "echo",
        10,
        5,
        "complete",
    )


def test_partial_answers_keep_their_status(store):
    chat = store.new_conversation("echo")
    q = store.add_message(chat.id, "user", "tell me", None)
    store.add_message(chat.id, "assistant", "once upon", q.id, status="interrupted")
    assert [m.status for m in store.branch(chat.id)] == ["complete", "interrupted"]


def test_bad_arguments_are_refused(store):
    chat = store.new_conversation("echo")
    other = store.new_conversation("echo")
    foreign = store.add_message(other.id, "user", "elsewhere", None)
    with pytest.raises(ValueError):
        store.add_message(chat.id, "user", "x", foreign.id)
    with pytest.raises(ValueError):
        store.add_message(chat.id, "robot", "x", None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.add_message(chat.id, "assistant", "x", None, status="done")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        store.set_head(chat.id, foreign.id)
    with pytest.raises(UsageError):
        store.add_message(999, "user", "x", None)
    assert store.get_conversation(chat.id).message_count == 0


def test_titles(store):
    chat = store.new_conversation("echo")
    store.add_message(chat.id, "user", "\n  How do   I parse JSON in Python?\nMore details here.", None)
    assert store.get_conversation(chat.id).title == "How do I parse JSON in Python?"
    store.add_message(chat.id, "user", "a later question", None)
    assert store.get_conversation(chat.id).title == "How do I parse JSON in Python?"

    named = store.new_conversation("echo", title="  My   notes ")
    store.add_message(named.id, "user", "first words", None)
    assert store.get_conversation(named.id).title == "My notes"
    assert store.rename(named.id, "Renamed").title == "Renamed"
    assert store.set_title_if_empty(named.id, "ignored") is False
    assert store.rename(named.id, "   ").title is None
    assert store.set_title_if_empty(named.id, "Now titled") is True
    with pytest.raises(UsageError):
        store.set_title_if_empty(999, "nobody")
    assert store.get_conversation(named.id).title == "Now titled"

    assistant_first = store.new_conversation("echo")
    store.add_message(assistant_first.id, "system", "You are terse.", None)
    assert store.get_conversation(assistant_first.id).title is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("short", "short"),
        ("", ""),
        ("\n\n  second line wins  \nthird", "second line wins"),
        ("word " * 30, "word word word word word word word word word word word…"),
        ("x" * 80, "x" * 59 + "…"),
        (
            "Explain the difference between processes and threads, please, in detail",
            "Explain the difference between processes and threads…",
        ),
    ],
)
def test_shorten(text, expected):
    assert shorten(text) == expected
    assert len(shorten(text)) <= 60


def test_list_latest_and_delete(store):
    assert store.latest_conversation() is None
    first = store.new_conversation("echo")
    second = store.new_conversation("gpt")
    exchange(store, first.id, "revisited", "yes")
    listed = store.list_conversations()
    assert [c.id for c in listed] == [first.id, second.id]
    assert [c.message_count for c in listed] == [2, 0]
    assert store.latest_conversation().id == first.id
    store.new_conversation("echo")  # newer, but empty: nothing to resume
    assert store.latest_conversation().id == first.id
    assert len(store.list_conversations(limit=1)) == 1

    store.delete_conversation(first.id)
    assert first.id not in [c.id for c in store.list_conversations()]
    assert store.search("revisited") == []
    with pytest.raises(UsageError):
        store.get_conversation(first.id)
    with pytest.raises(UsageError):
        store.delete_conversation(first.id)
    with pytest.raises(UsageError, match="no conversation"):
        store.add_message(first.id, "user", "late", None)


def test_find_conversation(store):
    rust = store.new_conversation("echo", title="Rust lifetimes")
    store.new_conversation("echo", title="Rust macros")
    pct = store.new_conversation("echo", title="100% done")
    under = store.new_conversation("echo", title="a_b")
    numeric = store.new_conversation("echo", title=str(rust.id))

    assert store.find_conversation(str(rust.id)).id == rust.id  # an id beats a title
    assert store.find_conversation(f"#{pct.id}").id == pct.id
    assert store.find_conversation("rust LIFETIMES").id == rust.id
    assert store.find_conversation("Rust l").id == rust.id
    assert store.find_conversation("100%").id == pct.id
    assert store.find_conversation("a_").id == under.id
    assert store.find_conversation(f"{numeric.id}").id == numeric.id
    with pytest.raises(UsageError, match="several") as caught:
        store.find_conversation("rust")
    assert f"#{rust.id}" in caught.value.message
    with pytest.raises(UsageError, match="no conversation"):
        store.find_conversation("python")
    with pytest.raises(UsageError):
        store.find_conversation("a%")  # % is literal, not a wildcard
    with pytest.raises(UsageError):
        store.find_conversation("")
    for odd in ("²", "#", "9" * 40, "  "):
        with pytest.raises(UsageError):
            store.find_conversation(odd)
    assert store.find_conversation("  rust   lifetimes ").id == rust.id


def test_the_store_can_be_used_from_another_thread(store):
    chat = store.new_conversation("echo")
    errors = []

    def work():
        try:
            exchange(store, chat.id, "from a thread", "ok")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    assert errors == []
    assert store.get_conversation(chat.id).message_count == 2


# --- branches -------------------------------------------------------------------------


def test_edit_forks_and_keeps_the_old_branch(store):
    chat = store.new_conversation("echo")
    _, a1 = exchange(store, chat.id, "first question", "first answer")
    q2, a2 = exchange(store, chat.id, "capital of France?", "Paris", a1.id)

    edited = store.edit_message(chat.id, q2.id, "capital of Italy?")
    assert (edited.parent_id, edited.role) == (a1.id, "user")
    assert store.get_conversation(chat.id).head_id == edited.id
    a3 = store.add_message(chat.id, "assistant", "Rome", edited.id)

    assert [m.content for m in store.branch(chat.id)] == [
        "first question",
        "first answer",
        "capital of Italy?",
        "Rome",
    ]
    assert [m.content for m in store.branch(chat.id, a2.id)] == [
        "first question",
        "first answer",
        "capital of France?",
        "Paris",
    ]
    branches = store.branches(chat.id)
    assert [(b.leaf_id, b.length, b.preview, b.current) for b in branches] == [
        (a2.id, 4, "capital of France?", False),
        (a3.id, 4, "capital of Italy?", True),
    ]
    assert store.get_conversation(chat.id).message_count == 6

    store.set_head(chat.id, branches[0].leaf_id)  # `/branch 1`
    assert store.branch(chat.id)[-1].content == "Paris"
    assert [b.current for b in store.branches(chat.id)] == [True, False]


def test_undo_then_send_starts_a_new_branch(store):
    chat = store.new_conversation("echo")
    _, a1 = exchange(store, chat.id, "one", "1")
    exchange(store, chat.id, "two", "2", a1.id)
    store.set_head(chat.id, a1.id)  # `/undo`: the head moves back, nothing is deleted
    assert [m.content for m in store.branch(chat.id)] == ["one", "1"]
    assert all(b.current for b in store.branches(chat.id))  # the head is on the only branch
    exchange(store, chat.id, "three", "3", a1.id)
    assert [(b.preview, b.leaf_preview) for b in store.branches(chat.id)] == [("two", "2"), ("three", "3")]

    store.set_head(chat.id, None)  # `/clear`
    assert store.branch(chat.id) == []
    store.add_message(chat.id, "user", "a fresh root", None)
    assert len(store.branches(chat.id)) == 3


def test_branch_of_an_empty_conversation_and_of_a_foreign_leaf(store):
    chat = store.new_conversation("echo")
    assert store.branch(chat.id) == []
    assert store.branches(chat.id) == []
    other = store.new_conversation("echo")
    foreign = store.add_message(other.id, "user", "x", None)
    with pytest.raises(UsageError):
        store.branch(chat.id, foreign.id)
    with pytest.raises(UsageError):
        store.edit_message(chat.id, foreign.id, "y")


# --- usage and export -----------------------------------------------------------------


def test_usage_totals(store):
    chat = store.new_conversation("echo")
    q = store.add_message(chat.id, "user", "q", None)
    store.add_message(chat.id, "assistant", "a", q.id, input_tokens=100, output_tokens=20, cost=0.25)
    store.add_message(chat.id, "assistant", "b", q.id, input_tokens=100, output_tokens=30)  # a retry
    other = store.new_conversation("echo")
    q2 = store.add_message(other.id, "user", "q", None)
    store.add_message(other.id, "assistant", "c", q2.id, input_tokens=1, output_tokens=1, cost=0.5)

    totals = store.usage_totals(chat.id)
    assert (totals.answers, totals.input_tokens, totals.output_tokens, totals.unpriced_answers) == (
        2,
        200,
        50,
        1,
    )
    assert totals.cost == pytest.approx(0.25)
    assert store.usage_totals().cost == pytest.approx(0.75)
    assert store.usage_totals(store.new_conversation("echo").id).answers == 0


def test_exports_show_the_current_branch(store):
    chat = store.new_conversation("sonnet", title="Capitals")
    store.add_message(chat.id, "system", "Be brief.", None)
    q, _ = exchange(store, chat.id, "capital of France?", "Paris", store.get_conversation(chat.id).head_id)
    edited = store.edit_message(chat.id, q.id, "capital of Italy?")
    store.add_message(
        chat.id,
        "assistant",
        "Ro",
        edited.id,
        model="sonnet",
        output_tokens=1,
        cost=0.001,
        status="interrupted",
    )

    markdown = export_markdown(store, chat.id)
    assert markdown.startswith("# Capitals\n")
    assert "## System\n\nBe brief." in markdown
    assert "## User\n\ncapital of Italy?" in markdown
    assert "## Assistant (sonnet)\n\nRo\n\n*[interrupted: the answer is partial]*" in markdown
    assert "France" not in markdown and "Paris" not in markdown
    assert "0 input + 1 output tokens · $0.0010" in markdown

    data = export_json(store, chat.id)
    assert json.loads(json.dumps(data)) == data
    assert (data["format"], data["version"]) == ("orch-conversation", 1)
    assert data["conversation"]["title"] == "Capitals"
    assert [(m["role"], m["content"], m["status"]) for m in data["messages"]] == [
        ("system", "Be brief.", "complete"),
        ("user", "capital of Italy?", "complete"),
        ("assistant", "Ro", "interrupted"),
    ]
    assert data["messages"][2]["parent_id"] == data["messages"][1]["id"]
    assert datetime.fromisoformat(data["messages"][0]["created"]).tzinfo is not None


def test_export_of_an_untitled_empty_conversation(store):
    chat = store.new_conversation("echo")
    assert export_markdown(store, chat.id).startswith(f"# Conversation {chat.id}\n")
    assert export_json(store, chat.id)["messages"] == []


def test_a_deleted_conversations_id_is_never_given_again(tmp_path):
    with Store(tmp_path / "history.db") as store:
        first = store.new_conversation("echo")
        newest = store.new_conversation("echo")
        store.delete_conversation(newest.id)
        again = store.new_conversation("echo")
        assert again.id not in (first.id, newest.id)
        assert again.id == newest.id + 1
