"""The shared HTTP client, its timeouts, the retry policy, and the streaming driver.

One `OrchClient` (an `httpx.AsyncClient`, see `create_client`) serves the
whole process. Provider adapters never send requests themselves: they give
`post_sse` a URL, headers, a JSON body and a `WireParser` for their wire
format, and get their events back. `post_sse` owns what the adapters share:

    post_sse ─▶ send, retrying connect errors (not a TLS failure, nor a refusal
             │  from this machine) and 408/409/429/5xx/529 before the first
             │  byte (Retry-After, else the body's own `retry_delay`, else
             │  backoff with jitter), handing `on_retry`'s event up before each wait
             ├▶ text/event-stream: httpx-sse events ─▶ parser.feed_sse
             ├▶ anything else: the whole body as JSON ─▶ parser.feed_json
             └▶ parser.finish ─▶ usage, finish reason

all under one overall deadline, the body (once decoded) read up to the
client's size limit (`network.max_answer_mb`). This layer knows no vendor
and writes no message for users: a failure is an `HttpFailure` whose `kind` and fields
(status, body, retry_after_s, tries, timeout_s, ...) say what happened, and
the caller chooses the words. Keys travel in headers only, never in URLs.

Modules: `_client` (client, timeouts, retry policy), `_failures` (what a
failure is, as data), `_body` (the size limit), `_retry` (the tries before
the first byte), `_stream` (the streaming driver), `_fetch` (`get_json`: one
small document, such as a server's model list, with no retries).
"""

from app.http._client import (
    DEFAULT_MAX_ANSWER_BYTES,
    DEFAULT_READ_TIMEOUT_S,
    RETRY_STATUSES,
    OrchClient,
    RetryPolicy,
    create_client,
    max_answer_bytes,
    policy_for,
    retry_after_s,
)
from app.http._failures import FailureKind, HttpFailure, is_loopback
from app.http._fetch import get_json
from app.http._retry import RetryDelay
from app.http._stream import WireParser, post_sse

__all__ = [
    "DEFAULT_MAX_ANSWER_BYTES",
    "DEFAULT_READ_TIMEOUT_S",
    "RETRY_STATUSES",
    "FailureKind",
    "HttpFailure",
    "OrchClient",
    "RetryDelay",
    "RetryPolicy",
    "WireParser",
    "create_client",
    "get_json",
    "is_loopback",
    "max_answer_bytes",
    "policy_for",
    "post_sse",
    "retry_after_s",
]
