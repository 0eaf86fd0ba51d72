"""What a file's bytes are: an image by its magic bytes, a PDF, text, or other binary."""

from __future__ import annotations

# The suffix can lie; the first bytes do not. Only the formats every wire format takes.
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
PDF_MAGIC = b"%PDF-"
_SNIFF = 8192


def image_type(data: bytes) -> str | None:
    """`image/png`, `image/jpeg`, `image/gif` or `image/webp` when the bytes are one; else None."""
    for magic, media_type in _IMAGE_MAGIC:
        if data.startswith(magic):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def is_pdf(data: bytes) -> bool:
    return data.startswith(PDF_MAGIC)


def as_text(data: bytes) -> str | None:
    """The bytes as text when they are UTF-8 without NUL bytes (as git and grep judge text); else None."""
    if b"\x00" in data[:_SNIFF]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def text_media_type(name: str) -> str:
    """The text type a file's name suggests (`text/x-python`, `application/json`), else `text/plain`."""
    import mimetypes

    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "text/plain"
