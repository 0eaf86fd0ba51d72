"""End to end: `/file` then a question in the real `orch` in a pty; the loopback server gets the file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.llm_server import WireAnswer


def test_file_shows_the_chip_and_the_question_carries_the_file(orch, server):
    Path("notes.txt").write_text("the answer is 42")  # the working folder orch starts in
    term = orch()
    term.wait_for("local>")
    server.default = WireAnswer("It says 42.")
    term.enter("/file notes.txt")
    term.wait_for("📎 notes.txt 16 B · ~7 tokens")
    term.enter("what does it say?")
    term.wait_for("It says 42.")
    sent = server.requests[0].json()["messages"][-1]
    assert sent["role"] == "user"
    assert "the answer is 42" in json.dumps(sent) and "what does it say?" in json.dumps(sent)
    term.wait_for("local>", count=3)  # the prompt after the answer
    shown = [line.strip() for line in term.lines() if line.strip()]
    prompt = len(shown) - 1 - shown[::-1].index("local>")  # the new, empty prompt
    assert shown[prompt - 1].startswith("local · 10→")  # the footer above it, no chip: it went with the message
    term.enter("/exit")
    assert term.wait_exit() == 0
