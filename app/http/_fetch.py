"""One small JSON document fetched with a GET: no retries, a short deadline, a bounded body."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import httpx

from app.http._client import max_answer_bytes
from app.http._failures import FailureKind, HttpFailure, connect_failure, transport_failure


async def get_json(client: httpx.AsyncClient, url: str, *, headers: Mapping[str, str], timeout_s: float) -> Any:
    """GET `url` and parse its body as JSON, all within `timeout_s`.

    Meant for quick questions to a server (which models it serves), where one
    that is down or slow should cost a line, not a wait: nothing is retried.

    Raises:
        HttpFailure: what failed, as data (`STATUS` with the start of the body, a connect kind,
            `DEADLINE`, `TOO_LARGE`, or `NOT_JSON_NOR_SSE` for a body that is not JSON).
    """
    limit = max_answer_bytes(client)
    started = False
    try:
        async with asyncio.timeout(timeout_s):
            try:
                request = client.build_request("GET", url, headers=headers, timeout=timeout_s)
                response = await client.send(request, stream=True)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as exc:
                raise connect_failure(url, exc, 1) from exc
            started = True
            try:
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > limit:
                        raise HttpFailure(FailureKind.TOO_LARGE, url, started=True, size_limit=limit)
            finally:
                await response.aclose()
    except httpx.InvalidURL as exc:
        raise HttpFailure(FailureKind.INVALID_URL, url, reason=str(exc)) from exc
    except httpx.HTTPError as exc:
        raise transport_failure(url, exc, started) from exc
    except TimeoutError as exc:
        raise HttpFailure(FailureKind.DEADLINE, url, timeout_s=timeout_s, started=started) from exc
    content_type = response.headers.get("content-type", "")
    if not response.is_success:
        raise HttpFailure(FailureKind.STATUS, url, status=response.status_code, body=bytes(body[:64 * 1024]),
                          content_type=content_type)  # fmt: skip
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise HttpFailure(FailureKind.NOT_JSON_NOR_SSE, url, body=bytes(body[:64 * 1024]), started=True) from None
