"""End to end: resizing the terminal while an answer streams neither repeats nor loses a line."""

from __future__ import annotations

from tests.support.llm_server import stream_reply

CODE = "Here it is:\n\n```\n" + "".join(f"line {i:03}\n" for i in range(120)) + "```\n\nThat is all."


def test_shrinking_then_growing_the_window_mid_answer_keeps_every_line_once(orch, server):
    server.script(stream_reply("openai", CODE, token_delay_s=0.01))
    term = orch()
    term.wait_for("local>")
    term.enter("print the lines")
    term.wait_for("line 030")
    term.resize(80, 30)  # 110x40 -> 80x30 mid-answer
    term.wait_for("line 070")
    term.resize(110, 40)  # and back
    term.wait_for("That is all.")
    screen = term.wait_for("local · ")  # the footer: the answer has ended
    counts = [screen.count(f"line {i:03}") for i in range(120)]
    assert counts == [1] * 120, [f"line {i:03}: {n}" for i, n in enumerate(counts) if n != 1]
    assert screen.index("Here it is:") < screen.index("line 000") < screen.index("line 119")
    assert screen.index("line 119") < screen.index("That is all.")
    term.enter("/exit")
    assert term.wait_exit() == 0
