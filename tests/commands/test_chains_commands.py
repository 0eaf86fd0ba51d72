"""/chain, /chains, /compare and /pick: what the handlers return, and completion."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.chains import plan_chain
from app.chat import Chat
from app.commands.chains import register, step_tree
from app.commands.registry import Registry
from app.commands.results import Compare, Notice, RunChain, Table
from app.chat import CompareRecord
from app.types import AnswerRecord
from app.errors import ConfigError, UsageError
from tests.support.chain_world import load_config, make_runtime, write_config

CHAINS = """
chains:
  review:
    description: draft, check, fix
    variables: {tone: plain, who: null}
    steps:
      - {id: draft, prompt: "{{ who }} {{ tone }} {{ input }}"}
      - {id: check, model: priced, prompt: "{{ steps.draft }}"}
      - {id: fix, needs: [draft, check], when: {step: check, contains: bad}, prompt: "{{ steps.check }}"}
  fan:
    steps:
      - {id: a, needs: [], prompt: "{{ input }}"}
      - {id: b, model: slow, needs: [], prompt: "{{ input }}"}
      - {id: judge, needs: [a, b], prompt: "{{ steps.a }}{{ steps.b }}"}
  fixed:
    steps:
      - {id: only, prompt: "no input needed"}
  broken:
    steps:
      - {id: x, model: nope, prompt: x}
"""


@pytest.fixture
def chat(tmp_path: Path) -> Chat:
    config, _ = load_config(write_config(tmp_path, CHAINS))
    runtime = make_runtime(config, tmp_path)
    return Chat(runtime, runtime.model("echo"))


@pytest.fixture
def registry() -> Registry:
    registry = Registry()
    register(registry)
    return registry


def complete(registry: Registry, chat: Chat, line: str) -> list[str]:
    label, _, argument = line[1:].partition(" ")
    command = registry.get(label)
    assert command is not None and command.complete is not None
    return [c.partition("\t")[0] for c in command.complete(registry.context(chat), argument)]


async def test_chains_lists_descriptions_and_a_tree_of_steps(registry: Registry, chat: Chat) -> None:
    table = await registry.dispatch(chat, "/chains")
    assert isinstance(table, Table)
    rows = {row[0]: row for row in table.rows}
    assert rows["review"][1] == "draft, check, fix"
    assert rows["review"][2] == "draft · echo\n└─ check · priced\n   └─ fix · echo · ← draft · if check contains 'bad'"
    assert rows["fan"][2] == "a · echo\nb · slow\n└─ judge · echo · ← a"
    assert "problem" in rows["broken"][2]
    assert await registry.dispatch(chat, "/chain") == table


async def test_chain_takes_declared_variables_then_the_input(registry: Registry, chat: Chat) -> None:
    result = await registry.dispatch(chat, "/chain review who=Ada tone=warm  say x=1 to   me")
    assert result == RunChain("review", "say x=1 to   me", {"who": "Ada", "tone": "warm"})
    assert await registry.dispatch(chat, "/chain fixed") == RunChain("fixed", "", {})


async def test_a_dry_run_is_answered_at_once_without_calling_a_model(registry: Registry, chat: Chat) -> None:
    notice = await registry.dispatch(chat, "/chain --dry-run review who=Ada the sky")
    assert isinstance(notice, Notice)
    assert "1. draft" in notice.text and "prompt: Ada plain the sky" in notice.text
    assert "[fix] echo · needs draft, check · only if check contains 'bad'" in notice.text
    assert chat.messages == []


@pytest.mark.parametrize(
    ("line", "error", "message"),
    [
        ("/chain nope hi", UsageError, "unknown chain 'nope'"),
        ("/chain review hi", UsageError, "needs who"),
        ("/chain review who=Ada", UsageError, "needs an input"),
        ("/chain broken hi", ConfigError, "unknown model 'nope'"),
    ],
)
async def test_chain_errors(registry: Registry, chat: Chat, line: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        await registry.dispatch(chat, line)


def test_chain_names_and_variables_complete(registry: Registry, chat: Chat) -> None:
    assert complete(registry, chat, "/chain ") == ["review", "fan", "fixed", "broken"]
    assert complete(registry, chat, "/chain --dry-run re") == ["review", "fan", "fixed", "broken"]
    assert complete(registry, chat, "/chain review ") == ["tone=", "who="]
    assert "echo,priced" in complete(registry, chat, "/compare echo,")


async def test_compare_takes_models_then_the_prompt(registry: Registry, chat: Chat) -> None:
    assert await registry.dispatch(chat, "/compare priced,slow why is the sky blue") == Compare(
        ["priced", "slow"], "why is the sky blue"
    )
    # One model: compared with the current one. No prompt: the last user message.
    chat.add_user_message("earlier question")
    assert await registry.dispatch(chat, "/compare e,priced") == Compare(["echo", "priced"], "earlier question")
    assert await registry.dispatch(chat, "/compare priced") == Compare(["echo", "priced"], "earlier question")


async def test_compare_errors(registry: Registry, chat: Chat) -> None:
    with pytest.raises(UsageError, match="nothing to compare yet"):
        await registry.dispatch(chat, "/compare echo,priced")
    with pytest.raises(UsageError, match="unknown model 'gtp'"):
        await registry.dispatch(chat, "/compare gtp hello")


def answers() -> tuple[AnswerRecord, ...]:
    return (
        AnswerRecord("echo", "from echo", input_tokens=3, output_tokens=3, seconds=0.1),
        AnswerRecord("priced", "from priced", input_tokens=3, output_tokens=3, cost=0.001, seconds=0.2),
        AnswerRecord("slow", "", status="error", seconds=0.3, error="boom"),
    )


def remember_compare(chat: Chat, prompt: str, answers: tuple[AnswerRecord, ...]) -> None:
    chat.last_compare = CompareRecord(prompt, answers)


async def test_pick_replaces_the_answer_to_the_compared_message(registry: Registry, chat: Chat) -> None:
    chat.add_user_message("question")
    async with chat.reply() as turn:
        async for _ in turn:
            pass
    remember_compare(chat, "question", answers())
    notice = await registry.dispatch(chat, "/pick 2")
    assert isinstance(notice, Notice) and "now talking to priced" in notice.text
    assert [(m.role, m.content) for m in chat.messages] == [("user", "question"), ("assistant", "from priced")]
    assert chat.model.name == "priced"
    with pytest.raises(UsageError, match="nothing to pick"):
        await registry.dispatch(chat, "/pick 1")


async def test_pick_after_a_compare_with_a_new_prompt_adds_it(registry: Registry, chat: Chat) -> None:
    chat.add_user_message("older")
    remember_compare(chat, "new prompt", answers())
    assert complete(registry, chat, "/pick ") == ["1", "2", "3"]
    with pytest.raises(UsageError, match="did not complete"):
        await registry.dispatch(chat, "/pick 3")
    with pytest.raises(UsageError, match="from 1 to 3"):
        await registry.dispatch(chat, "/pick 4")
    await registry.dispatch(chat, "/pick 1")
    assert [(m.role, m.content) for m in chat.messages] == [
        ("user", "older"), ("user", "new prompt"), ("assistant", "from echo")
    ]  # fmt: skip


def test_the_tree_hangs_each_step_under_its_deepest_need(chat: Chat) -> None:
    plan = plan_chain(chat.runtime.config, "fan")
    assert step_tree(plan, "default") == "a · default\nb · slow\n└─ judge · default · ← a"
