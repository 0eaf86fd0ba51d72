"""End to end: the real `orch` REPL in a pseudo-terminal and its history.db.

A process killed mid-answer leaves a sound database holding everything said
before; `orch -c` / `orch --resume ID` continue a stored conversation (the next
request carries it); two REPLs writing to one history.db at once lose nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from app.store import DB_NAME, Store
from tests.support.llm_server import ServedRequest, lorem, stream_reply
from tests.support.terminal import Terminal

WAIT_S = 20.0  # generous: these run under load too


@pytest.fixture
def db(world) -> Path:
    return world.home / DB_NAME


def answer_to_last_message(request: ServedRequest):
    """A responder answering `re: <the last user message>`, a few tokens at a time."""
    last = request.json()["messages"][-1]["content"]
    return stream_reply("openai", f"re: {last}", token_delay_s=0.005)


def wait_prompt(term: Terminal, count: int, prompt: str = "local>") -> None:
    """Wait for the `count`-th prompt: only then is the terminal in raw mode again.

    A key sent while an answer is still being shown meets a cooked terminal, where
    Ctrl-D is swallowed as end-of-file instead of reaching the REPL.
    """
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        term.pump(0.05)
        if sum(line.startswith(prompt) for line in term.lines()) >= count:
            return
        if not term.child.isalive():
            break
    raise AssertionError(f"prompt {count} ({prompt!r}) did not appear:\n{term.text()}")


def rows(db: Path, sql: str, *params) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, params).fetchall()


def assert_sound(db: Path) -> None:
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    assert rows(db, "PRAGMA foreign_key_check") == []


def chain_of(db: Path, conversation_id: int) -> list[tuple[str, str, str]]:
    """(role, content, status) from the root to the head, following parent_id."""
    by_id = {r[0]: r for r in rows(db, "SELECT id, parent_id, role, content, status FROM messages"
                                       " WHERE conversation_id = ?", conversation_id)}
    [(head,)] = rows(db, "SELECT head_id FROM conversations WHERE id = ?", conversation_id)
    path = []
    while head is not None:
        _, head, role, content, status = by_id[head]
        path.append((role, content, status))
    return path[::-1]


def test_sigkill_mid_answer_keeps_the_finished_exchange_and_the_last_question(orch, server, db):
    slow = lorem(400)  # ~8 s at 20 ms a token: killed long before the end
    server.script(
        stream_reply("openai", "The first answer, complete."),
        stream_reply("openai", slow, token_delay_s=0.02),
    )
    term = orch()
    wait_prompt(term, 1)
    term.enter("first question")
    term.wait_for("The first answer, complete.", WAIT_S)
    wait_prompt(term, 2)  # after the footer, printed once the answer was kept
    term.enter("second question, never answered")
    term.wait_for("lorem ipsum dolor", WAIT_S)  # streaming now
    assert slow not in term.text().replace("\n", " ")
    assert len(server.requests) == 2
    os.kill(term.child.pid, signal.SIGKILL)
    assert term.wait_exit(WAIT_S) == 128 + signal.SIGKILL

    assert_sound(db)
    messages = rows(db, "SELECT id, parent_id, role, content, status FROM messages ORDER BY id")
    assert [m[2:] for m in messages] == [
        ("user", "first question", "complete"),
        ("assistant", "The first answer, complete.", "complete"),
        ("user", "second question, never answered", "complete"),
    ]
    assert [m[1] for m in messages] == [None, messages[0][0], messages[1][0]]  # one chain
    assert rows(db, "SELECT title, head_id, message_count FROM conversations") == [
        ("first question", messages[2][0], 3)
    ]
    # The store opens it as it is, ready for `orch -c` (which would ask the question again).
    with Store(db) as store:
        [conversation] = store.list_conversations()
        assert [m.content for m in store.branch(conversation.id)][-1] == "second question, never answered"


def test_continue_resumes_the_most_recent_conversation(orch, server, db):
    with Store(db) as store:  # an older conversation, which -c must not pick
        old = store.new_conversation("local")
        store.add_message(old.id, "assistant", "an old answer", store.add_message(old.id, "user", "old chat", None).id)
    server.default = answer_to_last_message

    first = orch()
    wait_prompt(first, 1)
    first.enter("remember the word pineapple")
    first.wait_for("re: remember the word pineapple", WAIT_S)
    wait_prompt(first, 2)
    first.enter("/exit")
    assert first.wait_exit(WAIT_S) == 0

    second = orch("-c")
    second.wait_for("resumed #2 remember the word pineapple (2 messages, local)", WAIT_S)
    wait_prompt(second, 1)
    second.enter("which word?")
    second.wait_for("re: which word?", WAIT_S)
    wait_prompt(second, 2)
    assert server.requests[-1].json()["messages"] == [
        {"role": "user", "content": "remember the word pineapple"},
        {"role": "assistant", "content": "re: remember the word pineapple"},
        {"role": "user", "content": "which word?"},
    ]
    second.ctrl("d")
    assert second.wait_exit(WAIT_S) == 0
    assert chain_of(db, 2)[-2:] == [("user", "which word?", "complete"), ("assistant", "re: which word?", "complete")]
    assert rows(db, "SELECT count(*) FROM conversations") == [(2,)]  # continued, not copied


def test_resume_id_continues_that_conversation(orch, server, db):
    with Store(db) as store:
        for topic in ("kiwis", "mangoes"):  # mangoes is the most recent
            c = store.new_conversation("local")
            question = store.add_message(c.id, "user", f"tell me about {topic}", None)
            store.add_message(c.id, "assistant", f"{topic} are fruit", question.id, model="local")
    server.default = answer_to_last_message

    term = orch("--resume", "1")
    term.wait_for("resumed #1 tell me about kiwis (2 messages, local)", WAIT_S)
    wait_prompt(term, 1)
    term.enter("and their colour?")
    term.wait_for("re: and their colour?", WAIT_S)
    wait_prompt(term, 2)
    assert server.requests[-1].json()["messages"] == [
        {"role": "user", "content": "tell me about kiwis"},
        {"role": "assistant", "content": "kiwis are fruit"},
        {"role": "user", "content": "and their colour?"},
    ]
    term.enter("/exit")
    assert term.wait_exit(WAIT_S) == 0
    assert [m[1] for m in chain_of(db, 1)] == ["tell me about kiwis", "kiwis are fruit", "and their colour?",
                                               "re: and their colour?"]
    assert len(chain_of(db, 2)) == 2  # the other one is untouched


def test_a_resumed_conversation_keeps_its_model_unless_m_says_otherwise(orch, server, db):
    with Store(db) as store:  # started with echo; the config's default model is local
        c = store.new_conversation("echo")
        store.add_message(c.id, "assistant", "hi", store.add_message(c.id, "user", "hi", None).id, model="echo")

    term = orch("-c")
    term.wait_for("resumed #1 hi (2 messages, echo)", WAIT_S)
    wait_prompt(term, 1, "echo>")
    assert "· echo · /help for commands" in term.text()  # the greeting names the model the prompt shows
    term.ctrl("d")
    assert term.wait_exit(WAIT_S) == 0

    server.default = answer_to_last_message
    term = orch("-c", "-m", "local")  # an explicit -m wins
    term.wait_for("resumed #1 hi (2 messages, local)", WAIT_S)
    wait_prompt(term, 1)
    term.enter("and you?")
    term.wait_for("re: and you?", WAIT_S)
    wait_prompt(term, 2)
    assert [m["content"] for m in server.requests[-1].json()["messages"]] == ["hi", "hi", "and you?"]
    term.ctrl("d")
    assert term.wait_exit(WAIT_S) == 0


def test_resume_of_an_unknown_conversation_fails_clearly(orch, db):
    with Store(db) as store:
        store.add_message(store.new_conversation("local").id, "user", "something", None)
    for wanted in ("nosuch", "42"):
        term = orch("--resume", wanted)
        assert term.wait_exit(WAIT_S) == 2
        text = term.text()
        assert f"orch: no conversation matches '{wanted}'" in text
        assert "Traceback" not in text and "local>" not in text  # no REPL was started
    assert rows(db, "SELECT count(*) FROM conversations") == [(1,)]


def test_continue_with_no_history_starts_a_new_conversation(orch):
    term = orch("-c", "-m", "echo")
    term.wait_for("no saved conversation yet: starting a new one", WAIT_S)
    wait_prompt(term, 1, "echo>")
    term.ctrl("d")
    assert term.wait_exit(WAIT_S) == 0


def test_two_repls_writing_at_once_lose_nothing(orch, server, db):
    server.default = answer_to_last_message
    a, b = orch(), orch()
    wait_prompt(a, 1)
    wait_prompt(b, 1)
    rounds = 5
    for i in range(rounds):
        a.enter(f"alpha {i}")  # both answers stream, and are stored, at the same time
        b.enter(f"beta {i}")
        a.wait_for(f"re: alpha {i}", WAIT_S)
        b.wait_for(f"re: beta {i}", WAIT_S)
        wait_prompt(a, i + 2)
        wait_prompt(b, i + 2)
    a.enter("/exit")
    b.enter("/exit")
    assert a.wait_exit(WAIT_S) == 0
    assert b.wait_exit(WAIT_S) == 0

    assert_sound(db)
    conversations = rows(db, "SELECT id, title, message_count FROM conversations ORDER BY title")
    assert [(title, count) for _, title, count in conversations] == [("alpha 0", 2 * rounds), ("beta 0", 2 * rounds)]
    for (conversation_id, _, _), name in zip(conversations, ("alpha", "beta"), strict=True):
        expected = []
        for i in range(rounds):
            expected += [("user", f"{name} {i}", "complete"), ("assistant", f"re: {name} {i}", "complete")]
        assert chain_of(db, conversation_id) == expected
    assert rows(db, "SELECT count(*) FROM messages") == [(4 * rounds,)]
