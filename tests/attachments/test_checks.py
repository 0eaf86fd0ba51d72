"""What is refused before a request: images to a model that cannot see, and more than its context window."""

from __future__ import annotations

import pytest

from app.attachments import CHARS_PER_TOKEN, IMAGE_TOKENS, check_sendable, clipboard_part, estimate_tokens
from app.config import ModelConfig
from app.errors import UsageError
from app.types import Message, Part
from tests.support.attachment_files import PNG

BLIND = ModelConfig(name="blind", provider="echo", id="b", context_window=1000)
SEEING = ModelConfig(name="seeing", provider="echo", id="s", vision=True)
OTHER_SEEING = ModelConfig(name="eyes", provider="echo", id="e", vision=True)
MODELS = [BLIND, SEEING, OTHER_SEEING]
IMAGE = Part("image", name="cat.png", media_type="image/png", data=PNG)


def test_the_estimate_is_four_characters_a_token_and_a_fixed_count_an_image() -> None:
    parts = [Part("text", "x" * 10), Part("file", "y" * 6, name="ab"), IMAGE]
    assert estimate_tokens(parts) == -(-18 // CHARS_PER_TOKEN) + IMAGE_TOKENS == 5 + 1600


def test_an_image_to_a_model_without_vision_is_refused_naming_those_with_it() -> None:
    messages = [Message("user", "what is this?", (IMAGE, Part("text", "what is this?")))]
    with pytest.raises(UsageError) as caught:
        check_sendable(BLIND, messages, None, MODELS)
    assert caught.value.message.startswith("blind cannot take images")
    assert caught.value.hint == "Models with vision: seeing, eyes."
    check_sendable(SEEING, messages, None, MODELS)
    with pytest.raises(UsageError) as caught:
        check_sendable(BLIND, messages, None, [BLIND])
    assert "No model" in (caught.value.hint or "")


def test_a_message_past_the_context_window_is_refused_naming_the_sizes() -> None:
    big = Part("file", "z" * 4000, name="big.txt")
    history = [Message("user", "hi"), Message("assistant", "hello")]
    with pytest.raises(UsageError) as caught:
        check_sendable(BLIND, [*history, Message("user", "read", (big, Part("text", "read")))], None, MODELS)
    assert caught.value.message == (
        "the message would be about 1,005 tokens with the conversation, more than the 1,000 of blind's context window"
    )
    check_sendable(BLIND, [Message("user", "z" * 3990)], None, MODELS)
    with pytest.raises(UsageError):
        check_sendable(BLIND, [Message("user", "z" * 3990)], "a system prompt of some length", MODELS)
    check_sendable(SEEING, [Message("user", "z" * 10**6)], None, MODELS)  # no window given: no check


def test_paste_without_a_clipboard_tool_is_a_clear_line() -> None:
    with pytest.raises(UsageError) as caught:
        clipboard_part(which=lambda tool: None)
    assert caught.value.message == "no clipboard tool found (wl-paste, xclip or pbpaste)"


def test_paste_takes_the_clipboards_image_when_it_offers_one_else_its_text() -> None:
    outputs = {("wl-paste", "--list-types"): b"text/plain\nimage/png\n",
               ("wl-paste", "--no-newline", "--type", "image/png"): PNG}  # fmt: skip
    part = clipboard_part(which=lambda tool: tool if tool == "wl-paste" else None,
                          run=lambda command: outputs[tuple(command)])  # fmt: skip
    assert (part.kind, part.media_type, part.data) == ("image", "image/png", PNG)
    text = clipboard_part(which=lambda tool: tool if tool == "pbpaste" else None, run=lambda command: b"copied")
    assert (text.kind, text.text, text.name) == ("file", "copied", "clipboard")
