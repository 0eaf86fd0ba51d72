"""`--max-cost USD`: a one-shot whose estimate costs more is not sent (exit 1); one passing it stops, text kept."""

from __future__ import annotations

from tests.support.llm_server import lorem, stream_reply


def test_an_estimate_over_max_cost_is_not_sent_and_exits_1(run_orch, server, config):
    rc, out, err = run_orch("--config", str(config), "-m", "local", "--max-cost", "0.001", "hi")
    assert (rc, out) == (1, "")
    assert "not sent: local would cost about $0.0020, over --max-cost ($0.0010)" in err
    assert "Traceback" not in err
    assert server.requests == []


def test_an_answer_passing_max_cost_stops_keeps_its_text_and_exits_1(run_orch, server, config):
    server.script(stream_reply("openai", lorem(2000)))
    rc, out, err = run_orch("--config", str(config), "-m", "local", "-o", "max_tokens=10", "--max-cost", "0.0005", "hi")
    assert rc == 1
    assert 0 < len(out.strip()) < len(lorem(2000))
    assert "the answer passed --max-cost ($0.0005); the partial answer above was kept" in err
