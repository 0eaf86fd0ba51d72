"""The HTTP layer's limits: the answer size cap (issue 14 item 7), TLS to a plain-http port (issue 14
item 12), and one try for a refused connection on this machine (issue 10)."""

from __future__ import annotations

import asyncio
import gzip
import json

import httpx
import pytest

from app import errors
from app.config import NetworkConfig, OpenAIProviderConfig
from app.http import FailureKind, HttpFailure, RetryPolicy, create_client, is_loopback
from app.providers import create_provider
from app.providers.base import Answer, ChatRequest, Message
from app.types import status_of

REQUEST = ChatRequest("m", (Message("user", "hi"),))


async def ask(serve, base_url: str = "https://llm.test/v1", **network) -> tuple[Answer, list[float]]:
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    settings = NetworkConfig(**network)
    client = create_client(settings, retry=RetryPolicy.from_network(settings, sleep=no_wait),
                           transport=httpx.MockTransport(serve) if serve else None)  # fmt: skip
    provider = create_provider("openai", OpenAIProviderConfig(kind="openai", base_url=base_url), None, client)
    answer = Answer()
    try:
        async for event in provider.stream(REQUEST):
            answer.add(event)
    finally:
        await client.aclose()
    return answer, waits


def chunk(text: str) -> str:
    return "data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": text}}]}) + "\n\n"


# --- the answer size limit ---------------------------------------------------------------------


def test_the_limit_is_a_setting_of_16_mb_by_default() -> None:
    assert NetworkConfig().max_answer_mb == 16
    with pytest.raises(ValueError):
        NetworkConfig.model_validate({"max_answer_mb": 0})


async def test_a_gzip_bomb_of_one_long_line_is_cut_at_the_limit_and_kept_as_truncated() -> None:
    """300 KB of gzip expanding to one 300 MB line would be held whole; it is cut at max_answer_mb."""
    line = "data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": "x" * (3 * 1024 * 1024)}}]})
    body = gzip.compress((chunk("before ") + line).encode())

    def serve(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "text/event-stream", "content-encoding": "gzip"}
        return httpx.Response(200, headers=headers, content=body)

    answer, _ = await ask(serve, max_answer_mb=1)
    assert answer.text.startswith("before ")
    assert "x" * 100 not in answer.text
    assert answer.text.rstrip().endswith("[orch: the answer passed network.max_answer_mb (1 MB) and was cut here]")
    assert status_of(answer.finish_reason) == "truncated"


async def test_an_answer_within_the_limit_is_untouched() -> None:
    def serve(request: httpx.Request) -> httpx.Response:
        body = chunk("a" * 1000) + 'data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\n\n'
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body.encode())

    answer, _ = await ask(serve, max_answer_mb=0.01)
    assert (answer.text, answer.finish_reason) == ("a" * 1000, "stop")


async def test_a_json_answer_past_the_limit_is_cut_without_being_parsed() -> None:
    def serve(request: httpx.Request) -> httpx.Response:
        message = {"role": "assistant", "content": "y" * 50_000}
        return httpx.Response(200, json={"choices": [{"index": 0, "message": message, "finish_reason": "stop"}]})

    answer, _ = await ask(serve, max_answer_mb=0.01)
    assert "y" not in answer.text and "cut here" in answer.text
    assert status_of(answer.finish_reason) == "truncated"


# --- TLS to a plain-http port --------------------------------------------------------------------


async def test_https_to_a_plain_http_port_is_tried_once_and_names_the_scheme() -> None:
    # A plain-http server answers a TLS hello with a 400, as a real one does. (The loopback LLMServer waits for
    # the end of a header block that a hello never sends, so the handshake waited out connect_timeout_s.)
    connections = []

    async def plain_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(await reader.read(4096))
        writer.write(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(plain_http, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        with pytest.raises(errors.ConnectError) as caught:
            await ask(None, f"https://127.0.0.1:{port}/v1", max_retries=3)
    error = caught.value
    assert len(connections) == 1 and connections[0].startswith(b"\x16\x03")  # one try, and it was a TLS hello
    assert "TLS handshake failed" in error.message
    assert "plain http" in (error.hint or "") and "http://" in (error.hint or "")
    assert "Is the server running" not in str(error.hint)


async def test_a_tls_failure_is_not_retried() -> None:
    import ssl

    tries = []

    def serve(request: httpx.Request) -> httpx.Response:
        tries.append(request)
        try:
            raise ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")
        except ssl.SSLError as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc

    with pytest.raises(errors.ConnectError, match="TLS handshake failed"):
        await ask(serve, "https://api.example.test/v1", max_retries=4)
    assert len(tries) == 1


# --- a refused connection on this machine ---------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.1", "localhost", "[::1]"])
async def test_a_refused_connection_to_this_machine_is_tried_once(host: str) -> None:
    tries = []

    def refuse(request: httpx.Request) -> httpx.Response:
        tries.append(request)
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(errors.ConnectError, match=r"connection refused \(1 try\)"):
        await ask(refuse, f"http://{host}:9/v1", max_retries=4)
    assert len(tries) == 1


async def test_a_refused_connection_elsewhere_is_still_retried() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(errors.ConnectError, match=r"\(3 tries\)"):
        await ask(refuse, "http://10.1.2.3:9/v1", max_retries=2)


def test_loopback_hosts() -> None:
    assert all(map(is_loopback, ["localhost", "LOCALHOST.", "127.0.0.1", "127.255.0.9", "::1", "[::1]"]))
    assert not any(map(is_loopback, ["example.com", "10.0.0.1", "128.0.0.1", "::2", "localhost.example"]))


def test_failure_kinds_for_the_new_cases_exist() -> None:
    assert HttpFailure(FailureKind.TOO_LARGE, "u", size_limit=5).size_limit == 5
    assert FailureKind.TLS.value == "tls"
