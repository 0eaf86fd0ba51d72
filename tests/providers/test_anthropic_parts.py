"""What the Anthropic adapter sends for every part kind, tools, a schema and prompt caching; cached-token usage."""

from __future__ import annotations

import base64
import json

import httpx

from app.config import AnthropicProviderConfig, NetworkConfig
from app.http import RetryPolicy, create_client
from app.providers import create_provider
from app.providers._anthropic_body import MAX_CACHE_BREAKPOINTS, cache_breakpoints
from app.providers.anthropic import messages_body
from app.providers.base import Answer, ChatRequest, Message
from app.types import REDACTED_THINKING, Part, ToolSpec
from tests.support.cassettes import cassettes

EPHEMERAL = {"type": "ephemeral"}
LOOKUP = ToolSpec("lookup", "Who someone is.", {"type": "object", "properties": {"name": {"type": "string"}}})
CLOCK = ToolSpec("clock", "The time now.", {"type": "object", "properties": {}})
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR-not-really-an-image"

QUESTION = Message("user", "Who are Alice and Bob?")
ANSWER_WITH_CALLS = Message(
    "assistant",
    "Let me check. They are married.",
    parts=(
        Part("thinking", "Two lookups at once.", signature="sig-1"),
        Part("text", "Let me check."),
        Part.tool_call("toolu_a", "lookup", {"name": "Alice"}),
        Part.tool_call("toolu_b", "lookup", {"name": "Bob"}),
        Part.tool_result("toolu_a", "lookup", "alice is bob's wife"),
        Part.tool_result("toolu_b", "lookup", "no such person", is_error=True),
        Part("text", "They are married."),
    ),
)
FOLLOW_UP = Message("user", "And their children?")


def body(*messages: Message, **fields: object) -> dict:
    return messages_body(ChatRequest("claude-test", messages, **fields))  # type: ignore[arg-type]


# --- tools and their replay --------------------------------------------------------------------


def test_tool_definitions() -> None:
    sent = body(QUESTION, tools=(LOOKUP, CLOCK))
    assert sent["tools"] == [
        {"name": "lookup", "description": "Who someone is.", "input_schema": LOOKUP.parameters},
        {"name": "clock", "description": "The time now.", "input_schema": {"type": "object", "properties": {}}},
    ]
    assert "tool_choice" not in sent


def test_no_tools_no_tools_field() -> None:
    assert "tools" not in body(QUESTION) and "tool_choice" not in body(QUESTION)


def test_an_answer_with_two_parallel_calls_and_their_results_then_a_follow_up() -> None:
    assert body(QUESTION, ANSWER_WITH_CALLS, FOLLOW_UP)["messages"] == [
        {"role": "user", "content": "Who are Alice and Bob?"},
        {"role": "assistant", "content": [
            {"type": "thinking", "thinking": "Two lookups at once.", "signature": "sig-1"},
            {"type": "text", "text": "Let me check."},
            {"type": "tool_use", "id": "toolu_a", "name": "lookup", "input": {"name": "Alice"}},
            {"type": "tool_use", "id": "toolu_b", "name": "lookup", "input": {"name": "Bob"}},
        ]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_a", "content": "alice is bob's wife"},
            {"type": "tool_result", "tool_use_id": "toolu_b", "content": "no such person", "is_error": True},
        ]},
        {"role": "assistant", "content": "They are married."},
        {"role": "user", "content": "And their children?"},
    ]  # fmt: skip


def test_results_and_the_question_after_them_are_one_user_message_results_first() -> None:
    cut_after_results = Message("assistant", "", parts=(
        Part.tool_call("toolu_a", "clock", {}), Part.tool_result("toolu_a", "clock", "12:00"),
    ))  # fmt: skip
    messages = body(QUESTION, cut_after_results, FOLLOW_UP)["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[2]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_a", "content": "12:00"},
        {"type": "text", "text": "And their children?"},
    ]


def test_thinking_comes_first_and_only_when_signed() -> None:
    answer = Message("assistant", "Sure.", parts=(
        Part("text", "Sure."), Part("thinking", "signed", signature="s"), Part("thinking", "unsigned"),
    ))  # fmt: skip
    content = body(QUESTION, answer, FOLLOW_UP)["messages"][1]["content"]
    assert content == [{"type": "thinking", "thinking": "signed", "signature": "s"}, {"type": "text", "text": "Sure."}]


def test_a_replayed_call_is_the_whole_tool_call_part() -> None:
    call = Part.tool_call("toolu_z", "lookup", {"name": "Zoë", "nested": {"ok": [1, 2]}})
    answer = Message("assistant", "", parts=(call, Part.tool_result("toolu_z", "lookup", "")))
    messages = body(QUESTION, answer)["messages"]
    assert messages[1]["content"] == [
        {"type": "tool_use", "id": "toolu_z", "name": "lookup", "input": {"name": "Zoë", "nested": {"ok": [1, 2]}}}
    ]
    assert messages[2]["content"] == [{"type": "tool_result", "tool_use_id": "toolu_z"}]


# --- attachments -----------------------------------------------------------------------------------


def test_an_image_part_is_a_base64_source() -> None:
    question = Message("user", "What is this?", parts=(
        Part("text", "What is this?"), Part("image", name="cat.png", media_type="image/png", data=PNG),
    ))  # fmt: skip
    content = body(question)["messages"][0]["content"]
    assert content == [
        {"type": "text", "text": "What is this?"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": base64.b64encode(PNG).decode()}},
    ]
    assert base64.b64decode(content[1]["source"]["data"]) == PNG


def test_a_file_part_is_text_under_a_line_naming_it() -> None:
    question = Message("user", "Review it.", parts=(
        Part("file", "def f():\n    return 1\n", name="src/f.py", media_type="text/x-python"),
        Part("text", "Review it."),
    ))  # fmt: skip
    assert body(question)["messages"][0]["content"] == [
        {"type": "text", "text": "--- file: src/f.py ---\ndef f():\n    return 1\n"},
        {"type": "text", "text": "Review it."},
    ]


def test_a_redacted_thinking_block_goes_back_as_it_came_before_the_rest() -> None:
    answer = Message("assistant", "", (
        Part("thinking", "plain", signature="s"), Part("thinking", "", name=REDACTED_THINKING, signature="ENCRYPTED"),
        Part.tool_call("toolu_a", "clock", {}), Part.tool_result("toolu_a", "clock", "noon"),
    ))  # fmt: skip
    content = body(QUESTION, answer, tools=(CLOCK,))["messages"][1]["content"]
    assert content[:2] == [
        {"type": "thinking", "thinking": "plain", "signature": "s"},
        {"type": "redacted_thinking", "data": "ENCRYPTED"},
    ]
    assert content[2]["type"] == "tool_use"


# --- structured output -------------------------------------------------------------------------


def test_a_schema_is_a_forced_answer_tool_after_the_others() -> None:
    schema = {"type": "object", "properties": {"age": {"type": "integer"}}, "required": ["age"]}
    sent = body(QUESTION, tools=(LOOKUP,), schema=schema)
    assert [t["name"] for t in sent["tools"]] == ["lookup", "answer"]
    assert sent["tools"][1]["input_schema"] == schema
    assert sent["tool_choice"] == {"type": "tool", "name": "answer"}


def test_while_thinking_the_answer_tool_is_offered_and_asked_for_not_forced() -> None:
    """The API refuses a forced tool_choice with thinking on ("Thinking may not be enabled when
    tool_choice forces tool use")."""
    sent = body(QUESTION, schema={"type": "object"}, system="Be brief.", options={"thinking_budget": 2048})
    assert sent["tool_choice"] == {"type": "auto"}
    assert sent["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert sent["system"].startswith("Be brief.\n\n") and "`answer` tool" in sent["system"]
    assert [t["name"] for t in sent["tools"]] == ["answer"]


# --- prompt caching ----------------------------------------------------------------------------


def test_cache_marks_system_last_tool_and_the_last_block_before_the_newest_question() -> None:
    sent = body(QUESTION, ANSWER_WITH_CALLS, FOLLOW_UP, system="Be brief.", tools=(LOOKUP, CLOCK), cache=True)

    assert sent["system"] == [{"type": "text", "text": "Be brief.", "cache_control": EPHEMERAL}]
    assert "cache_control" not in sent["tools"][0]
    assert sent["tools"][1]["cache_control"] == EPHEMERAL
    *_, stable, newest = sent["messages"]
    assert stable == {"role": "assistant", "content": [
        {"type": "text", "text": "They are married.", "cache_control": EPHEMERAL},
    ]}  # fmt: skip
    assert newest == {"role": "user", "content": "And their children?"}
    assert cache_breakpoints(sent) == 3 <= MAX_CACHE_BREAKPOINTS


def test_cache_in_a_tool_round_marks_the_calls_before_their_results() -> None:
    answer = Message("assistant", "", parts=(
        Part("thinking", "t", signature="s"), Part.tool_call("toolu_a", "clock", {}),
        Part.tool_result("toolu_a", "clock", "12:00"),
    ))  # fmt: skip
    sent = body(QUESTION, answer, tools=(CLOCK,), schema={"type": "object"}, cache=True)
    calls = sent["messages"][1]["content"]
    assert "cache_control" not in calls[0] and calls[1]["cache_control"] == EPHEMERAL
    assert sent["tools"][-1]["name"] == "answer" and sent["tools"][-1]["cache_control"] == EPHEMERAL
    assert "cache_control" not in json.dumps(sent["messages"][2])
    assert cache_breakpoints(sent) == 2


def test_cache_never_passes_the_api_limit_however_long_the_conversation() -> None:
    history = [QUESTION, ANSWER_WITH_CALLS] * 30 + [FOLLOW_UP]
    sent = body(*history, system="S", tools=(LOOKUP, CLOCK), cache=True)
    assert cache_breakpoints(sent) <= MAX_CACHE_BREAKPOINTS


def test_cache_with_one_question_marks_only_what_is_there() -> None:
    assert cache_breakpoints(body(QUESTION, cache=True)) == 0
    assert cache_breakpoints(body(QUESTION, system="S", cache=True)) == 1


def test_without_cache_nothing_is_marked_and_the_body_is_as_before() -> None:
    plain = (Message("user", "hi"), Message("assistant", "hello"), Message("user", "bye"))
    sent = body(*plain, system="Be brief.", tools=(LOOKUP,))
    assert "cache_control" not in json.dumps(sent)
    assert sent["system"] == "Be brief."
    assert sent["messages"] == [{"role": m.role, "content": m.content} for m in plain]


# --- cached-token usage ----------------------------------------------------------------------------


def recorded_message_start() -> dict:
    """The first event of a recorded stream: a real message_start and its usage shape."""
    (cassette,) = [c for c in cassettes() if c.name.endswith("messages_stream_tool_use_gzip.yaml")]
    text = cassette.interactions[0].response().read().decode()
    first = next(line for line in text.splitlines() if line.startswith("data:"))
    return json.loads(first.removeprefix("data:"))


async def usage_of(message_start: dict) -> Answer:
    stream = (f"event: message_start\ndata: {json.dumps(message_start)}\n\n"
              'event: message_stop\ndata: {"type": "message_stop"}\n\n')  # fmt: skip

    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=stream.encode())

    network = NetworkConfig(max_retries=0)
    client = create_client(network, retry=RetryPolicy.from_network(network), transport=httpx.MockTransport(serve))
    config = AnthropicProviderConfig(kind="anthropic", base_url="https://llm.test")
    answer = Answer()
    async with client:
        async for event in create_provider("anthropic", config, "key-0123456789", client).stream(
            ChatRequest("m", (QUESTION,), cache=True)
        ):
            answer.add(event)
    return answer


async def test_a_recorded_message_start_with_no_cache_use() -> None:
    answer = await usage_of(recorded_message_start())
    assert (answer.input_tokens, answer.cached_tokens, answer.cache_write_tokens) == (543, 0, 0)


async def test_cache_reads_and_writes_in_the_recorded_shape() -> None:
    start = recorded_message_start()
    start["message"]["usage"].update(
        input_tokens=12, cache_read_input_tokens=1800, cache_creation_input_tokens=300,
        cache_creation={"ephemeral_5m_input_tokens": 300, "ephemeral_1h_input_tokens": 0},
    )  # fmt: skip
    answer = await usage_of(start)
    assert (answer.input_tokens, answer.cached_tokens, answer.cache_write_tokens) == (2112, 1800, 300)
    assert answer.output_tokens == 40
