"""The conversation commands in the REPL: /save /rename /sessions /load /search /history /edit
/branches /branch /export /delete, each driven through a real PromptSession fed by a pipe, with
a real Store on a temp history.db.

Answers come from the offline echo model (it says back the last user message), so every
stored message is known in advance.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from app.chat import Chat
from app.commands.results import Confirm, Notice, Table
from app.store import DB_NAME, Store
from app.ui.completer import CommandCompleter
from tests.support import pipe_repl
from tests.support.config_files import write_config
from tests.support.pipe_repl import CTRL_C, CTRL_D, CTRL_U, ENTER, ESC_ENTER, PipeRepl, open_repl, run_repl

EMPTY = "this conversation is empty so far"


def lines(*typed: str) -> str:
    """What a user types: each line followed by Enter."""
    return "".join(line + ENTER for line in typed)


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return write_config(
        tmp_path,
        "default_model: echo\nproviders:\n  echo: {kind: echo}\n",
        "models:\n  - {name: echo, provider: echo, id: echo}\n  - {name: parrot, provider: echo, id: echo}\n",
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / DB_NAME


def make_chat(config_path: Path, db: Path | None, model: str = "echo") -> Chat:
    return pipe_repl.make_chat(config_path, model, store=Store(db) if db is not None else None)


async def run(config_path: Path, db: Path | None, keys: str, model: str = "echo") -> PipeRepl:
    """Type `keys` into a fresh REPL over `db`, then Ctrl-D. The REPL closes its store when it ends."""
    session = await run_repl(make_chat(config_path, db, model), keys + CTRL_D, width=200)
    assert session.errors() == [], session.text
    return session


def stored(db: Path) -> Store:
    return Store(db)


def table_rows(text: str, first_column: str) -> list[list[str]]:
    """Rows of a printed table whose first cell matches the regex `first_column` (cells split on 2+ spaces)."""
    rows = []
    for line in text.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if cells and re.fullmatch(first_column, cells[0]):
            rows.append(cells)
    return rows


# --- titles and what is stored ----------------------------------------------------------


async def test_the_title_comes_from_the_first_message_and_the_store_keeps_what_was_said(config_path, db):
    s = await run(
        config_path,
        db,
        "How do I reverse a list in Python?" + ESC_ENTER + "I tried sort()." + ENTER
        + lines("and a tuple?", "/clear", "word " * 40),
    )
    with stored(db) as store:
        first, second = sorted(store.list_conversations(), key=lambda c: c.id)
        assert first.title == "How do I reverse a list in Python?"  # the first line only
        assert second.title is not None and len(second.title) <= 60 and second.title.endswith("…")
        assert s.chat.title == second.title  # the toolbar's title follows the store's

        # A Chat reloaded from the store holds exactly what was said, in order.
        reloaded = make_chat(config_path, None)
        reloaded.store = store
        reloaded.load(first.id)
        said = [(m.role, m.content, m.model, m.status) for m in reloaded.messages]
        assert said == [
            ("user", "How do I reverse a list in Python?\nI tried sort().", None, "complete"),
            ("assistant", "How do I reverse a list in Python?\nI tried sort().", "echo", "complete"),
            ("user", "and a tuple?", None, "complete"),
            ("assistant", "and a tuple?", "echo", "complete"),
        ]
        assert first.message_count == 4
        reloaded.load(second.id)
        assert [(m.role, m.content) for m in reloaded.messages] == [
            (m.role, m.content) for m in s.chat.messages
        ]
        assert reloaded.messages[1].output_tokens == 40


async def test_save_titles_the_conversation(config_path, db):
    s = await run(config_path, db, lines("/save Too early", "tell me about sqlite", "/save", "/save   SQLite   notes ",
                                         "and WAL?"))
    assert EMPTY in s.text  # /save before any message
    assert "saved as #1 tell me about sqlite" in s.text  # without a title: reports the derived one
    assert "saved as #1 SQLite notes" in s.text
    assert s.chat.title == "SQLite notes"
    with stored(db) as store:
        conversation = store.get_conversation(1)
        assert conversation.title == "SQLite notes"  # a later user message does not retitle it
        assert conversation.message_count == 4
        assert len(store.list_conversations()) == 1  # /save before a message created nothing


async def test_rename(config_path, db):
    s = await run(config_path, db, lines("/rename Early", "first words", "/rename", "/rename  Better   name "))
    assert EMPTY in s.text
    assert "usage: /rename TITLE" in s.text
    assert "renamed to Better name" in s.text
    with stored(db) as store:
        assert store.get_conversation(1).title == "Better name"


# --- sessions, load and completion -----------------------------------------------------


async def test_sessions_lists_conversations_most_recent_first(config_path, db):
    empty = await run(config_path, db, lines("/sessions"))
    assert "no saved conversations yet" in empty.text

    s = await run(config_path, db, lines("apples are red", "/clear", "/model parrot", "bananas are yellow",
                                         "and curved", "/sessions", "/sessions 1"))
    header = next(line for line in s.text.splitlines() if line.lstrip().startswith("id "))
    assert re.split(r"\s{2,}", header.strip()) == ["id", "title", "model", "messages", "last used"]
    when = r"\d{4}-\d\d-\d\d \d\d:\d\d"
    rows = table_rows(s.text, r"▸?\d+")
    # Two listings: the full one (two rows, newest first, the current one marked), then /sessions 1.
    assert [row[:4] for row in rows] == [
        ["▸2", "bananas are yellow", "parrot", "4"],
        ["1", "apples are red", "echo", "2"],
        ["▸2", "bananas are yellow", "parrot", "4"],
    ]
    assert all(re.fullmatch(when, row[4]) for row in rows)
    assert "/load ID or TITLE resumes one" in s.text

    # The handler's own result: the columns the table is built from.
    chat = make_chat(config_path, db)
    result = await s.repl.registry.dispatch(chat, "/sessions")
    assert isinstance(result, Table)
    assert list(result.columns) == ["id", "title", "model", "messages", "last used"]
    assert [row[0] for row in result.rows] == ["2", "1"]  # not loaded here: nothing is marked
    chat.store.close()


async def test_load_by_id_and_by_title(config_path, db):
    await run(config_path, db, lines("apples are red", "/clear", "bananas are yellow"))
    s = await run(
        config_path,
        db,
        lines("/load 1", "/history", "/load bananas are yellow", "/load BANANAS", "/load #1", "/resume 2",
              "/load nosuch", "/load", "/load 1", "and green"),
    )
    assert "resumed #1 apples are red (2 messages, echo)" in s.text
    assert s.text.count("resumed #2 bananas are yellow (2 messages, echo)") == 3  # title, prefix, alias
    assert "no conversation matches 'nosuch'" in s.text
    assert "usage: /load ID|TITLE" in s.text
    history = table_rows(s.text, r"\d")
    assert history[:2] == [["1", "user", "apples are red"], ["2", "echo", "apples are red"]]
    # After /load the conversation goes on where it stopped: same conversation, same branch.
    assert s.chat.conversation_id == 1
    assert [m.content for m in s.chat.messages] == ["apples are red"] * 2 + ["and green"] * 2
    with stored(db) as store:
        branch = store.branch(1)
        assert [m.content for m in branch] == ["apples are red"] * 2 + ["and green"] * 2
        assert [m.parent_id for m in branch] == [None, branch[0].id, branch[1].id, branch[2].id]
        assert store.get_conversation(2).message_count == 2  # untouched


async def test_load_completes_titles_and_delete_completes_ids(config_path, db):
    await run(config_path, db, lines("apples are red", "/clear", "bananas are yellow", "/clear", "apricots too"))
    with open_repl(make_chat(config_path, db), width=200) as session:
        completer = CommandCompleter(lambda: session.repl.registry.context(session.chat))

    def complete(text: str):
        return list(completer.get_completions(Document(text), CompleteEvent()))

    assert sorted(c.text for c in complete("/load ")) == ["apples are red", "apricots too", "bananas are yellow"]
    assert sorted(c.text for c in complete("/load ap")) == ["apples are red", "apricots too"]
    [banana] = complete("/load BAN")
    assert banana.text == "bananas are yellow" and banana.start_position == -3
    assert banana.display_meta_text == "#2 · 2 messages"
    [apples] = complete("/resume apples a")  # a title with spaces completes as a whole
    assert apples.text == "apples are red" and apples.start_position == -len("apples a")
    assert complete("/load zebra") == []
    assert sorted(c.text for c in complete("/delete ")) == ["1", "2", "3"]
    session.chat.store.close()


# --- search -------------------------------------------------------------------------------


async def test_search_shows_hits_with_a_snippet(config_path, db):
    s = await run(
        config_path,
        db,
        lines("how do I reverse a linked list", "/clear", "sorting is not reversing", "what's c++ anyway?",
              "/search reverse", "/search c++", "/search what's", "/search nothingatall"),
    )
    hits = table_rows(s.text, r"#\d+")
    reverse = [row for row in hits if "»reverse«" in row[-1]]
    # The user's message and the echoed answer, in conversation 1, with the word marked.
    assert sorted(row[2] for row in reverse) == ["assistant", "user"]
    assert {row[0] for row in reverse} == {"#1"} and {row[1] for row in reverse} == {"how do I reverse a linked list"}
    assert any("»c«++" in row[-1] for row in hits)  # punctuation taken literally
    assert any("»what's«" in row[-1] or "»what«'»s«" in row[-1] for row in hits)
    assert "nothing matches 'nothingatall'" in s.text
    assert "/load ID opens a conversation" in s.text


@pytest.mark.parametrize(
    "query",
    ['c++ "unbalanced', "AND OR NOT", "title:foo -bar", "NEAR(a b)", "*", "'", '"', "(", "x* ^y", '"" ""', "?!:;"],
)
async def test_search_accepts_any_punctuation(config_path, db, query):
    s = await run(config_path, db, lines("a message about x and y", "/search " + query, "still here"))
    assert "usage" not in s.text and "fts5" not in s.text.lower() and "syntax error" not in s.text
    assert re.search(r"nothing matches|»", s.text), s.text
    assert s.chat.messages[-1].content == "still here"  # the REPL went on


async def test_search_needs_text(config_path, db):
    s = await run(config_path, db, lines("/search", "/search    "))
    assert s.text.count("usage: /search TEXT") == 2


# --- history, edit, branches -----------------------------------------------------------------


async def test_history_numbers_the_messages(config_path, db):
    s = await run(config_path, db, lines("/history", "one", "two" + ESC_ENTER + "lines", "x" * 120, "/history"))
    assert "no messages yet" in s.text
    rows = table_rows(s.text, r"\d")
    assert [row[:2] for row in rows] == [
        ["1", "user"], ["2", "echo"], ["3", "user"], ["4", "echo"], ["5", "user"], ["6", "echo"]
    ]
    assert rows[0][2] == "one"
    assert rows[2][2] == "two…"  # the first line, marked as cut
    assert rows[4][2] == "x" * 90 + "…"


async def test_edit_forks_a_branch_and_branch_goes_back(config_path, db):
    s = await run(
        config_path,
        db,
        lines("alpha", "beta", "/edit 1")
        + CTRL_U + "gamma" + ENTER  # the input line was prefilled with "alpha": replaced
        + lines("/history", "/branches", "/branch 1", "/history", "delta"),
    )
    assert "Edit the message and press Enter; the old branch is kept." in s.text
    with stored(db) as store:
        branches = store.branches(1)
        assert len(branches) == 2
        paths = {b.leaf_id: [m.content for m in store.branch(1, b.leaf_id)] for b in branches}
        # The old branch is still stored, and /branch 1 went back to it: "delta" continued it.
        assert sorted(paths.values()) == [["alpha", "alpha", "beta", "beta", "delta", "delta"], ["gamma", "gamma"]]
        [current] = [b for b in branches if b.current]
        assert paths[current.leaf_id][-1] == "delta"
        assert store.get_conversation(1).message_count == 8
    assert [m.content for m in s.chat.messages] == ["alpha", "alpha", "beta", "beta", "delta", "delta"]

    branch_rows = table_rows(s.text, r"▸?\d")
    listed = [row for row in branch_rows if len(row) == 4]  # /branches: branch, messages, last, ends with
    assert [(row[0], row[1], row[3]) for row in listed] == [("1", "4", "beta"), ("▸2", "2", "gamma")]
    assert "on branch 1 (4 messages)" in s.text
    histories = [row for row in branch_rows if len(row) == 3]
    assert [row[2] for row in histories] == ["gamma", "gamma", "alpha", "alpha", "beta", "beta"]


async def test_edit_prefills_the_message(config_path, db):
    s = await run(config_path, db, lines("alpha", "beta", "/edit 3") + " and more" + ENTER)
    assert [m.content for m in s.chat.messages] == ["alpha", "alpha", "beta and more", "beta and more"]
    with stored(db) as store:
        assert len(store.branches(1)) == 2


async def test_an_edit_abandoned_with_ctrl_c_or_an_empty_line_changes_nothing(config_path, db):
    s = await run(
        config_path,
        db,
        lines("alpha", "/edit 1") + CTRL_C + lines("fresh", "/edit 1") + CTRL_U + lines("", "next"),
    )
    assert s.text.count("edit cancelled") == 2
    # Both lines after the abandoned edits were new messages, not replacements of message 1.
    assert [m.content for m in s.chat.messages] == ["alpha", "alpha", "fresh", "fresh", "next", "next"]
    with stored(db) as store:
        assert len(store.branches(1)) == 1


async def test_edit_and_branch_errors(config_path, db):
    s = await run(
        config_path,
        db,
        lines("/edit 1", "/branches", "/branch 1", "hello", "/edit", "/edit x", "/edit 0", "/edit 9", "/edit 2",
              "/branch 2", "/branch x"),
    )
    assert "no message 1; /history lists them" in s.text
    assert s.text.count(EMPTY) == 2  # /branches and /branch before any message
    assert s.text.count("usage: /edit N") == 2
    assert "no message 0" in s.text and "no message 9" in s.text
    assert "message 2 is an answer; /edit takes your own messages" in s.text
    assert s.text.count("usage: /branch N, with N from 1 to 1") == 2
    assert [m.content for m in s.chat.messages] == ["hello", "hello"]


# --- export --------------------------------------------------------------------------------


async def test_export_markdown_and_json(config_path, db, tmp_path, world):
    md, js = tmp_path / "out" / "chat.md", tmp_path / "out" / "chat.JSON"
    md.parent.mkdir()
    s = await run(
        config_path,
        db,
        lines("/export " + str(md), "first question", "second question", "/edit 3")
        + CTRL_U + lines("second, edited", f"/export {md}", f"/export {js}", "/export",
                         f"/export {tmp_path / 'missing' / 'x.md'}"),
    )
    assert EMPTY in s.text  # /export before any message
    assert f"wrote {md} (4 messages)" in s.text

    text = md.read_text()
    assert text.startswith("# first question\n")
    assert "*echo · started " in text
    assert text.count("## User") == 2 and text.count("## Assistant (echo)") == 2
    assert "\n## User\n\nsecond, edited\n" in text
    assert "second question" not in text  # only the active branch
    assert "partial" not in text

    data = json.loads(js.read_text())  # the suffix is matched case-insensitively
    assert data["format"] == "orch-conversation" and data["version"] == 1
    assert data["conversation"]["id"] == 1 and data["conversation"]["title"] == "first question"
    messages = data["messages"]
    assert [(m["role"], m["content"]) for m in messages] == [
        ("user", "first question"), ("assistant", "first question"),
        ("user", "second, edited"), ("assistant", "second, edited"),
    ]
    assert [m["parent_id"] for m in messages] == [None] + [m["id"] for m in messages[:-1]]
    assert all(m["status"] == "complete" for m in messages)
    assert messages[1]["model"] == "echo" and messages[1]["output_tokens"] == 2

    default = world.cwd / "orch-1.md"  # no path: orch-ID.md in the working directory
    assert default.read_text() == text
    assert "cannot write " + str(tmp_path / "missing" / "x.md") in s.text


# --- delete ----------------------------------------------------------------------------------


async def test_delete_asks_first(config_path, db):
    await run(config_path, db, lines("keep me", "/clear", "delete me"))
    s = await run(
        config_path,
        db,
        lines("/delete 2", "n", "/delete 2", "", "/delete 2") + CTRL_C + lines("/delete 2", "y", "/delete nosuch",
                                                                               "/delete", "/sessions"),
    )
    assert s.text.count("cancelled") == 3  # n, Enter (the default is no), Ctrl-C
    assert "deleted #2" in s.text
    assert "no conversation matches 'nosuch'" in s.text
    assert "usage: /delete ID" in s.text
    with stored(db) as store:
        assert [c.id for c in store.list_conversations()] == [1]
        assert store.search("delete") == []  # its messages went too
        assert [h.conversation_id for h in store.search("keep")] == [1, 1]


async def test_delete_names_what_it_will_delete(config_path, db):
    await run(config_path, db, lines("keep me", "/clear", "delete me"))
    chat = make_chat(config_path, db)
    with open_repl(chat, width=200) as session:
        registry = session.repl.registry
    result = await registry.dispatch(chat, "/delete 2")
    assert isinstance(result, Confirm)
    assert result.question == "Delete #2 delete me (2 messages)?"
    assert chat.store.get_conversation(2).message_count == 2  # asking deletes nothing
    chat.store.close()


async def test_deleting_the_current_conversation_starts_a_new_one(config_path, db):
    s = await run(config_path, db, lines("doomed", "/delete 1", "yes", "/history", "reborn"))
    assert "deleted #1" in s.text
    assert "no messages yet" in s.text
    assert [m.content for m in s.chat.messages] == ["reborn", "reborn"]
    assert s.chat.title == "reborn"
    with stored(db) as store:
        [conversation] = store.list_conversations()
        assert conversation.id == s.chat.conversation_id
        assert (conversation.title, conversation.message_count) == ("reborn", 2)
        assert [m.content for m in store.branch(conversation.id)] == ["reborn", "reborn"]


# --- before any conversation, and without a store --------------------------------------------


async def test_commands_before_any_conversation_explain_themselves(config_path, db):
    s = await run(
        config_path,
        db,
        lines("/save", "/rename x", "/export x.md", "/branches", "/branch 1", "/history", "/sessions",
              "/search anything", "/edit 1", "/load 1", "/delete 1", "finally a message"),
    )
    assert s.text.count(EMPTY) == 5
    assert s.text.count("Send a message first.") == 5
    assert "no messages yet" in s.text
    assert "no saved conversations yet" in s.text
    assert "nothing matches 'anything'" in s.text
    assert "no message 1" in s.text
    assert s.text.count("no conversation matches '1'") == 2
    assert s.chat.messages[-1].content == "finally a message"


async def test_without_a_store_the_commands_say_so(config_path):
    s = await run(config_path, None, lines("hello", "/sessions", "/search hello", "/load 1", "/save x"))
    assert s.text.count("conversations are not being saved in this session") == 4
    chat = make_chat(config_path, None)
    with pytest.raises(Exception, match="not being saved"):
        await s.repl.registry.dispatch(chat, "/branches")
    result = await s.repl.registry.dispatch(chat, "/history")
    assert isinstance(result, Notice) and result.text == "no messages yet"
