"""Anthropic Message Batches: create one, poll it, read its results JSONL.

POST /v1/messages/batches {requests: [{custom_id, params}]}, GET /v1/messages/batches/ID
(processing_status in_progress, canceling, ended; request_counts), GET `results_url`: one line
per request, `result.type` succeeded (with `message`), errored, canceled or expired.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from app.batch._provider_batch import BatchState, http_failure

if TYPE_CHECKING:
    import httpx


class AnthropicBatches:
    def __init__(self, client: httpx.AsyncClient, base_url: str, headers: Mapping[str, str], provider: str) -> None:
        self._client, self._base, self._headers, self._provider = client, base_url, dict(headers), provider

    async def submit(self, requests: list[tuple[str, dict[str, Any]]]) -> str:
        response = await self._client.post(
            f"{self._base}/v1/messages/batches", headers=self._headers,
            json={"requests": [{"custom_id": cid, "params": body} for cid, body in requests]},
        )  # fmt: skip
        if not response.is_success:
            raise http_failure(self._provider, "start the batch", response)
        return str(response.json()["id"])

    async def _batch(self, batch_id: str) -> dict[str, Any]:
        response = await self._client.get(f"{self._base}/v1/messages/batches/{batch_id}", headers=self._headers)
        if not response.is_success:
            raise http_failure(self._provider, f"say how batch {batch_id} is", response)
        return response.json()

    async def state(self, batch_id: str) -> BatchState:
        batch = await self._batch(batch_id)
        counts = batch.get("request_counts") or {}
        status = str(batch.get("processing_status"))
        return BatchState(status, status == "ended", {k: v for k, v in counts.items() if isinstance(v, int)})

    async def results(self, batch_id: str) -> AsyncIterator[tuple[str, Any, str | None]]:
        url = (await self._batch(batch_id)).get("results_url")
        if not url:
            return
        response = await self._client.get(url, headers=self._headers)
        if not response.is_success:
            raise http_failure(self._provider, "give the batch's results", response)
        for line in response.text.splitlines():
            if line.strip():
                yield _result(json.loads(line))


def _result(line: dict[str, Any]) -> tuple[str, Any, str | None]:
    ident = str(line.get("custom_id"))
    result = line.get("result") or {}
    kind = result.get("type")
    if kind == "succeeded":
        return ident, result.get("message"), None
    error = result.get("error") or {}
    inner = error.get("error") if isinstance(error.get("error"), dict) else error
    message = inner.get("message") if isinstance(inner, dict) else None
    return ident, None, f"{kind}" + (f": {message}" if message else "")
