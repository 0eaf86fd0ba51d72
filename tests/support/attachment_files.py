"""What the attachment tests share: a PDF made with pypdf, the smallest real images, and a provider
that records the messages it is given."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator

from app.providers.base import ChatRequest, Event
from app.providers.echo import EchoProvider
from app.types import Message

# A 1x1 PNG and the first bytes of the other formats orch knows by their magic bytes.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32)
GIF = b"GIF89a\x01\x00\x01\x00" + bytes(16)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(24)


def make_pdf(pages: list[str]) -> bytes:
    """A PDF whose page N shows `pages[N-1]` (a line of the page for each line of the text), written with pypdf."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
    })  # fmt: skip
    font_ref = writer._add_object(font)
    for text in pages:
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font_ref})}
        )
        stream = DecodedStreamObject()
        shown = " T* ".join(f"({line}) Tj" for line in text.split("\n"))  # a line each, 14 pt apart
        stream.set_data(f"BT /F1 12 Tf 14 TL 72 720 Td {shown} ET".encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class Recording:
    """The echo provider, keeping every request's messages."""

    def __init__(self) -> None:
        self.sent: list[list[Message]] = []
        self._echo = EchoProvider()

    def stream(self, request: ChatRequest) -> AsyncIterator[Event]:
        self.sent.append(list(request.messages))
        return self._echo.stream(request)
