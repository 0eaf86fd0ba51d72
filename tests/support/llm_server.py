"""A scriptable model server on 127.0.0.1, for tests and benchmarks.

It runs its own event loop in a background thread, so a synchronous test
(driving the real `orch` through a pseudo-terminal), an async test (sharing
nothing with the test's loop) and a benchmark can all use it::

    with LLMServer() as server:                       # or the `llm_server` fixture (see the end)
        server.script(
            Reply.json(429, {"error": {"message": "slow down"}}, headers={"retry-after": "1"}),
            stream_reply("openai", "Hello there"),
        )
        server.default = WireAnswer(lorem(2000), ttft_s=1.0)   # any later request
        ... point a provider at server.base_url("openai") ...
        server.requests[0].json()                      # what was sent

Set `served_models` to a list of ids and `GET /v1/models` answers it, as an
OpenAI-compatible server lists its models (not taking a scripted reply).
Scripted replies are used one per request, in order; then `default` (a
callable taking the `ServedRequest`) answers; without one, a 500 says that
the script ran out. A `Reply` can delay its headers, pace its chunks, drop
the connection mid-body, hang until the server stops, or wait until the test
opens its `gate`. `stream_reply` and `WireAnswer` speak the three wire
formats (openai / anthropic / gemini, built in tests/support/wire.py and
re-exported here), one token per SSE event.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from tests.support.wire import (
    WIRE,
    answer_start,
    anthropic_events,
    gemini_events,
    kind_for_path,
    lorem,
    openai_events,
    split_tokens,
)

__all__ = [
    "LLMServer",
    "Reply",
    "ServedRequest",
    "WireAnswer",
    "anthropic_events",
    "free_port",
    "gemini_events",
    "kind_for_path",
    "llm_server_fixture",
    "lorem",
    "openai_events",
    "split_tokens",
    "stream_reply",
]

Responder = Callable[["ServedRequest"], "Reply"]


@dataclass(frozen=True)
class ServedRequest:
    """One request the server received."""

    method: str
    path: str
    headers: Mapping[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    """What to answer one request with.

    Attributes:
        status: the HTTP status.
        headers: extra response headers.
        body: a body sent with Content-Length (when `chunks` is None).
        chunks: a body sent with chunked transfer encoding, one write per chunk.
        delay_s: wait before the status line.
        ttft_s: wait before the first chunk (time to first token).
        chunk_delay_s: wait before each later chunk.
        drop_after: close the connection after sending this many chunks,
            without ending the body (a stream that breaks).
        stall_after: after sending this many chunks, send nothing more and
            keep the connection open (a stream that stalls).
        hang: accept the request and never answer (until the server stops).
        gate: hold the reply back until this event is set (by the test, from
            any thread), for an order that must not depend on timing.
    """

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    chunks: Sequence[bytes] | None = None
    delay_s: float = 0.0
    ttft_s: float = 0.0
    chunk_delay_s: float = 0.0
    drop_after: int | None = None
    stall_after: int | None = None
    hang: bool = False
    gate: threading.Event | None = None

    @classmethod
    def json(cls, status: int, data: Any, headers: Mapping[str, str] | None = None) -> Reply:
        return cls(status, {"content-type": "application/json", **(headers or {})}, json.dumps(data).encode())

    @classmethod
    def sse(cls, events: Sequence[str | bytes], **kwargs: Any) -> Reply:
        """A text/event-stream reply, one event (already framed) per chunk."""
        chunks = [e.encode() if isinstance(e, str) else e for e in events]
        return cls(200, {"content-type": "text/event-stream"}, chunks=chunks, **kwargs)


def stream_reply(
    kind: str,
    text: str,
    *,
    thinking: str = "",
    ttft_s: float = 0.0,
    token_delay_s: float = 0.0,
    drop_after_tokens: int | None = None,
    stall_after_tokens: int | None = None,
    **wire: Any,
) -> Reply:
    """A streamed answer of `text` in wire format `kind` (openai, anthropic or gemini).

    Args:
        thinking: reasoning text streamed before the answer.
        ttft_s: wait before the first event.
        token_delay_s: wait before each later event.
        drop_after_tokens: break the connection after this many answer tokens.
        stall_after_tokens: go silent (connection open) after this many answer tokens.
        wire: passed to the format's event builder (finish, input_tokens, crlf).
    """
    events = WIRE[kind](text, thinking=thinking, **wire)
    start = answer_start(kind, thinking)
    return Reply.sse(
        events,
        ttft_s=ttft_s,
        chunk_delay_s=token_delay_s,
        drop_after=None if drop_after_tokens is None else start + drop_after_tokens,
        stall_after=None if stall_after_tokens is None else start + stall_after_tokens,
    )


@dataclass(frozen=True)
class WireAnswer:
    """A responder streaming `text` in whichever format the request's path asks for."""

    text: str
    thinking: str = ""
    ttft_s: float = 0.0
    token_delay_s: float = 0.0

    def __call__(self, request: ServedRequest) -> Reply:
        return stream_reply(
            kind_for_path(request.path),
            self.text,
            thinking=self.thinking,
            ttft_s=self.ttft_s,
            token_delay_s=self.token_delay_s,
        )


# --- the server -----------------------------------------------------------------------------


class LLMServer:
    """An HTTP/1.1 server on 127.0.0.1 answering from a script (see the module docstring).

    Args:
        port: the port to listen on; 0 picks a free one.
    """

    def __init__(self, port: int = 0) -> None:
        self.default: Responder | None = None
        self.served_models: list[str] | None = None
        self.requests: list[ServedRequest] = []
        self._script: deque[Reply | Responder] = deque()
        self._wanted_port = port
        self.port = 0
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._failure: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def base_url(self, kind: str) -> str:
        """The base_url a provider of `kind` is configured with to reach this server."""
        return f"{self.url}/v1" if kind == "openai" else self.url

    def provider_config(self, kind: str) -> dict[str, Any]:
        """A config.yaml provider entry (without key) pointing at this server."""
        return {"kind": kind, "base_url": self.base_url(kind)}

    def script(self, *replies: Reply | Responder) -> LLMServer:
        """Answer the next requests with `replies`, one each, in order."""
        self._script.extend(replies)
        return self

    def start(self) -> LLMServer:
        self._thread = threading.Thread(target=self._run, name="llm-server", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        if self._failure is not None:
            raise RuntimeError(f"the test server did not start: {self._failure}")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def __enter__(self) -> LLMServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- inside the server's thread ---------------------------------------------------------

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to start() rather than lost in a thread
            self._failure = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        connections: set[asyncio.Task[None]] = set()

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            connections.add(task)
            try:
                await self._connection(reader, writer)
            finally:
                connections.discard(task)

        server = await asyncio.start_server(on_connect, "127.0.0.1", self._wanted_port)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stopping.wait()
            server.close()
            for task in list(connections):
                task.cancel()
            await asyncio.gather(*connections, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    break
                self.requests.append(request)
                if not await self._send(writer, self._reply_for(request)):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader) -> ServedRequest | None:
        line = await reader.readline()
        if not line.strip():
            return None
        method, target, _ = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while (raw := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = raw.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        return ServedRequest(method, target, headers, body)

    def _reply_for(self, request: ServedRequest) -> Reply:
        if self.served_models is not None and request.method == "GET" and request.path == "/v1/models":
            data = [{"id": model_id, "object": "model", "owned_by": "test"} for model_id in self.served_models]
            return Reply.json(200, {"object": "list", "data": data})
        if self._script:
            chosen = self._script.popleft()
            return chosen if isinstance(chosen, Reply) else chosen(request)
        if self.default is not None:
            return self.default(request)
        return Reply.json(500, {"error": {"message": f"the test server has no reply for {request.path}"}})

    async def _send(self, writer: asyncio.StreamWriter, reply: Reply) -> bool:
        """Send `reply`; False when the connection must close afterwards."""
        assert self._stopping is not None
        if reply.hang:
            await self._stopping.wait()
            return False
        if reply.gate is not None:
            while not reply.gate.is_set():
                if self._stopping.is_set():
                    return False
                await asyncio.sleep(0.005)
        if reply.delay_s:
            await asyncio.sleep(reply.delay_s)
        reason = HTTPStatus(reply.status).phrase if reply.status in HTTPStatus._value2member_map_ else "Status"
        head = [f"HTTP/1.1 {reply.status} {reason}"]
        head += [f"{name}: {value}" for name, value in reply.headers.items()]
        framing = "transfer-encoding: chunked" if reply.chunks is not None else f"content-length: {len(reply.body)}"
        writer.write(("\r\n".join([*head, framing]) + "\r\n\r\n").encode("latin-1"))
        if reply.chunks is None:
            writer.write(reply.body)
            await writer.drain()
            return True
        for i, chunk in enumerate(reply.chunks):
            if reply.drop_after is not None and i >= reply.drop_after:
                await writer.drain()
                writer.transport.abort()
                return False
            if reply.stall_after is not None and i >= reply.stall_after:
                await writer.drain()
                await self._stopping.wait()
                return False
            pause = reply.ttft_s if i == 0 else reply.chunk_delay_s
            if pause:
                await writer.drain()
                await asyncio.sleep(pause)
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


try:
    import pytest
except ImportError:  # benchmarks may run without the test dependencies
    pass
else:

    @pytest.fixture(name="llm_server")
    def llm_server_fixture() -> Iterator[LLMServer]:
        """`llm_server`: a started `LLMServer`, stopped after the test (a plugin of tests/conftest.py)."""
        with LLMServer() as server:
            yield server
