"""Search: any text a user types is matched literally and never breaks the query."""

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.store import Store, fts_query


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "state" / "history.db") as opened:
        yield opened


@pytest.fixture
def corpus(store):
    chat = store.new_conversation("echo", title="Odd text")
    texts = [
        "I love C++ and don't mind Rust.",
        "Le café est naïve — très bien.",
        "東京 is the capital of Japan",
        "Use key:value pairs, e.g. colour:red",
        'He said "hello world" loudly',
        "cats AND dogs OR birds NEAR the river",
        "optimization of the optimizer",
        "a well-known hyphen-ated term",
        "emoji 🎉 party",
    ]
    parent = None
    for text in texts:
        parent = store.add_message(chat.id, "user", text, parent).id
    return store


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("C++", "I love C++"),
        ("don't", "I love C++"),
        ("cafe", "Le café"),
        ("NAÏVE", "Le café"),
        ("東京", "東京"),
        ("colour:red", "Use key:value"),
        ('"hello world"', "He said"),
        ('"world hello"', None),
        ("dogs AND", "cats AND dogs"),
        ("cats OR", "cats AND dogs"),
        ("birds NEAR", "cats AND dogs"),
        ("NEAR(cats dogs)", None),  # literally "near cats" then "dogs": not in the text
        ("optim*", "optimization"),
        ("hyphen-ated", "a well-known"),
        ("-known", "a well-known"),
        ("🎉 party", "emoji"),
        ("party unrelatedword", None),
    ],
)
def test_search_finds_literal_text(corpus, query, expected):
    hits = corpus.search(query)
    if expected is None:
        assert hits == []
    else:
        found = [corpus.get_message(hit.conversation_id, hit.message_id).content for hit in hits]
        assert any(content.startswith(expected) for content in found), found


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        '"""',
        "*",
        "***",
        "-",
        "^",
        ":",
        "(",
        ")",
        "AND",
        "OR NOT",
        "NEAR(",
        "a:",
        ":b",
        "'",
        "\\",
        'x" OR "y',
        "col:*",
        "\x00",
        "   ",
        "",
        "{a b}",
        "+",
        "a + b",
        "NEAR/3",
        '"unbalanced',
        "*prefix",
    ],
)
def test_search_never_raises_on_odd_input(corpus, query):
    assert isinstance(corpus.search(query), list)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_any_text_makes_a_valid_fts_query(text):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    query = fts_query(text)
    if query is None:
        assert not any(ch.isalnum() for ch in text)  # no query only when there is no word to look for
    else:
        # SQLite raises OperationalError on a malformed MATCH expression.
        assert conn.execute("SELECT * FROM t WHERE t MATCH ?", (query,)).fetchall() == []


def test_fts_query_quotes_every_term():
    assert fts_query("a OR b") == '"a" "OR" "b"'
    assert fts_query('say "hi there" now*') == '"say" "hi there" "now"*'
    assert fts_query('it"s') == '"it""s"'
    assert fts_query("  ") is None
    assert fts_query("***") is None


def test_search_hits_carry_a_highlighted_snippet(corpus):
    [hit] = corpus.search("capital")
    assert (hit.conversation_title, hit.role) == ("Odd text", "user")
    assert ("capital", True) in hit.parts()
    assert "".join(text for text, _ in hit.parts()) == "東京 is the capital of Japan"


def test_search_limit_and_ranking(store):
    chat = store.new_conversation("echo")
    parent = None
    for i in range(30):
        parent = store.add_message(chat.id, "user", f"filler sentence number {i} about lemurs", parent).id
    best = store.add_message(chat.id, "user", "lemurs lemurs lemurs", parent)
    hits = store.search("lemurs", limit=5)
    assert len(hits) == 5
    assert hits[0].message_id == best.id
