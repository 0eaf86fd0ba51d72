"""Through the in-process REPL: a fallback named in the footer and the store, and `/budget`."""

from __future__ import annotations

from pathlib import Path

from app.chat import Chat
from app.runtime import usd
from app.store import Store
from tests.runtime.conftest import world
from tests.runtime.test_fallback import OVERLOADED
from tests.support.llm_server import LLMServer, stream_reply
from tests.support.pipe_repl import ENTER, run_repl


async def test_the_footer_and_the_store_name_the_model_that_answered(
    tmp_path: Path, llm_server: LLMServer, second: LLMServer
) -> None:
    llm_server.script(OVERLOADED, OVERLOADED)
    second.script(stream_reply("openai", "gpt says hi"))
    runtime = world(tmp_path, llm_server, second)
    store = Store(tmp_path / "history.db")
    chat = Chat(runtime, runtime.model("sonnet"), store=store)
    s = await run_repl(chat, "hello" + ENTER + "/usage" + ENTER + "/exit" + ENTER, width=140)
    assert "gpt says hi" in s.text
    assert "gpt (fallback from sonnet) · " in s.text
    assert "gpt (fallback for sonnet)" in s.text  # /usage
    stored = Store(tmp_path / "history.db").branch(chat.conversation_id)  # the REPL closed its own on /exit
    assert [(m.role, m.model) for m in stored][-1] == ("assistant", "gpt")


async def test_budget_shows_what_was_spent_and_what_is_left(
    tmp_path: Path, llm_server: LLMServer, second: LLMServer
) -> None:
    second.script(stream_reply("openai", "cheap answer"))
    runtime = world(tmp_path, llm_server, second, budget="budget: {session_usd: 1.0, answer_usd: 0.5}")
    chat = Chat(runtime, runtime.model("gpt"))
    s = await run_repl(chat, "hello" + ENTER + "/budget" + ENTER + "/exit" + ENTER, width=140)
    spent = runtime.budget.spent
    assert spent > 0
    assert "budget.session_usd" in s.text and "budget.answer_usd" in s.text
    assert f"{usd(1.0 - spent)}   " in s.text and f"spent               {usd(spent)}" in s.text


async def test_a_refused_request_leaves_the_repl_running(tmp_path: Path, llm_server: LLMServer, second) -> None:
    runtime = world(tmp_path, llm_server, second, budget="budget: {answer_usd: 0.000001}")
    chat = Chat(runtime, runtime.model("gpt"))
    s = await run_repl(chat, "hello" + ENTER + "/budget" + ENTER + "/exit" + ENTER, width=140)
    assert "not sent: gpt would cost about" in s.text
    assert second.requests == []
    assert "spent" in s.text  # /budget still answered
