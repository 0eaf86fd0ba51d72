"""How one answer's events fold into its parts: runs of one kind joined, signed and redacted blocks kept apart."""

from __future__ import annotations

from app.runtime._transcript import Transcript
from app.types import REDACTED_THINKING, Part, TextDelta, ThinkingDelta, ToolCall


def fold(*events) -> tuple[Part, ...]:
    transcript = Transcript()
    for event in events:
        transcript.add(event)
    transcript.end_round()
    return transcript.parts


def test_a_redacted_block_is_a_part_of_its_own_between_signed_thinking_and_text() -> None:
    parts = fold(
        ThinkingDelta("let me "), ThinkingDelta("see"), ThinkingDelta("", signature="sig"),
        ThinkingDelta("", signature="ENC", redacted=True),
        TextDelta("It is "), TextDelta("noon."), ToolCall("c1", "clock", {}),
    )  # fmt: skip
    assert parts == (
        Part("thinking", "let me see", signature="sig"),
        Part("thinking", "", name=REDACTED_THINKING, signature="ENC"),
        Part("text", "It is noon."),
        Part.tool_call("c1", "clock", {}),
    )


def test_two_redacted_blocks_in_a_row_stay_two() -> None:
    parts = fold(ThinkingDelta("", signature="A", redacted=True), ThinkingDelta("", signature="B", redacted=True))
    assert [p.signature for p in parts] == ["A", "B"]
