"""The Gemini Batch API, with the requests inline: create a batch, poll it, read its inlined responses.

POST /v1beta/models/ID:batchGenerateContent {batch: {displayName, inputConfig: {requests: {requests:
[{request, metadata: {key}}]}}}} answers an Operation named `batches/ID` (the batch id orch keeps).
GET /v1beta/batches/ID answers that Operation again: the batch itself is its `metadata` (`state`
BATCH_STATE_PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED or EXPIRED; `batchStats`, whose counts are
int64 strings; `output`), `done` once it ended, and then `response` holds the output too. The output's
`inlinedResponses.inlinedResponses[]` each carry a `response` or an `error` (a Status) and the request's
`metadata.key` (the same order as the requests, the reference says; a response without the key
is taken for the request at its position, when the batch repeats its `inputConfig`). Inline requests may come to 20 MB at most; a larger batch is refused before sending.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from app.errors import ProviderError, UsageError

from app.batch._provider_batch import BatchClient, BatchState

if TYPE_CHECKING:
    import httpx

INLINE_LIMIT = 20_000_000
"""Bytes the inline requests of one batch may come to (Gemini says 20 MB)."""

_ENDED = frozenset({"SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED"})
_COUNTS = {"requestCount": "total", "successfulRequestCount": "succeeded", "failedRequestCount": "failed",
           "pendingRequestCount": "pending"}  # fmt: skip


class GeminiBatches(BatchClient):
    """Gemini's batches of one model (see `BatchClient` for the other arguments).

    Args:
        model: the model id, as in `models.yaml` (`gemini-2.5-flash` or `models/gemini-2.5-flash`).
    """

    def __init__(self, client: httpx.AsyncClient, base_url: str, headers: Mapping[str, str], provider: str, *,
                 model: str) -> None:  # fmt: skip
        super().__init__(client, base_url, headers, provider)
        self._model = quote(model.removeprefix("models/"), safe="-._~@")

    async def submit(self, requests: list[tuple[str, dict[str, Any]]]) -> str:
        """Send the requests inline as one batch; returns its name (`batches/ID`).

        Raises:
            UsageError: the requests come to more than Gemini takes inline.
        """
        inline = [{"request": body, "metadata": {"key": cid}} for cid, body in requests]
        body = {"batch": {"displayName": f"orch batch of {len(inline)}",
                          "inputConfig": {"requests": {"requests": inline}}}}  # fmt: skip
        size = len(json.dumps(body, ensure_ascii=False).encode())
        if size > INLINE_LIMIT:
            raise UsageError(f"these {len(inline)} rows come to {size / 1e6:.1f} MB; Gemini takes at most "
                             f"{INLINE_LIMIT / 1e6:.0f} MB of inline batch requests",
                             "Split INPUT into smaller files, or run it without --provider-batch.")  # fmt: skip
        url = f"/v1beta/models/{self._model}:batchGenerateContent"
        operation = (await self.call("POST", url, "start the batch", json=body)).json()
        name = operation.get("name") or _field(operation.get("metadata"), "name")
        if not isinstance(name, str) or not name:
            raise ProviderError(f"{self._provider} started a batch but gave no name for it")
        return name

    async def _operation(self, batch_id: str) -> dict[str, Any]:
        name = batch_id if batch_id.startswith("batches/") else f"batches/{batch_id}"
        operation = (await self.call("GET", f"/v1beta/{quote(name, safe='/-._~')}", f"say how batch {batch_id} is")).json()
        return operation if isinstance(operation, dict) else {}

    async def state(self, batch_id: str) -> BatchState:
        operation = await self._operation(batch_id)
        batch = operation.get("metadata") or {}
        status = str(batch.get("state") or ("done" if operation.get("done") else "pending"))
        ended = bool(operation.get("done")) or _bare(status) in _ENDED
        stats = batch.get("batchStats") or {}
        counts = {_COUNTS.get(k, k): int(v) for k, v in stats.items() if str(v).isdigit()}
        return BatchState(status, ended, counts)

    async def results(self, batch_id: str) -> AsyncIterator[tuple[str, Any, str | None]]:
        """Every inlined response, by its request's key.

        Raises:
            ProviderError: the batch ended with an error and no responses (it failed as a whole).
        """
        operation = await self._operation(batch_id)
        responses = _inlined(operation)
        if responses is None and isinstance(operation.get("error"), dict):
            raise ProviderError(f"{self._provider}'s batch {batch_id} failed: {_status(operation['error'])}")
        sent = _sent_keys(operation)
        for position, item in enumerate(responses or ()):
            if isinstance(item, dict):
                yield _result(item, sent[position] if position < len(sent) else None)


def _field(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, dict) else None


def _bare(state: str) -> str:
    """`BATCH_STATE_SUCCEEDED` (the API's word) or `JOB_STATE_SUCCEEDED` (the SDKs') as `SUCCEEDED`."""
    return state.removeprefix("BATCH_STATE_").removeprefix("JOB_STATE_")


def _inlined(operation: dict[str, Any]) -> list[Any] | None:
    """The output's responses: in the batch (`metadata.output`) or, once done, the Operation's `response`."""
    response = operation.get("response")
    for output in (_field(operation.get("metadata"), "output"), response, _field(response, "output")):
        responses = _field(_field(output, "inlinedResponses"), "inlinedResponses")
        if isinstance(responses, list):
            return responses
    return None


def _status(error: dict[str, Any]) -> str:
    message = " ".join(str(error.get("message") or "").split())[:200]
    return message or f"error code {error.get('code')}"


def _sent_keys(operation: dict[str, Any]) -> list[Any]:
    """The keys of the requests as sent, in order, when the batch repeats its input."""
    requests = _field(_field(_field(operation.get("metadata"), "inputConfig"), "requests"), "requests")
    return [_field(_field(r, "metadata"), "key") for r in requests] if isinstance(requests, list) else []


def _result(item: dict[str, Any], sent_key: Any) -> tuple[str, Any, str | None]:
    """One inlined response; without its own key it is the request at its position (the documented order)."""
    ident = str(_field(item.get("metadata"), "key") or sent_key)
    error = item.get("error")
    if isinstance(error, dict):
        return ident, None, _status(error)
    response = item.get("response")
    return ident, response, None if isinstance(response, dict) else "no response"
