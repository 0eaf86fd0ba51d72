"""The shared HTTP client, its timeouts, and the retry policy.

One `OrchClient` (an `httpx.AsyncClient`, see `create_client`) serves the
whole process. Provider adapters never send requests themselves: they give
`stream_answer` an `Endpoint`, headers, a JSON body and a `WireParser` for
their wire format, and get their events back. `stream_answer` owns what the
adapters share:

    stream_answer ─▶ send, retrying connect errors and 408/409/429/5xx/529
                  │  before the first byte (Retry-After, else backoff with jitter)
                  ├▶ text/event-stream: httpx-sse events ─▶ parser.feed_sse
                  ├▶ anything else: the whole body as JSON ─▶ parser.feed_json
                  └▶ parser.finish ─▶ usage, finish reason

all under one overall deadline (`network.timeout_s`), turning every status
and transport failure into the error tree (`app.errors`) with a message a
user can act on. Keys travel in headers only, never in URLs, messages or logs.

Modules: `_client` (client, timeouts, retry policy), `_failures` (what a
failure is called), `_stream` (the retry loop and the streaming driver).
"""

from app.http._client import (
    DEFAULT_READ_TIMEOUT_S,
    RETRY_STATUSES,
    OrchClient,
    RetryPolicy,
    create_client,
    policy_for,
    retry_after_s,
)
from app.http._failures import (
    Endpoint,
    error_class,
    error_detail,
    error_for_status,
    in_band_error,
    load_json_chunk,
    provider_detail,
)
from app.http._stream import WireParser, stream_answer

__all__ = [
    "DEFAULT_READ_TIMEOUT_S",
    "RETRY_STATUSES",
    "Endpoint",
    "OrchClient",
    "RetryPolicy",
    "WireParser",
    "create_client",
    "error_class",
    "error_detail",
    "error_for_status",
    "in_band_error",
    "load_json_chunk",
    "policy_for",
    "provider_detail",
    "retry_after_s",
    "stream_answer",
]
