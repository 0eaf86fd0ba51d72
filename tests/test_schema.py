"""Structured output: the shorthand, schema files, and answers checked against a schema."""

from __future__ import annotations

import json

import pytest

from app.errors import UsageError
from app.schema import SchemaMismatch, check_answer, from_shorthand, load_schema

S, I, F, B = ({"type": t} for t in ("string", "integer", "number", "boolean"))


@pytest.mark.parametrize(
    ("shorthand", "properties", "required"),
    [
        ("name", {"name": S}, ["name"]),
        ("name str", {"name": S}, ["name"]),
        ("name, age int, tags list", {"name": S, "age": I, "tags": {"type": "array", "items": S}},
         ["name", "age", "tags"]),
        ("height float, admin bool", {"height": F, "admin": B}, ["height", "admin"]),
        ("scores list[int], ratios list[float]", {"scores": {"type": "array", "items": I},
                                                  "ratios": {"type": "array", "items": F}}, ["scores", "ratios"]),
        ("nickname?, age int?, name", {"nickname": S, "age": I, "name": S}, ["name"]),
        ("  spaced  ,  out   int ", {"spaced": S, "out": I}, ["spaced", "out"]),
    ],
)  # fmt: skip
def test_shorthand_to_json_schema(shorthand, properties, required):
    assert from_shorthand(shorthand) == {
        "type": "object", "properties": properties, "required": required, "additionalProperties": False,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("shorthand", "message"),
    [("age integer", "unknown schema type 'integer'"), ("a, a int", "given twice"),
     ("two words here", "is not NAME [TYPE]"), ("", "is not NAME [TYPE]"), ("xs list[list]", "unknown schema type")],
)  # fmt: skip
def test_a_bad_shorthand_is_a_usage_error(shorthand, message):
    with pytest.raises(UsageError, match=message.replace("[", r"\[")):
        from_shorthand(shorthand)


def test_a_schema_file_is_read_and_a_bad_one_is_said(tmp_path):
    schema = {"type": "object", "properties": {"verdict": {"enum": ["yes", "no"]}}}
    (tmp_path / "s.json").write_text(json.dumps(schema), encoding="utf-8")
    assert load_schema("s.json", base=tmp_path) == schema
    assert load_schema(str(tmp_path / "s.json")) == schema
    (tmp_path / "bad.json").write_text("[1,", encoding="utf-8")
    with pytest.raises(UsageError, match="is not JSON"):
        load_schema(str(tmp_path / "bad.json"))
    with pytest.raises(UsageError, match="cannot read"):
        load_schema(str(tmp_path / "missing.json"))
    assert load_schema({"type": "string"}) == {"type": "string"}


def test_an_answer_is_checked_and_a_mismatch_names_the_field():
    schema = from_shorthand("name, age int, tags list")
    assert check_answer('{"name": "a", "age": 3, "tags": ["x"]}', schema) == {"name": "a", "age": 3, "tags": ["x"]}
    assert check_answer('```json\n{"name": "a", "age": 3, "tags": []}\n```', schema)["age"] == 3
    with pytest.raises(SchemaMismatch, match="age: 'x' is not of type 'integer'"):
        check_answer('{"name": "a", "age": "x", "tags": []}', schema)
    with pytest.raises(SchemaMismatch, match=r"tags\.1: 2 is not of type 'string'"):
        check_answer('{"name": "a", "age": 1, "tags": ["a", 2]}', schema)
    with pytest.raises(SchemaMismatch, match="'age' is a required property"):
        check_answer('{"name": "a", "tags": []}', schema)
    with pytest.raises(SchemaMismatch, match="not JSON"):
        check_answer("Sure! Here it is", schema)


async def test_the_schema_goes_in_the_request_and_a_mismatch_is_recorded_with_the_text(tmp_path, llm_server):
    from app.types import Message
    from tests.support.chain_world import load_config, make_runtime, write_config
    from tests.support.llm_server import WireAnswer

    config, _ = load_config(write_config(tmp_path / "conf", loopback=llm_server))
    runtime = make_runtime(config, tmp_path)
    schema = from_shorthand("verdict")
    model = runtime.model("loop")
    assert runtime.request(model, [Message("user", "hi")], schema=schema).schema == schema
    llm_server.default = WireAnswer('{"verdict": 1}')
    turn = runtime.answer(model, [Message("user", "hi")], schema=schema)
    with pytest.raises(SchemaMismatch, match="verdict: 1 is not of type 'string'"):
        async with turn:
            async for _ in turn:
                pass
    await runtime.aclose()
    assert (turn.record.status, turn.record.text) == ("error", '{"verdict": 1}')
    assert "verdict" in (turn.record.error or "")


async def test_the_repl_asks_for_json_after_slash_schema_and_for_text_after_clear(tmp_path, llm_server):
    from tests.support.chain_world import write_config
    from tests.support.llm_server import WireAnswer
    from tests.support.pipe_repl import ENTER, make_chat, run_repl

    llm_server.default = WireAnswer('{"verdict": "yes"}')
    chat = make_chat(write_config(tmp_path / "conf", loopback=llm_server), "loop")
    keys = "/schema verdict" + ENTER + "judge it" + ENTER + "/schema" + ENTER + "/schema --clear" + ENTER + "again" + ENTER
    s = await run_repl(chat, keys + "/exit" + ENTER)
    first, second = (request.json() for request in llm_server.requests)
    assert first["response_format"]["json_schema"]["schema"]["required"] == ["verdict"]
    assert "response_format" not in second
    assert "answers are JSON with the fields: verdict" in s.text and "answers are text again" in s.text


async def test_a_bad_shorthand_in_the_repl_is_one_line(tmp_path):
    from tests.support.config_files import write_config
    from tests.support.pipe_repl import ENTER, make_chat, run_repl

    path = write_config(tmp_path / "conf", "default_model: echo\nproviders:\n  echo: {kind: echo}\n",
                        "models:\n  - {name: echo, provider: echo, id: echo}\n")  # fmt: skip
    s = await run_repl(make_chat(path), "/schema n integer" + ENTER + "/exit" + ENTER)
    assert "unknown schema type 'integer'" in s.text and s.chat.schema is None


def test_dash_dash_schema_applies_to_the_repl_s_chat_too(tmp_path):
    from app.cli.wiring import Invocation, Wiring
    from tests.support.config_files import write_config

    path = write_config(tmp_path / "conf", "default_model: echo\nproviders:\n  echo: {kind: echo}\n",
                        "models:\n  - {name: echo, provider: echo, id: echo}\n")  # fmt: skip
    wiring = Wiring(Invocation(config_path=str(path), schema="name, age int", no_save=True))
    try:
        chat, _ = wiring.chat(interactive=True)
        assert chat.schema is not None and chat.schema["required"] == ["name", "age"]
    finally:
        wiring.close()
