"""What the REPL shows for /chain and /compare, printed to a StringIO console."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from rich.console import Console

from app.chains import StepResult
from app.chains import (StepDone, StepFailed, StepFailedError, StepRetry, StepSkipped, StepStarted, StepText,
                        plan_chain)  # fmt: skip
from app.chat import Chat
from app.commands import build_registry
from app.store import Store
from app.types import AnswerRecord, Retry, TextDelta
from app.ui.chain_view import StepLines, run_chain_live
from app.ui.compare_view import CompareView, run_compare_live
from app.ui.style import make_console
from tests.support.chain_world import load_config, make_runtime, write_config
from tests.support.llm_server import LLMServer, Reply, WireAnswer

CHAINS = """
chains:
  review:
    steps:
      - {id: draft, prompt: "draft of {{ input }}"}
      - {id: check, model: priced, prompt: "check {{ steps.draft }}"}
      - {id: fix, needs: [check], when: {step: check, contains: "zzz"}, prompt: "fix"}
      - {id: final, needs: [draft, check, fix], prompt: "final {{ steps.draft }}"}
"""


def console(width: int = 100) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return make_console(file=out, width=width), out


@pytest.fixture
def runtime(tmp_path: Path):
    config, _ = load_config(write_config(tmp_path, CHAINS))
    return make_runtime(config, tmp_path)


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


def test_one_line_per_step_in_each_state(runtime) -> None:
    plan = plan_chain(runtime.config, "review")
    clock = Clock()
    lines = StepLines(plan, "echo", clock=clock)
    lines.apply(StepDone(StepResult("draft", AnswerRecord("echo", "x", input_tokens=12, output_tokens=340, seconds=1.25))))
    lines.apply(StepStarted("check", "priced"))
    lines.apply(StepText("check", "first words\nof the streaming answer"))
    lines.apply(StepSkipped(StepResult("fix", skipped_because="check contains 'zzz'")))
    clock.now = 102.5
    con, out = console(100)
    con.print(lines)
    shown = out.getvalue().splitlines()
    assert shown[0].startswith("✓ draft  ") and shown[0].endswith("echo · 12→340 tokens · 1.2s")
    assert "check  priced · running 2.5s  first words of the streaming answer" in shown[1]
    assert shown[2] == "– fix    skipped: check does not contain 'zzz'"
    assert shown[3] == "· final  echo · waiting"

    lines.apply(StepDone(StepResult("check", AnswerRecord("priced", "y", input_tokens=10, output_tokens=20,
                                                          cost=0.0123, seconds=0.5))))
    lines.apply(StepFailed(StepResult("final", AnswerRecord("echo", status="error", seconds=0.3,
                                                            error="401 unauthorized\nbad key"))))
    con, out = console(100)
    con.print(lines)
    shown = out.getvalue().splitlines()
    assert shown[1].endswith("priced · 10→20 tokens · $0.0123 · 0.5s")
    assert shown[3] == "✗ final  echo · failed after 0.3s: 401 unauthorized bad key"


def test_a_line_never_wraps(runtime) -> None:
    lines = StepLines(plan_chain(runtime.config, "review"), "echo", clock=Clock())
    lines.apply(StepStarted("draft", "echo"))
    lines.apply(StepText("draft", "word " * 200))
    con, out = console(40)
    con.print(lines)
    assert all(len(line) <= 40 for line in out.getvalue().splitlines())
    assert len(out.getvalue().splitlines()) == 4


async def test_run_chain_live_shows_the_steps_then_the_output_and_joins_the_chat(runtime, tmp_path: Path) -> None:
    store = Store(tmp_path / "history.db")
    chat = Chat(runtime, runtime.model("echo"), store=store)
    con, out = console(100)
    run = await run_chain_live(con, chat, "review", "the sky", {})
    shown = out.getvalue().splitlines()
    assert shown[0].startswith("✓ draft") and shown[2].startswith("– fix") and shown[3].startswith("✓ final")
    assert shown[4] == "final draft of the sky"
    assert shown[5].startswith("chain review · ")
    assert run.output == "final draft of the sky"
    # The conversation: the input, then the final output.
    assert [(m.role, m.content, m.model) for m in chat.messages] == [
        ("user", "the sky", None),
        ("assistant", "final draft of the sky", "chain review"),
    ]
    assert chat.totals.input_tokens == run.input_tokens
    # The store: every step's output beside the branch, the final output at its head.
    branch = store.branch(chat.conversation_id)
    assert [m.content for m in branch] == ["the sky", "final draft of the sky"]
    leaves = [store.get_message(chat.conversation_id, b.leaf_id) for b in store.branches(chat.conversation_id)]
    assert [m.model for m in leaves] == ["echo · chain review/draft", "priced · chain review/check",
                                         "echo · chain review/final", "chain review"]  # fmt: skip
    assert leaves[1].cost == pytest.approx((5 * 1 + 5 * 2) / 1e6) and leaves[3].cost is None  # costs are counted once
    store.close()


async def test_a_failing_step_is_shown_and_raised(tmp_path: Path, llm_server: LLMServer) -> None:
    llm_server.script(Reply.json(400, {"error": {"message": "no such thing"}}))
    config, _ = load_config(write_config(tmp_path, """
        chains:
          c:
            steps:
              - {id: ok, prompt: "{{ input }}"}
              - {id: bad, model: loop, prompt: "{{ steps.ok }}"}
              - {id: never, prompt: x}
        """, loopback=llm_server))  # fmt: skip
    runtime = make_runtime(config, tmp_path)
    chat = Chat(runtime, runtime.model("echo"))
    con, out = console(100)
    with pytest.raises(StepFailedError) as caught:
        await run_chain_live(con, chat, "c", "hi", {})
    await runtime.aclose()
    assert caught.value.step == "bad"
    shown = out.getvalue().splitlines()
    assert shown[1].startswith("✗ bad    loop · failed after") and "no such thing" in shown[1]
    assert shown[2] == "✗ never  echo · cancelled"
    assert [m.role for m in chat.messages] == ["user"]  # like a failed answer: the question stays


async def test_dry_run_prints_the_plan_and_calls_nothing(runtime) -> None:
    chat = Chat(runtime, runtime.model("echo"))
    notice = await build_registry().dispatch(chat, "/chain --dry-run review sky")
    assert chat.messages == [] and chat.totals.answers == 0
    text = notice.text
    assert "1. draft" in text and "prompt: draft of sky" in text and "prompt: check ⟨draft⟩" in text


# --- compare --------------------------------------------------------------------------------


def compare_view(width: int) -> list[str]:
    view = CompareView(["alpha", "beta"])
    view.apply(0, TextDelta("first answer"))
    view.apply(1, AnswerRecord("beta", "second answer", input_tokens=10, output_tokens=20, cost=0.002,
                                           seconds=1.5))
    con, out = console(width)
    con.print(view)
    return out.getvalue().splitlines()


def test_compare_is_side_by_side_when_wide() -> None:
    shown = compare_view(120)
    assert "[1] alpha" in shown[0] and "[2] beta" in shown[0]
    assert "first answer" in shown[1] and "second answer" in shown[1]
    assert "10→20 tokens · $0.0020 · 1.5s" in shown[2]


def test_compare_is_stacked_when_narrow() -> None:
    shown = compare_view(80)
    titles = [i for i, line in enumerate(shown) if "[1] alpha" in line or "[2] beta" in line]
    assert len(titles) == 2 and titles[0] < titles[1]
    assert all("[2] beta" not in line for line in shown[: titles[1]])


async def test_run_compare_live_streams_every_model_and_pick_continues(runtime) -> None:
    chat = Chat(runtime, runtime.model("echo"))
    chat.add_user_message("what is up")
    con, out = console(120)
    record = await run_compare_live(con, chat, [runtime.model("echo"), runtime.model("priced")], "what is up")
    answers = record.answers
    assert [(a.model, a.status, a.text) for a in answers] == [("echo", "complete", "what is up"),
                                                              ("priced", "complete", "what is up")]  # fmt: skip
    assert answers[1].cost is not None and answers[1].seconds >= 0
    text = out.getvalue()
    assert "[1] echo" in text and "[2] priced" in text and "/pick 1…2" in text
    chat.pick(2)
    assert [(m.role, m.model) for m in chat.messages] == [("user", None), ("assistant", "priced")]
    assert chat.model.name == "priced"


async def test_one_failing_model_does_not_stop_the_others(tmp_path: Path, llm_server: LLMServer) -> None:
    llm_server.default = lambda request: (
        Reply.json(500, {"error": {"message": "boom"}}) if "loop2" in request.body.decode() else WireAnswer("fine")(request)
    )
    config, _ = load_config(write_config(tmp_path, "chains: {}\n", loopback=llm_server))
    runtime = make_runtime(config, tmp_path)
    con, out = console(120)
    chat = Chat(runtime, runtime.model("loop"))
    try:
        record = await run_compare_live(con, chat, [runtime.model("loop"), runtime.model("loop2")], "hi")
    finally:
        await runtime.aclose()
    answers = record.answers
    assert [a.status for a in answers] == ["complete", "error"]
    assert "boom" in answers[1].error
    assert "failed: " in out.getvalue()


async def test_cancelling_a_compare_shows_what_arrived(runtime, monkeypatch) -> None:
    # Cancelled once the slow model (a word every 50 ms) has sent "a b", whenever that is.
    arrived = asyncio.Event()
    apply = CompareView.apply

    def watched(view: CompareView, index: int, event) -> None:
        apply(view, index, event)
        if view.panes[0].text.startswith("a b"):
            arrived.set()

    monkeypatch.setattr(CompareView, "apply", watched)
    con, out = console(120)
    words = "a b c d e f g h i j k l m n o p q r s t u v w x y z"
    chat = Chat(runtime, runtime.model("echo"))
    task = asyncio.create_task(run_compare_live(con, chat, [runtime.model("slow"), runtime.model("echo")], words))
    await asyncio.wait_for(arrived.wait(), timeout=30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    text = out.getvalue()
    assert "cancelled" in text and "a b" in text


def test_a_step_waiting_to_retry_says_so_until_its_text_comes(runtime) -> None:
    lines = StepLines(plan_chain(runtime.config, "review"), "echo", clock=Clock())
    lines.apply(StepStarted("check", "priced"))
    lines.apply(StepRetry("check", Retry(1, 2.0, "429")))
    con, out = console(100)
    con.print(lines)
    assert "check  priced · running 0.0s · retrying in 2 s (429)" in out.getvalue().splitlines()[1]
    lines.apply(StepText("check", "at last"))
    con, out = console(100)
    con.print(lines)
    assert "retrying" not in out.getvalue() and "at last" in out.getvalue()


def test_plain_progress_tells_a_retry_on_its_own_line() -> None:
    from app.ui.chain_view import PlainProgress

    out = io.StringIO()
    PlainProgress(out)(StepRetry("check", Retry(2, 0.5, "503")))
    assert out.getvalue() == "[check] retrying in 0.5 s (503)\n"


async def test_a_compare_pane_waiting_to_retry_says_so(runtime) -> None:
    from app.chat._compare import compare
    from tests.support.tool_rounds import Rounds

    runtime._providers["echo"] = Rounds([Retry(1, 2.0, "429"), TextDelta("fine")])
    chat = Chat(runtime, runtime.model("echo"))
    view = CompareView(["echo"])
    seen: list[str] = []

    def listen(index: int, event) -> None:
        view.apply(index, event)
        seen.append(shown_text(view))

    await compare(chat, [runtime.model("echo")], "hi", listen)
    assert "retrying in 2 s (429)" in seen[0]
    assert "retrying" not in seen[-1] and "fine" in seen[-1]


def shown_text(view: CompareView) -> str:
    con, out = console(100)
    con.print(view)
    return out.getvalue()
