"""A PDF's text, page by page, with the page markers a reader can cite (`[page 3]`)."""

from __future__ import annotations

import io

from app.errors import UsageError


def pdf_text(data: bytes, name: str) -> str:
    """The text of every page, each after its `[page N]` line.

    Raises:
        UsageError: the PDF cannot be read (damaged, or encrypted with a password).
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UsageError(f"{name} is an encrypted PDF: not attached")
        pages = [f"[page {number}]\n{(page.extract_text() or '').strip()}"
                 for number, page in enumerate(reader.pages, 1)]  # fmt: skip
    except (PdfReadError, ValueError, KeyError) as exc:
        raise UsageError(f"cannot read the PDF {name}: {exc}") from None
    return "\n\n".join(pages)
