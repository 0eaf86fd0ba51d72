"""One file as a part: text, a PDF's text, or an image; any other binary refused by name."""

from __future__ import annotations

from pathlib import Path

from app.attachments._kinds import as_text, image_type, is_pdf, text_media_type
from app.attachments._limits import Budget
from app.errors import UsageError
from app.types import Part


def file_part(path: Path, name: str, budget: Budget) -> Part:
    """The part for the file at `path`, shown to the model and the user as `name`.

    Raises:
        UsageError: it cannot be read, is binary of another kind, or passes a limit.
    """
    data = read_bytes(path, name)
    budget.take(name, len(data))
    media_type = image_type(data)
    if media_type is not None:
        return Part("image", name=name, media_type=media_type, data=data)
    if is_pdf(data):
        from app.attachments._pdf import pdf_text

        return Part("file", pdf_text(data, name), name=name, media_type="application/pdf")
    text = as_text(data)
    if text is None:
        raise UsageError(f"{name} is binary: not attached", "Text files, PDFs and png/jpeg/gif/webp images can be.")
    return Part("file", text, name=name, media_type=text_media_type(name))


def text_file_part(path: Path, name: str, budget: Budget) -> Part | None:
    """The part for a text file found in a folder; None for anything else (it is skipped)."""
    data = read_bytes(path, name)
    text = as_text(data)
    if text is None:
        return None
    budget.take(name, len(data))
    return Part("file", text, name=name, media_type=text_media_type(name))


def read_bytes(path: Path, name: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"no such file: {name}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror or exc}") from None
