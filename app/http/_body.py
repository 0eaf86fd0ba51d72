"""An answer's body read up to a size limit, counted after decoding.

A few hundred KB of gzip can expand to hundreds of MB, on one line that an
SSE line decoder would hold whole: the limit is applied to the decoded bytes,
as they arrive, before any line is assembled.
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterator

import httpx


class BoundedBody:
    """A response as `httpx_sse.EventSource` reads it, its decoded body cut after `limit` bytes.

    Attributes:
        cut: whether the body went past the limit (what came after it was not read).
    """

    def __init__(self, response: httpx.Response, limit: int) -> None:
        self.headers = response.headers
        self._response = response
        self._limit = limit
        self.cut = False

    async def aiter_text(self) -> AsyncIterator[str]:
        """The body as text (SSE is UTF-8), up to the limit."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        async for chunk in self.aiter_bytes():
            text = decoder.decode(chunk)
            if text:
                yield text
        if not self.cut:
            tail = decoder.decode(b"", final=True)
            if tail:
                yield tail

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        """The decoded body, up to the limit; sets `cut` when there was more."""
        room = self._limit
        async for chunk in self._response.aiter_bytes():
            if len(chunk) > room:
                self.cut = True
                if room:
                    yield chunk[:room]
                return
            room -= len(chunk)
            yield chunk

    async def read(self) -> bytes:
        """The whole body, up to the limit (see `cut`)."""
        return b"".join([chunk async for chunk in self.aiter_bytes()])
