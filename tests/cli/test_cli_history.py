"""One-shot answers are saved conversations; `orch history`, `orch search`, `orch export` read them back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli._commands import SUBCOMMANDS
from app.store import DB_NAME
from tests.support.chain_world import write_config
from tests.support.llm_server import LLMServer, WireAnswer, stream_reply


def listing(out: str) -> list[list[str]]:
    """`orch history` to a pipe: one tab-separated row per conversation (the time column left out)."""
    return [line.split("\t")[:4] for line in out.splitlines()]


def test_a_one_shot_answer_is_saved_and_listed(run_main):
    assert run_main("-m", "echo", "hi")[:2] == (0, "hi\n")
    rc, out, err = run_main("history")
    assert (rc, err) == (0, "")
    assert listing(out) == [["1", "hi", "echo", "2"]]


def test_continue_with_a_prompt_adds_one_turn_to_the_latest_conversation(run_main):
    run_main("-m", "echo", "an older one")
    run_main("-m", "echo", "hi")
    rc, out, err = run_main("-c", "more")
    assert (rc, out, err) == (0, "more\n", "")  # stdout gets the answer only
    assert listing(run_main("history")[1]) == [["2", "hi", "echo", "4"], ["1", "an older one", "echo", "2"]]
    rc, shown, _ = run_main("history", "2")
    assert rc == 0
    assert shown.count("## User") == 2 and shown.count("## Assistant (echo)") == 2
    assert shown.index("hi") < shown.index("more")


def test_continue_sends_the_conversation_so_far(run_main, tmp_path: Path, llm_server: LLMServer):
    llm_server.default = WireAnswer("noted")
    config = str(write_config(tmp_path / "conf", loopback=llm_server))
    assert run_main("--config", config, "-m", "loop", "remember kiwi")[:2] == (0, "noted\n")
    assert run_main("--config", config, "--continue", "which fruit?")[:2] == (0, "noted\n")
    assert llm_server.requests[-1].json()["messages"] == [
        {"role": "user", "content": "remember kiwi"},
        {"role": "assistant", "content": "noted"},
        {"role": "user", "content": "which fruit?"},
    ]


def test_resume_id_with_a_prompt_continues_that_conversation(run_main):
    run_main("-m", "echo", "first topic")
    run_main("-m", "echo", "second topic")
    assert run_main("--resume", "1", "and more")[:2] == (0, "and more\n")
    rows = listing(run_main("history")[1])
    assert rows == [["1", "first topic", "echo", "4"], ["2", "second topic", "echo", "2"]]


def test_no_save_keeps_the_answer_out_of_history(run_main, world):
    assert run_main("--no-save", "-m", "echo", "secret plans")[:2] == (0, "secret plans\n")
    assert not (world.home / DB_NAME).exists()  # not even opened
    rc, out, err = run_main("history")
    assert (rc, out) == (0, "")
    assert "no saved conversations yet" in err


def test_no_save_cannot_continue(run_main):
    run_main("-m", "echo", "hi")
    rc, out, err = run_main("-c", "--no-save", "more")
    assert (rc, out) == (2, "")
    assert "--no-save cannot continue a conversation" in err


def test_a_failed_answer_keeps_its_part_in_history(run_main, tmp_path: Path, llm_server: LLMServer):
    llm_server.script(stream_reply("openai", "one two three four five", drop_after_tokens=2))
    config = str(write_config(tmp_path / "conf", loopback=llm_server))
    rc, out, err = run_main("--config", config, "-m", "loop", "count")
    assert rc == 1
    assert out.startswith("one") and "five" not in out
    assert "The partial answer above was kept." in err
    shown = run_main("history", "1")[1]
    assert "## Assistant (loop)" in shown and "[error: the answer is partial]" in shown


def test_history_of_an_unknown_conversation_exits_2(run_main):
    run_main("-m", "echo", "hi")
    rc, out, err = run_main("history", "42")
    assert (rc, out) == (2, "")
    assert "no conversation matches '42'" in err


def test_search_finds_messages_in_every_conversation(run_main):
    run_main("-m", "echo", "apples are red")
    run_main("-m", "echo", "bananas are yellow")
    rc, out, _ = run_main("search", "bananas")
    assert rc == 0
    assert [line.split("\t") for line in out.splitlines()] == [
        ["2", "bananas are yellow", "user", "»bananas« are yellow"],
        ["2", "bananas are yellow", "assistant", "»bananas« are yellow"],
    ]
    rc, out, err = run_main("search", "cherries")
    assert (rc, out) == (0, "")
    assert "nothing matches 'cherries'" in err


def test_export_to_stdout_and_to_files(run_main, world):
    run_main("-m", "echo", "hi")
    rc, out, _ = run_main("export", "1")
    assert rc == 0
    assert out.startswith("# hi\n") and "## Assistant (echo)" in out
    document = json.loads(run_main("export", "1", "--json")[1])
    assert [m["content"] for m in document["messages"]] == ["hi", "hi"]

    rc, out, _ = run_main("export", "hi", "talk.json")  # by title, too
    assert (rc, out) == (0, "wrote talk.json (conversation #1)\n")
    assert json.loads((world.cwd / "talk.json").read_text())["format"] == "orch-conversation"
    assert run_main("export", "1", "talk.md")[0] == 0
    assert (world.cwd / "talk.md").read_text().startswith("# hi\n")


def test_help_lists_every_subcommand(run_main):
    rc, out, _ = run_main("--help")
    assert rc == 0
    listed = {line.split()[1]: line for line in out.splitlines() if line.startswith("  orch ")}
    assert list(listed) == [command.name for command in SUBCOMMANDS]
    for command in SUBCOMMANDS:
        assert listed[command.name].endswith(f"  {command.help}")


@pytest.mark.parametrize("name", [c.name for c in SUBCOMMANDS])
def test_every_subcommand_has_its_own_help(run_main, name):
    rc, out, _ = run_main(name, "--help")
    assert rc == 0
    assert out.startswith(f"usage: orch {name}")
