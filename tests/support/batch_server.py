"""The OpenAI Batch API, Anthropic Message Batches and the Gemini Batch API, on the loopback `LLMServer`.

    apis = BatchApis()
    llm_server.default = apis          # batch routes here; anything else goes to `apis.fallback`

Each GET of a batch moves it one state on: OpenAI validating → in_progress →
completed, Anthropic in_progress → ended, Gemini BATCH_STATE_PENDING (created,
then the first GET) → RUNNING → SUCCEEDED; then its results are served (the output and error files, the
results JSONL, or Gemini's inlined responses in the Operation, where
`gemini_output` says: the batch's `metadata.output` and/or the `response`;
each with its request's key unless `gemini_keys` is off).
A request whose last message contains "fail" gets an error result. Each
answer is "batched: " + that message.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.support.llm_server import Reply, Responder, ServedRequest

_OPENAI_STATES = ("validating", "in_progress", "completed")
_ANTHROPIC_STATES = ("in_progress", "ended")
_GEMINI_STATES = ("BATCH_STATE_PENDING", "BATCH_STATE_PENDING", "BATCH_STATE_RUNNING", "BATCH_STATE_SUCCEEDED")
_GEMINI_CREATE = re.compile(r"/v1beta/models/(?P<model>[^/:]+):batchGenerateContent")


@dataclass
class _Batch:
    kind: str
    requests: list[dict[str, Any]]
    polls: int = 0
    request: ServedRequest | None = None

    def state(self, states: tuple[str, ...]) -> str:
        """Where the batch is after `polls` GETs along `states` (the last one stays)."""
        return states[min(self.polls, len(states) - 1)]


@dataclass
class BatchApis:
    """A responder speaking the three batch APIs (see the module docstring)."""

    fallback: Responder | None = None
    gemini_output: tuple[str, ...] = ("metadata", "response")
    gemini_keys: bool = True
    files: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    batches: dict[str, _Batch] = field(default_factory=dict)
    _ids: Any = field(default_factory=itertools.count)

    def __call__(self, request: ServedRequest) -> Reply:
        path = request.path.split("?")[0]
        if path == "/v1/files" and request.method == "POST":
            return self._upload(request)
        if path == "/v1/batches" and request.method == "POST":
            return self._create_openai(request)
        if path.startswith("/v1/batches/"):
            return self._poll(path.rsplit("/", 1)[1], self._openai_view)
        if path.startswith("/v1/files/") and path.endswith("/content"):
            return self._file(path.split("/")[3])
        if path == "/v1/messages/batches" and request.method == "POST":
            batch_id = f"msgbatch_{next(self._ids)}"
            self.batches[batch_id] = _Batch("anthropic", request.json()["requests"])
            return Reply.json(200, self._anthropic_view(batch_id, request))
        if path.startswith("/v1/messages/batches/") and path.endswith("/results"):
            return self._anthropic_results(path.split("/")[4])
        if path.startswith("/v1/messages/batches/"):
            self.batches[path.rsplit("/", 1)[1]].polls += 1
            return Reply.json(200, self._anthropic_view(path.rsplit("/", 1)[1], request))
        created = _GEMINI_CREATE.fullmatch(path)
        if created and request.method == "POST":
            return self._create_gemini(request)
        if path.startswith("/v1beta/batches/") and request.method == "GET":
            return self._poll(path.removeprefix("/v1beta/"), self._gemini_operation)
        if self.fallback is not None:
            return self.fallback(request)
        return Reply.json(404, {"error": {"message": f"no route {path}"}})

    def _poll(self, batch_id: str, view: Callable[[str], dict[str, Any]]) -> Reply:
        """A GET of a batch: it moves one state on, and `view` says it."""
        if batch_id not in self.batches:
            return Reply.json(404, {"error": {"code": 404, "message": "no such batch"}})
        self.batches[batch_id].polls += 1
        return Reply.json(200, view(batch_id))

    # -- OpenAI ---------------------------------------------------------------------------

    def _upload(self, request: ServedRequest) -> Reply:
        lines = []
        for raw in request.body.splitlines():
            try:
                line = json.loads(raw)
            except ValueError:
                continue  # the multipart framing around the file
            if isinstance(line, dict) and "custom_id" in line:
                lines.append(line)
        file_id = f"file-{next(self._ids)}"
        self.files[file_id] = lines
        return Reply.json(200, {"id": file_id, "object": "file", "purpose": "batch"})

    def _create_openai(self, request: ServedRequest) -> Reply:
        data = request.json()
        assert data["endpoint"] == "/v1/chat/completions" and data["completion_window"] == "24h"
        batch_id = f"batch_{next(self._ids)}"
        self.batches[batch_id] = _Batch("openai", self.files[data["input_file_id"]])
        return Reply.json(200, self._openai_view(batch_id))

    def _openai_view(self, batch_id: str) -> dict[str, Any]:
        batch = self.batches[batch_id]
        status = batch.state(_OPENAI_STATES)
        done = status == "completed"
        failed = sum(_fails(r["body"]["messages"]) for r in batch.requests)
        return {
            "id": batch_id, "object": "batch", "status": status,
            "output_file_id": f"out-{batch_id}" if done else None,
            "error_file_id": f"err-{batch_id}" if done and failed else None,
            "request_counts": {"total": len(batch.requests), "completed": len(batch.requests) - failed if done else 0,
                               "failed": failed if done else 0},
        }  # fmt: skip

    def _file(self, file_id: str) -> Reply:
        which, _, batch_id = file_id.partition("-")
        lines = []
        for r in self.batches[batch_id].requests:
            messages = r["body"]["messages"]
            if _fails(messages) != (which == "err"):
                continue
            if which == "err":
                lines.append({"custom_id": r["custom_id"], "response": None,
                              "error": {"code": "bad", "message": "this one failed"}})  # fmt: skip
            else:
                body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": _answer(messages)},
                                     "finish_reason": "stop"}], "usage": {"prompt_tokens": 5, "completion_tokens": 3}}
                lines.append({"custom_id": r["custom_id"], "response": {"status_code": 200, "body": body}, "error": None})
        return Reply(200, {"content-type": "application/jsonl"}, "".join(json.dumps(x) + "\n" for x in lines).encode())

    # -- Anthropic ------------------------------------------------------------------------

    def _anthropic_view(self, batch_id: str, request: ServedRequest) -> dict[str, Any]:
        batch = self.batches[batch_id]
        status = batch.state(_ANTHROPIC_STATES)
        ended = status == "ended"
        failed = sum(_fails(r["params"]["messages"]) for r in batch.requests)
        return {
            "id": batch_id, "type": "message_batch", "processing_status": status,
            "request_counts": {"processing": 0 if ended else len(batch.requests),
                               "succeeded": len(batch.requests) - failed if ended else 0,
                               "errored": failed if ended else 0, "canceled": 0, "expired": 0},
            "results_url": f"http://{request.headers['host']}/v1/messages/batches/{batch_id}/results" if ended else None,
        }  # fmt: skip

    def _anthropic_results(self, batch_id: str) -> Reply:
        lines = []
        for r in self.batches[batch_id].requests:
            messages = r["params"]["messages"]
            if _fails(messages):
                result = {"type": "errored", "error": {"type": "error",
                          "error": {"type": "invalid_request_error", "message": "this one failed"}}}  # fmt: skip
            else:
                message = {"type": "message", "role": "assistant", "content": [{"type": "text", "text": _answer(messages)}],
                           "stop_reason": "end_turn", "usage": {"input_tokens": 5, "output_tokens": 3}}  # fmt: skip
                result = {"type": "succeeded", "message": message}
            lines.append({"custom_id": r["custom_id"], "result": result})
        return Reply(200, {"content-type": "application/binary"}, "".join(json.dumps(x) + "\n" for x in lines).encode())

    # -- Gemini ---------------------------------------------------------------------------

    def _create_gemini(self, request: ServedRequest) -> Reply:
        batch = request.json()["batch"]
        name = f"batches/gem{next(self._ids)}"
        self.batches[name] = _Batch("gemini", batch["inputConfig"]["requests"]["requests"], request=request)
        return Reply.json(200, self._gemini_operation(name))

    def _gemini_operation(self, name: str) -> dict[str, Any]:
        batch = self.batches[name]
        state = batch.state(_GEMINI_STATES)
        done = state == "BATCH_STATE_SUCCEEDED"
        total = len(batch.requests)
        failed = sum(_fails(_gemini_messages(r)) for r in batch.requests) if done else 0
        stats = {"requestCount": str(total), "successfulRequestCount": str(total - failed if done else 0),
                 "failedRequestCount": str(failed), "pendingRequestCount": str(0 if done else total)}  # fmt: skip
        metadata = {"@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatch",
                    "name": name, "displayName": "orch", "state": state, "batchStats": stats,
                    "inputConfig": {"requests": {"requests": batch.requests}}}  # fmt: skip
        operation: dict[str, Any] = {"name": name, "metadata": metadata, "done": done}
        if done:
            output = {"inlinedResponses": {"inlinedResponses": [_gemini_result(r, self.gemini_keys) for r in batch.requests]}}
            if "metadata" in self.gemini_output:
                metadata["output"] = output
            if "response" in self.gemini_output:
                operation["response"] = {
                    "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.BatchGenerateContentResponse",
                    **output,
                }
        return operation


def _gemini_messages(inlined: dict[str, Any]) -> list[dict[str, Any]]:
    """An inlined request's contents as `{"content": text}` messages, as `_fails` and `_answer` read them."""
    return [{"content": "".join(p.get("text", "") for p in c["parts"])} for c in inlined["request"]["contents"]]


def _gemini_result(inlined: dict[str, Any], keyed: bool) -> dict[str, Any]:
    messages = _gemini_messages(inlined)
    metadata = {"metadata": inlined["metadata"]} if keyed else {}
    if _fails(messages):
        return {**metadata, "error": {"code": 3, "message": "this one failed"}}
    response = {"candidates": [{"content": {"role": "model", "parts": [{"text": _answer(messages)}]},
                                "finishReason": "STOP"}],
                "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 3, "totalTokenCount": 8}}  # fmt: skip
    return {**metadata, "response": response}


def _fails(messages: list[dict[str, Any]]) -> bool:
    return "fail" in messages[-1]["content"]


def _answer(messages: list[dict[str, Any]]) -> str:
    return "batched: " + messages[-1]["content"]
