"""A result's content as text: text parts joined, other parts named, structured content as JSON, cut with a note."""

from __future__ import annotations

import base64

from mcp.types import EmbeddedResource, ImageContent, TextContent, TextResourceContents

from app.tools._content import cut, parts_text, result_text


def test_text_parts_are_joined_and_other_parts_named() -> None:
    image = ImageContent(type="image", data=base64.b64encode(b"\x89PNG" * 10).decode(), mime_type="image/png")
    embedded = EmbeddedResource(
        type="resource", resource=TextResourceContents(uri="notes://a", text="inside", mime_type="text/plain")
    )
    parts = [TextContent(type="text", text="one"), image, embedded, TextContent(type="text", text="two")]
    assert parts_text(parts) == "one\n[image image/png, 40 bytes]\ninside\ntwo"


def test_structured_content_alone_is_its_json() -> None:
    assert result_text([], {"sum": 3}) == '{"sum": 3}'
    assert result_text([TextContent(type="text", text="3")], {"sum": 3}) == "3"


def test_a_cut_keeps_the_limit_and_says_how_much_there_was() -> None:
    assert cut("abc", 3) == ("abc", False)
    assert cut("abcdef", 3) == ("abc\n[cut: 6 characters in all, the first 3 kept]", True)
