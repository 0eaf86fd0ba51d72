"""The one argument grammar, and the commands that read their arguments through it (issue 10, item 1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.chat import Chat
from app.commands import build_registry
from app.commands.arguments import Arguments, parse_arguments
from app.commands.results import Notice, RunChain
from app.errors import UsageError
from tests.support.chain_world import make_chat

CHAINS = """
chains:
  panel:
    variables: {criteria: clarity}
    steps:
      - {id: a, prompt: "{{ input }} by {{ criteria }}"}
"""


@pytest.fixture
def chat(tmp_path: Path) -> Chat:
    return make_chat(tmp_path, CHAINS)


def test_options_and_pairs_stand_anywhere_after_the_fixed_words() -> None:
    parsed = parse_arguments("panel --dry-run why is  it criteria=brevity", fixed=1, options=["--dry-run"],
                             keys=["criteria"])  # fmt: skip
    assert parsed == Arguments(("panel",), frozenset({"--dry-run"}), {"criteria": "brevity"}, "why is  it")
    # Free text keeps its spacing; a pair the command does not take is prose.
    assert parse_arguments("say x=1 to   me", keys=["criteria"]).rest == "say x=1 to   me"


def test_a_double_dash_ends_the_options_and_pairs() -> None:
    parsed = parse_arguments("panel -- --dry-run criteria=brevity", fixed=1, options=["--dry-run"],
                             keys=["criteria"])  # fmt: skip
    assert parsed.options == frozenset() and parsed.pairs == {}
    assert parsed.rest == "--dry-run criteria=brevity"


def test_an_unknown_option_is_an_error_with_the_nearest_one() -> None:
    with pytest.raises(UsageError, match="unknown option --dry-rn") as caught:
        parse_arguments("panel --dry-rn hi", fixed=1, options=["--dry-run"])
    assert "Did you mean --dry-run?" in caught.value.lines()[1]


def test_the_keys_may_depend_on_the_fixed_words() -> None:
    parsed = parse_arguments("panel a=1 b=2", fixed=1, keys=lambda words: {"panel": ["a"]}[words[0]])
    assert parsed.pairs == {"a": "1"} and parsed.rest == "b=2"


async def test_chain_dry_run_and_variables_after_the_name_run_nothing(chat: Chat) -> None:
    registry = build_registry()
    notice = await registry.dispatch(chat, "/chain panel --dry-run why is it criteria=brevity")
    assert isinstance(notice, Notice)
    assert "prompt: why is it by brevity" in notice.text  # the option and the pair are not in the input
    assert chat.messages == []
    run = await registry.dispatch(chat, "/chain panel why criteria=brevity is it")
    assert run == RunChain("panel", "why is it", {"criteria": "brevity"})
    run = await registry.dispatch(chat, "/chain panel -- --dry-run criteria=brevity")
    assert run == RunChain("panel", "--dry-run criteria=brevity", {})


async def test_system_clear_and_export_read_the_same_grammar(chat: Chat, tmp_path: Path) -> None:
    registry = build_registry()
    await registry.dispatch(chat, "/system -- --be terse")
    assert chat.system == "--be terse"
    assert (await registry.dispatch(chat, "/system --clear")).text == "system prompt removed"
    with pytest.raises(UsageError, match="unknown option --clearr"):
        await registry.dispatch(chat, "/system --clearr")
