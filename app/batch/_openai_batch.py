"""The OpenAI Batch API: upload a JSONL file, create a batch, poll it, read its output and error files.

POST /files (purpose `batch`), POST /batches {input_file_id, endpoint, completion_window: 24h},
GET /batches/ID (status validating, in_progress, finalizing, completed, failed, expired, cancelled),
GET /files/ID/content for `output_file_id` and `error_file_id`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from app.batch._provider_batch import BatchClient, BatchState

_ENDPOINT = "/v1/chat/completions"
_ENDED = frozenset({"completed", "failed", "expired", "cancelled"})


class OpenAIBatches(BatchClient):
    async def submit(self, requests: list[tuple[str, dict[str, Any]]]) -> str:
        lines = "".join(
            json.dumps({"custom_id": cid, "method": "POST", "url": _ENDPOINT, "body": body}) + "\n"
            for cid, body in requests
        )
        uploaded = await self.call("POST", "/files", "take the batch file", data={"purpose": "batch"},
                                   files={"file": ("batch.jsonl", lines.encode(), "application/jsonl")})  # fmt: skip
        created = await self.call(
            "POST", "/batches", "start the batch",
            json={"input_file_id": uploaded.json()["id"], "endpoint": _ENDPOINT, "completion_window": "24h"},
        )  # fmt: skip
        return str(created.json()["id"])

    async def _batch(self, batch_id: str) -> dict[str, Any]:
        return (await self.call("GET", f"/batches/{batch_id}", f"say how batch {batch_id} is")).json()

    async def state(self, batch_id: str) -> BatchState:
        batch = await self._batch(batch_id)
        counts = batch.get("request_counts") or {}
        return BatchState(str(batch.get("status")), batch.get("status") in _ENDED,
                          {k: v for k, v in counts.items() if isinstance(v, int)})  # fmt: skip

    async def results(self, batch_id: str) -> AsyncIterator[tuple[str, Any, str | None]]:
        batch = await self._batch(batch_id)
        for file_id in (batch.get("output_file_id"), batch.get("error_file_id")):
            if file_id:
                async for line in self.json_lines(f"/files/{file_id}/content"):
                    yield _result(line)


def _result(line: dict[str, Any]) -> tuple[str, Any, str | None]:
    ident = str(line.get("custom_id"))
    response, error = line.get("response") or {}, line.get("error")
    if error:
        return ident, None, str(error.get("message") if isinstance(error, dict) else error)
    status = response.get("status_code", 200)
    body = response.get("body")
    if status != 200:
        message = (body or {}).get("error", {}).get("message", "") if isinstance(body, dict) else ""
        return ident, None, f"HTTP {status}" + (f": {message}" if message else "")
    return ident, body, None
