"""A web page as its readable text; other URLs by their content type."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.attachments._kinds import image_type
from app.attachments._limits import Budget
from app.errors import UsageError
from app.types import Part

if TYPE_CHECKING:
    import httpx

_TEXT_TYPES = ("application/json", "application/xml", "application/yaml", "application/x-yaml")


async def url_part(url: str, client: httpx.AsyncClient | None, budget: Budget) -> Part:
    """Fetch `url` and turn what came into a part.

    HTML becomes its readable text (the article, without menus and footers);
    other text as it is; a PDF its text; png/jpeg/gif/webp an image part.

    Raises:
        UsageError: no client, the fetch failed, or the content type cannot be attached.
    """
    if client is None:
        raise UsageError(f"cannot fetch {url} here: no network client")
    import httpx

    try:
        response = await client.get(url, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise UsageError(f"cannot fetch {url}: {type(exc).__name__}") from None
    if response.status_code >= 400:
        raise UsageError(f"cannot fetch {url}: HTTP {response.status_code}")
    data = response.content
    budget.take(url, len(data))
    media_type = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type == "text/html" or media_type == "application/xhtml+xml":
        return Part("file", _readable(response.text, url), name=url, media_type="text/html")
    if media_type.startswith("text/") or media_type in _TEXT_TYPES or media_type.endswith("+json"):
        return Part("file", response.text, name=url, media_type=media_type)
    if media_type == "application/pdf":
        from app.attachments._pdf import pdf_text

        return Part("file", pdf_text(data, url), name=url, media_type=media_type)
    sniffed = image_type(data)
    if media_type.startswith("image/") and sniffed is not None:
        return Part("image", name=url, media_type=sniffed, data=data)
    raise UsageError(f"{url} is {media_type or 'of no stated type'}: not attached",
                     "Web pages, text, PDFs and png/jpeg/gif/webp images can be.")  # fmt: skip


def _readable(html: str, url: str) -> str:
    import trafilatura

    text = trafilatura.extract(html, url=url, include_comments=False, include_tables=True, favor_recall=True)
    if not text:
        raise UsageError(f"{url} has no readable text: not attached")
    return text
