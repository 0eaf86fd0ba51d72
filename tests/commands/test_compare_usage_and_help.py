"""/compare's model list, /pick, /usage, /help NAME, /lock and /models (issue 10: items 6, 7, 9, 17 and
the smaller ones)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.chat import Chat, ChatMessage
from app.commands import build_registry
from app.commands.registry import Registry
from app.commands.results import Compare, Notice, Table
from app.commands.usage import summary, track_usage
from app.errors import UsageError
from app.types import AnswerRecord
from tests.support.chain_world import make_chat

CHAINS = """
chains:
  duo:
    steps:
      - {id: a, prompt: "{{ input }}"}
      - {id: b, model: priced, prompt: "{{ steps.a }}"}
"""


@pytest.fixture
def chat(tmp_path: Path) -> Chat:
    return make_chat(tmp_path, CHAINS)


@pytest.fixture
def registry() -> Registry:
    return build_registry()


def completions(registry: Registry, chat: Chat, argument: str) -> list[str]:
    command = registry.get("compare")
    assert command is not None and command.complete is not None
    return [c.partition("\t")[0] for c in command.complete(registry.context(chat), argument)]


async def test_compare_models_are_one_comma_list(registry: Registry, chat: Chat) -> None:
    assert await registry.dispatch(chat, "/compare echo,slow haiku about cats") == Compare(
        ["echo", "slow"], "haiku about cats"
    )
    # An unknown model is an error with a suggestion, never a word of the prompt.
    with pytest.raises(UsageError, match="unknown model 'nosuch'"):
        await registry.dispatch(chat, "/compare echo,nosuch hi")
    with pytest.raises(UsageError, match="unknown model 'prized'") as caught:
        await registry.dispatch(chat, "/compare prized hi")
    assert "priced" in caught.value.lines()[-1]


def test_tab_offers_models_for_the_list_and_none_for_the_prompt(registry: Registry, chat: Chat) -> None:
    assert completions(registry, chat, "echo ") == []
    listed = completions(registry, chat, "echo,")
    assert "echo,priced" in listed and "echo,slow" in listed and "echo,echo" not in listed


async def test_compare_without_a_prompt_skips_a_failed_message(registry: Registry, chat: Chat) -> None:
    chat.add_user_message("answered question")
    chat.add_answer(ChatMessage.answer(AnswerRecord("echo", "answered question")))
    chat.mark_failed(chat.add_user_message("failed chain input"))
    assert await registry.dispatch(chat, "/compare priced") == Compare(["echo", "priced"], "answered question")


async def test_pick_after_a_pick_says_it_was_picked_already(registry: Registry, chat: Chat) -> None:
    with pytest.raises(UsageError, match="Run /compare"):
        await registry.dispatch(chat, "/pick 1")
    await chat.compare([chat.runtime.model("echo"), chat.runtime.model("priced")], "hello")
    await registry.dispatch(chat, "/pick 2")
    with pytest.raises(UsageError, match="picked from already"):
        await registry.dispatch(chat, "/pick 5")


async def answer(chat: Chat, text: str) -> None:
    chat.add_user_message(text)
    async with chat.reply() as turn:
        async for _ in turn:
            pass


def usage_rows(table: Table) -> dict[str, list[str]]:
    return {row[0]: list(row[1:]) for row in table.rows}


async def test_usage_counts_compares_chains_by_model_and_outlives_clear(registry: Registry, chat: Chat) -> None:
    track_usage(chat)
    assert summary(chat) == ""  # nothing yet: no `$0.0000`
    await answer(chat, "one two three")
    await chat.compare([chat.runtime.model("echo"), chat.runtime.model("priced")], "four five")
    await registry.dispatch(chat, "/clear")
    await chat.run_chain("duo", "six", {})
    rows = usage_rows(await registry.dispatch(chat, "/usage"))
    assert rows["echo"][0] == "3"  # the reply, its compare pane, chain step a
    assert rows["priced"][0] == "2"  # its compare pane (not picked), chain step b
    assert "$" in rows["priced"][3] and not rows["priced"][3].endswith("+")
    assert rows["echo"][3] == "n/a"  # echo has no price: unknown, not $0.0000
    assert rows["session total"][0] == "5"
    assert not any(name.startswith("chain") for name in rows)


async def test_unknown_usage_is_na_never_zero(registry: Registry, chat: Chat) -> None:
    track_usage(chat)
    chat.add_user_message("tell me")
    chat.add_answer(ChatMessage.answer(AnswerRecord("slow", "partial", status="interrupted")))
    rows = usage_rows(await registry.dispatch(chat, "/usage"))
    assert rows["slow"] == ["1", "n/a", "n/a", "n/a"]
    assert summary(chat) == "n/a tokens · cost n/a"
    await answer(chat, "known")
    assert rows != (rows := usage_rows(await registry.dispatch(chat, "/usage")))
    assert rows["session total"][1].endswith("+")  # some known, some not
    assert summary(chat).endswith("tokens · cost n/a")


async def test_help_for_one_command_gives_usage_arguments_and_an_example(registry: Registry, chat: Chat) -> None:
    text = (await registry.dispatch(chat, "/help chain")).text
    assert text.splitlines()[0].startswith("/chain NAME")
    assert "--dry-run" in text and "KEY=VALUE" in text and "example: /chain " in text
    assert "example: /compare sonnet,gpt-5" in (await registry.dispatch(chat, "/help /compare")).text


async def test_lock_without_a_vault_says_there_is_none(registry: Registry, chat: Chat) -> None:
    notice = await registry.dispatch(chat, "/lock")
    assert isinstance(notice, Notice) and "no vault" in notice.text and "locked" not in notice.text


async def test_models_shows_aliases_and_prices_as_orch_models_does(registry: Registry, chat: Chat) -> None:
    table = await registry.dispatch(chat, "/models")
    rows = {row[0].strip("▸ "): row for row in table.rows}
    assert "echo (e)" in rows
    assert rows["priced"][4] == "$1 / $2"
    assert "price in/out per 1M" in table.columns
