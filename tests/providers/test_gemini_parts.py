"""What the Gemini adapter sends for every part kind, tool definitions and a response schema."""

from __future__ import annotations

import base64

from app.providers.base import ChatRequest, Message
from app.providers.gemini import generate_body
from app.types import Part, ToolSpec

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
SIGNATURE = "CiQBcsjafP+/x9k=_-\u00e9"  # opaque: sent back exactly, whatever it holds
WEATHER = ToolSpec(
    "weather",
    "The weather in a city.",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"], "additionalProperties": False},
)


def body_for(*messages: Message, **request: object) -> dict:
    return generate_body(ChatRequest("gemini-test", messages, **request))  # type: ignore[arg-type]


def test_tool_definitions() -> None:
    clock = ToolSpec("clock", "", {"type": "object", "properties": {}})
    body = body_for(Message("user", "hi"), tools=(WEATHER, clock))
    assert body["tools"] == [
        {
            "functionDeclarations": [
                {"name": "weather", "description": "The weather in a city.", "parametersJsonSchema": {
                    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
                    "additionalProperties": False}},
                {"name": "clock", "description": "", "parametersJsonSchema": {"type": "object", "properties": {}}},
            ]
        }
    ]  # fmt: skip
    assert "tools" not in body_for(Message("user", "hi"))


def test_two_parallel_calls_their_results_and_a_follow_up() -> None:
    answer = Message(
        "assistant",
        "Checking both.Paris is sunny, Rome rainy.",
        (
            Part("thinking", "Two cities: two calls."),
            Part("text", "Checking both."),
            Part.tool_call("call_1", "weather", {"city": "Paris"}, signature=SIGNATURE),
            Part.tool_call("call_2", "weather", {"city": "Rome"}),
            Part.tool_result("call_1", "weather", "sunny"),
            Part.tool_result("call_2", "weather", "no such city", is_error=True),
            Part("text", "Paris is sunny, Rome rainy."),
        ),
    )
    body = body_for(Message("user", "Weather in Paris and Rome?"), answer, Message("user", "And tomorrow?"),
                    tools=(WEATHER,))  # fmt: skip
    assert body["contents"] == [
        {"role": "user", "parts": [{"text": "Weather in Paris and Rome?"}]},
        {
            "role": "model",
            "parts": [
                {"text": "Checking both."},
                {"functionCall": {"name": "weather", "args": {"city": "Paris"}, "id": "call_1"},
                 "thoughtSignature": SIGNATURE},
                {"functionCall": {"name": "weather", "args": {"city": "Rome"}, "id": "call_2"}},
            ],
        },
        {
            "role": "user",
            "parts": [
                {"functionResponse": {"name": "weather", "response": {"result": "sunny"}, "id": "call_1"}},
                {"functionResponse": {"name": "weather", "response": {"error": "no such city"}, "id": "call_2"}},
            ],
        },
        {"role": "model", "parts": [{"text": "Paris is sunny, Rome rainy."}]},
        {"role": "user", "parts": [{"text": "And tomorrow?"}]},
    ]  # fmt: skip


def test_thoughts_stay_home_but_a_signed_text_part_keeps_its_signature() -> None:
    answer = Message("assistant", "Done.", (Part("thinking", "hmm", signature="anthropic-seal"),
                                            Part("text", "Done.", signature=SIGNATURE)))  # fmt: skip
    body = body_for(Message("user", "go"), answer)
    assert body["contents"][1] == {"role": "model", "parts": [{"text": "Done.", "thoughtSignature": SIGNATURE}]}


def test_an_answer_of_thoughts_only_still_holds_its_turn() -> None:
    body = body_for(Message("user", "go"), Message("assistant", "", (Part("thinking", "hmm"),)))
    assert body["contents"][1] == {"role": "model", "parts": [{"text": ""}]}


def test_an_image_part_is_inline_data() -> None:
    image = Part("image", name="dot.png", media_type="image/png", data=PNG)
    (content,) = body_for(Message("user", "What is this?", (Part("text", "What is this?"), image)))["contents"]
    inline = {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(PNG).decode()}}
    assert content == {"role": "user", "parts": [{"text": "What is this?"}, inline]}
    assert base64.b64decode(content["parts"][1]["inlineData"]["data"]) == PNG


def test_a_file_part_is_text_named_by_its_path() -> None:
    question = Message("user", "Review it.", (
        Part("file", "def f():\n    return 1\n", name="src/f.py", media_type="text/x-python"),
        Part("text", "Review it."),
    ))  # fmt: skip
    assert body_for(question)["contents"][0]["parts"] == [
        {"text": "--- file: src/f.py ---\ndef f():\n    return 1\n"},
        {"text": "Review it."},
    ]


def test_a_schema_asks_for_json_following_it() -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
              "required": ["name", "age"], "additionalProperties": False}  # fmt: skip
    config = body_for(Message("user", "Who?"), schema=schema, options={"temperature": 0})["generationConfig"]
    assert config == {"temperature": 0, "responseMimeType": "application/json", "responseJsonSchema": schema}
    assert "generationConfig" not in body_for(Message("user", "Who?"))


def test_plain_messages_are_sent_as_before() -> None:
    body = body_for(Message("system", "Be brief."), Message("user", "hi"), Message("assistant", "hello"),
                    Message("user", ""))  # fmt: skip
    assert body == {
        "contents": [
            {"role": "user", "parts": [{"text": "hi"}]},
            {"role": "model", "parts": [{"text": "hello"}]},
            {"role": "user", "parts": [{"text": ""}]},
        ],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
    }


def test_a_call_without_a_signature_gets_the_sentinel_on_gemini_3() -> None:
    """Calls another provider made (no signature) would be refused by Gemini 3 without it."""
    answer = Message("assistant", "", (
        Part.tool_call("toolu_1", "weather", {"city": "Paris"}), Part.tool_call("toolu_2", "weather", {"city": "Rome"}),
        Part.tool_result("toolu_1", "weather", "sunny"), Part.tool_result("toolu_2", "weather", "rain"),
    ))  # fmt: skip
    conversation = (Message("user", "Weather?"), answer)
    model = generate_body(ChatRequest("gemini-3-pro-preview", conversation))["contents"][1]
    assert [p.get("thoughtSignature") for p in model["parts"]] == ["skip_thought_signature_validator", None]
    older = generate_body(ChatRequest("gemini-2.5-flash", conversation))["contents"][1]
    assert [p.get("thoughtSignature") for p in older["parts"]] == [None, None]
    signed = Message("assistant", "", (Part.tool_call("c1", "weather", {}, signature=SIGNATURE),
                                       Part.tool_result("c1", "weather", "ok")))  # fmt: skip
    kept = generate_body(ChatRequest("gemini-3-pro-preview", (Message("user", "Weather?"), signed)))["contents"][1]
    assert kept["parts"][0]["thoughtSignature"] == SIGNATURE
