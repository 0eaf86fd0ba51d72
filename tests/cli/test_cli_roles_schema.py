"""`-r ROLE` and `--schema` in one-shot, against the loopback model server."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.chain_world import write_config
from tests.support.llm_server import LLMServer, WireAnswer


def _role(world, name: str, text: str) -> None:
    folder = world.home / "roles"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.md").write_text(text, encoding="utf-8")


def _system(request) -> str:
    return next(m["content"] for m in request.json()["messages"] if m["role"] == "system")


def test_a_role_sends_its_body_as_the_system_prompt_and_the_text_as_typed(
    run_main, world, tmp_path: Path, llm_server: LLMServer
):
    llm_server.default = WireAnswer("ok")
    _role(world, "french", "---\ndescription: in French\nmodel: loop2\n---\nTranslate into French: {{ input }}")
    config = str(write_config(tmp_path / "conf", loopback=llm_server))
    assert run_main("--config", config, "-r", "french", "good night")[:2] == (0, "ok\n")
    sent = llm_server.requests[-1].json()
    assert sent["model"] == "test-loop2"  # the role's model
    assert _system(llm_server.requests[-1]) == "Translate into French: good night"
    assert sent["messages"][-1] == {"role": "user", "content": "good night"}


def test_m_wins_over_the_roles_model_and_the_roles_options_are_sent(
    run_main, world, tmp_path: Path, llm_server: LLMServer
):
    llm_server.default = WireAnswer("ok")
    _role(world, "cold", "---\nmodel: loop2\noptions: {temperature: 0.1}\n---\nBe exact.")
    config = str(write_config(tmp_path / "conf", loopback=llm_server))
    assert run_main("--config", config, "-m", "loop3", "-r", "cold", "hi")[0] == 0
    sent = llm_server.requests[-1].json()
    assert (sent["model"], sent["temperature"]) == ("test-loop3", 0.1)


def test_the_role_is_saved_and_restored_by_continue(run_main, world, tmp_path: Path, llm_server: LLMServer):
    llm_server.default = WireAnswer("ok")
    _role(world, "terse", "Answer in one word.")
    config = str(write_config(tmp_path / "conf", loopback=llm_server))
    assert run_main("--config", config, "-m", "loop", "-r", "terse", "first")[0] == 0
    assert run_main("--config", config, "-c", "second")[0] == 0
    assert _system(llm_server.requests[-1]) == "Answer in one word."


def test_an_unknown_role_is_a_usage_error_naming_the_nearest(run_main):
    rc, out, err = run_main("-r", "sumarize", "hi")
    assert rc == 2
    assert "unknown role 'sumarize'" in err and "summarize" in err


def test_schema_shorthand_goes_in_the_request_and_a_valid_answer_exits_0(
    run_main, tmp_path: Path, llm_server: LLMServer
):
    llm_server.default = WireAnswer('{"name": "Ada", "age": 36}')
    config = str(write_config(tmp_path / "conf", loopback=llm_server))
    rc, out, err = run_main("--config", config, "-m", "loop", "--schema", "name, age int", "who?")
    assert (rc, json.loads(out)) == (0, {"name": "Ada", "age": 36}), err


def test_a_mismatch_exits_1_naming_the_field_and_keeps_the_text(run_main, tmp_path: Path, llm_server: LLMServer):
    llm_server.default = WireAnswer('{"name": "Ada", "age": "x"}')
    config = str(write_config(tmp_path / "conf", loopback=llm_server))
    rc, out, err = run_main("--config", config, "-m", "loop", "--schema", "name, age int", "who?")
    assert rc == 1
    assert "age: 'x' is not of type 'integer'" in err
    assert '"age": "x"' in out
    rc, shown, _ = run_main("history", "1")
    assert '"age": "x"' in shown


def test_a_schema_file(run_main, tmp_path: Path, llm_server: LLMServer):
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}
    path = tmp_path / "verdict.json"
    path.write_text(json.dumps(schema), encoding="utf-8")
    llm_server.default = WireAnswer('{"ok": "yes"}')
    config = str(write_config(tmp_path / "conf", loopback=llm_server))
    rc, _, err = run_main("--config", config, "-m", "loop", "--schema", str(path), "fine?")
    assert rc == 1 and "ok: 'yes' is not of type 'boolean'" in err
