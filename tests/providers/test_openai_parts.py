"""The Chat Completions request body for every part kind, tools and structured output."""

from __future__ import annotations

import base64
import json
from types import MappingProxyType

from app.config import NetworkConfig, OpenAIProviderConfig
from app.http import create_client
from app.providers import create_provider
from app.providers.base import ChatRequest, Message, collect
from app.providers.openai import chat_body
from app.types import Part, ToolSpec
from tests.support.llm_server import LLMServer, stream_reply

WEATHER = ToolSpec(
    "weather.forecast",
    "The forecast for a city.",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(40))


def body(*messages: Message, **request: object) -> dict:
    return chat_body(ChatRequest("the-model", messages, **request))


def test_tool_definitions() -> None:
    clock = ToolSpec("clock", "", MappingProxyType({"type": "object", "properties": MappingProxyType({})}))

    sent = body(Message("user", "hi"), tools=(WEATHER, clock))

    assert sent["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "weather.forecast",
                "description": "The forecast for a city.",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
            },
        },
        {
            "type": "function",
            "function": {"name": "clock", "description": "", "parameters": {"type": "object", "properties": {}}},
        },
    ]
    json.dumps(sent)  # read-only mappings are sent as plain JSON


def test_no_tools_no_tools_field() -> None:
    assert "tools" not in body(Message("user", "hi"))


def test_an_answer_with_two_parallel_calls_then_a_follow_up() -> None:
    answer = Message("assistant", "Let me look. Paris is sunny, Oslo failed.", parts=(
        Part("thinking", "Two cities: call both.", signature="sig"),
        Part("text", "Let me look."),
        Part.tool_call("call_1", "weather.forecast", {"city": "Paris"}),
        Part.tool_call("call_2", "weather.forecast", {"city": "Oslo", "days": [1, 2]}),
        Part.tool_result("call_1", "weather.forecast", "sunny, 24°C"),
        Part.tool_result("call_2", "weather.forecast", "timed out after 30 s", is_error=True),
        Part("text", " Paris is sunny, Oslo failed."),
    ))

    sent = body(
        Message("user", "Weather in Paris and Oslo?"), answer, Message("user", "And tomorrow?"),
        system="Be brief.", tools=(WEATHER,),
    )

    assert sent["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris and Oslo?"},
        {
            "role": "assistant",
            "content": "Let me look.",
            "tool_calls": [
                {"id": "call_1", "type": "function",
                 "function": {"name": "weather.forecast", "arguments": '{"city":"Paris"}'}},
                {"id": "call_2", "type": "function",
                 "function": {"name": "weather.forecast", "arguments": '{"city":"Oslo","days":[1,2]}'}},
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "sunny, 24°C"},
        {"role": "tool", "tool_call_id": "call_2", "content": "Error: timed out after 30 s"},
        {"role": "assistant", "content": " Paris is sunny, Oslo failed."},
        {"role": "user", "content": "And tomorrow?"},
    ]


def test_calls_with_no_words_send_null_content() -> None:
    answer = Message("assistant", "", parts=(
        Part.tool_call("c", "clock", {}),
        Part.tool_result("c", "clock", "12:00"),
        Part("text", "Noon."),
    ))

    assistant = body(Message("user", "time?"), answer)["messages"][1]

    assert assistant == {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": "c", "type": "function", "function": {"name": "clock", "arguments": "{}"}}],
    }


def test_a_call_left_unanswered_is_not_sent() -> None:
    answer = Message("assistant", "Checking.", parts=(Part("text", "Checking."), Part.tool_call("c", "clock", {})))
    assert body(Message("user", "time?"), answer)["messages"][1] == {"role": "assistant", "content": "Checking."}


def test_thinking_is_not_sent_back() -> None:
    answer = Message("assistant", "4", parts=(Part("thinking", "2+2", signature="s"), Part("text", "4")))
    messages = body(Message("user", "2+2?"), answer)["messages"]
    assert messages[1] == {"role": "assistant", "content": "4"}
    assert "2+2" not in json.dumps(messages[1])


def test_an_image_part() -> None:
    question = Message("user", "What is this?", parts=(
        Part("text", "What is this?"),
        Part("image", name="shot.png", media_type="image/png", data=PNG),
    ))

    content = body(question)["messages"][0]["content"]

    assert content == [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG).decode()}},
    ]
    assert base64.b64decode(content[1]["image_url"]["url"].split(",", 1)[1]) == PNG


def test_a_file_part_is_text_headed_by_its_name() -> None:
    question = Message("user", "Review it.", parts=(
        Part("file", "def f():\n    return 1\n", name="src/app.py", media_type="text/x-python"),
        Part("text", "Review it."),
    ))

    content = body(question)["messages"][0]["content"]

    assert content == [
        {"type": "text", "text": "--- file: src/app.py ---\ndef f():\n    return 1\n"},
        {"type": "text", "text": "Review it."},
    ]


def test_a_text_only_question_with_parts_stays_a_string() -> None:
    question = Message("user", "hello there", parts=(Part("text", "hello "), Part("text", "there")))
    assert body(question)["messages"][0] == {"role": "user", "content": "hello there"}


def test_a_schema_is_response_format() -> None:
    schema = MappingProxyType({"type": "object", "properties": {"name": {"type": "string"}}, "required": ("name",)})

    sent = body(Message("user", "who?"), schema=schema)

    assert sent["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "answer",
            "schema": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
            "strict": False,
        },
    }
    assert "response_format" not in body(Message("user", "who?"))


def test_the_cache_flag_changes_nothing() -> None:
    """OpenAI caches a long prefix by itself; nothing in the body asks for it."""
    question = Message("user", "hi")
    assert body(question, cache=True) == body(question)


async def test_an_image_and_tool_results_reach_the_server(llm_server: LLMServer) -> None:
    llm_server.script(stream_reply("openai", "A cat."))
    client = create_client(NetworkConfig(max_retries=0))
    provider = create_provider(
        "openai", OpenAIProviderConfig(kind="openai", base_url=llm_server.base_url("openai")), None, client
    )
    shot = (Part.tool_call("c", "camera.shoot", {}), Part.tool_result("c", "camera.shoot", "ok"))
    image = Part("image", media_type="image/jpeg", data=PNG)
    answer = Message("assistant", "", parts=shot)
    question = Message("user", "And this?", parts=(Part("text", "And this?"), image))
    try:
        got = await collect(provider.stream(ChatRequest("m", (Message("user", "shoot"), answer, question))))
    finally:
        await client.aclose()

    assert got.text == "A cat."
    messages = llm_server.requests[0].json()["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "user"]
    url = messages[3]["content"][1]["image_url"]["url"]
    assert url.startswith("data:image/jpeg;base64,") and base64.b64decode(url.split(",", 1)[1]) == PNG
