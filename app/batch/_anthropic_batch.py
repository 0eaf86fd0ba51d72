"""Anthropic Message Batches: create one, poll it, read its results JSONL.

POST /v1/messages/batches {requests: [{custom_id, params}]}, GET /v1/messages/batches/ID
(processing_status in_progress, canceling, ended; request_counts), GET `results_url`: one line
per request, `result.type` succeeded (with `message`), errored, canceled or expired.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from app.batch._provider_batch import BatchClient, BatchState


class AnthropicBatches(BatchClient):
    async def submit(self, requests: list[tuple[str, dict[str, Any]]]) -> str:
        body = {"requests": [{"custom_id": cid, "params": body} for cid, body in requests]}
        response = await self.call("POST", "/v1/messages/batches", "start the batch", json=body)
        return str(response.json()["id"])

    async def _batch(self, batch_id: str) -> dict[str, Any]:
        return (await self.call("GET", f"/v1/messages/batches/{batch_id}", f"say how batch {batch_id} is")).json()

    async def state(self, batch_id: str) -> BatchState:
        batch = await self._batch(batch_id)
        counts = batch.get("request_counts") or {}
        status = str(batch.get("processing_status"))
        return BatchState(status, status == "ended", {k: v for k, v in counts.items() if isinstance(v, int)})

    async def results(self, batch_id: str) -> AsyncIterator[tuple[str, Any, str | None]]:
        url = (await self._batch(batch_id)).get("results_url")
        if url:
            async for line in self.json_lines(url):
                yield _result(line)


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
