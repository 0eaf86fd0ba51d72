"""Recorded provider interactions (../shared/fixtures/providers), served back byte for byte.

Two cassette flavours exist (see that folder's SOURCES.md): vcrpy's, whose
`body.string` is the wire body (gzip bytes when the server compressed it),
and pydantic-ai's, whose JSON bodies were parsed into `parsed_body`. A
`Recorded` response keeps the wire bytes and its `content-encoding` header
consistent: gzip bytes keep the header (httpx decodes them, as it would off
the wire); decoded text or re-serialised JSON loses it.

`replay(kind, recorded)` asks an adapter for an answer through
`httpx.MockTransport` serving one recording, and keeps what it sent and the
events it gave.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from app import errors
from app.config import AnthropicProviderConfig, GeminiProviderConfig, KeySpec, NetworkConfig, OpenAIProviderConfig
from app.http import RetryPolicy, create_client
from app.providers import create_provider
from app.providers.base import Answer, ChatRequest, Event, Message

KEY = "test-key-0123456789"
RETRIES = 2
CONFIGS = {"openai": OpenAIProviderConfig, "anthropic": AnthropicProviderConfig, "gemini": GeminiProviderConfig}
REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO.parent / "shared" / "fixtures" / "providers"
KIND_BY_FOLDER = {"openai": "openai", "ollama": "openai", "anthropic": "anthropic", "gemini": "gemini"}
_DROPPED_HEADERS = {"content-length", "transfer-encoding", "content-encoding"}


def fixtures_dir() -> Path:
    """The recordings folder, which CI copies beside the repo; missing is an error, never a skip."""
    if not (FIXTURES / "SOURCES.md").is_file():
        raise FileNotFoundError(
            f"provider recordings not found at {FIXTURES}: the shared/ folder must sit beside the repo"
        )
    return FIXTURES


@dataclass(frozen=True)
class Recorded:
    """One recorded request and the response the service gave."""

    uri: str
    request_body: Any
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def model_id(self) -> str:
        if isinstance(self.request_body, dict) and self.request_body.get("model"):
            return self.request_body["model"]
        return self.uri.split("/models/", 1)[1].split(":", 1)[0]

    @property
    def content_type(self) -> str:
        return next((v for k, v in self.headers if k.lower() == "content-type"), "")

    def response(self) -> httpx.Response:
        return httpx.Response(self.status, headers=list(self.headers), content=self.body)

    def json_body(self) -> Any:
        """The response body parsed (gunzipped first if need be)."""
        return json.loads(self.response().read())


@dataclass(frozen=True)
class Cassette:
    path: Path
    interactions: tuple[Recorded, ...]
    expected: dict[str, Any]

    @property
    def folder(self) -> str:
        return self.path.parent.name

    @property
    def kind(self) -> str:
        return KIND_BY_FOLDER[self.folder]

    @property
    def name(self) -> str:
        return f"{self.folder}/{self.path.name}"

    def expected_for(self, index: int) -> dict[str, Any]:
        """expected.json's entry for interaction `index` (the last one: the file's own entry)."""
        if index in (-1, len(self.interactions) - 1):
            return self.expected
        return self.expected["interactions"][index]


def cassettes() -> Iterator[Cassette]:
    root = fixtures_dir()
    for folder in sorted(KIND_BY_FOLDER):
        expected = json.loads((root / folder / "expected.json").read_text(encoding="utf-8"))
        for path in sorted((root / folder).glob("*.yaml")):
            yield load(path, expected[path.name])


def load(path: Path, expected: dict[str, Any]) -> Cassette:
    data = yaml.safe_load(path.read_bytes())
    return Cassette(path, tuple(_recorded(item) for item in data["interactions"]), expected)


def _recorded(interaction: dict[str, Any]) -> Recorded:
    request, response = interaction["request"], interaction["response"]
    headers = [(k, v) for k, values in (response.get("headers") or {}).items() for v in _listed(values)]
    gzipped = any(k.lower() == "content-encoding" and v.lower() == "gzip" for k, v in headers)
    if "parsed_body" in response:
        body, keep_encoding = json.dumps(response["parsed_body"]).encode(), False
    else:
        raw = response["body"]["string"] if isinstance(response["body"], dict) else response["body"]
        if isinstance(raw, bytes):
            body, keep_encoding = raw, gzipped and raw[:2] == b"\x1f\x8b"
        else:
            body, keep_encoding = raw.encode("utf-8"), False
    kept = tuple(
        (k, v)
        for k, v in headers
        if k.lower() not in _DROPPED_HEADERS or (keep_encoding and k.lower() == "content-encoding")
    )
    return Recorded(request["uri"], _request_body(request), response["status"]["code"], kept, body)


def _listed(values: Any) -> list[str]:
    return [str(v) for v in values] if isinstance(values, list) else [str(values)]


def _request_body(request: dict[str, Any]) -> Any:
    if "parsed_body" in request:
        return request["parsed_body"]
    body = request.get("body")
    if isinstance(body, dict):
        body = body.get("string")
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def base_url(kind: str, uri: str) -> str:
    """The provider base_url that makes an adapter of `kind` call the recorded `uri`'s service."""
    marker = {"openai": "/chat/completions", "anthropic": "/v1/messages", "gemini": "/v1beta/"}[kind]
    return uri.split(marker, 1)[0]


@dataclass
class Replay:
    """What came of asking an adapter while the transport served a recording.

    `events` are the answer's events in order, up to the error if there was one.
    """

    answer: Answer | None
    error: errors.ProviderError | None
    sent: list[httpx.Request]
    waits: list[float]
    text_before_error: str = ""
    events: list[Event] = field(default_factory=list)


async def replay(kind: str, recorded: Recorded, request: ChatRequest | None = None) -> Replay:
    """Ask the adapter of `kind` for an answer; the transport serves `recorded`, every time.

    Args:
        kind: the wire format.
        recorded: the interaction whose response is served.
        request: what to ask (by default "hi" to the recorded model, with a system prompt).
    """
    sent: list[httpx.Request] = []
    waits: list[float] = []

    def serve(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return recorded.response()

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    network = NetworkConfig(max_retries=RETRIES)
    client = create_client(
        network, retry=RetryPolicy.from_network(network, sleep=no_wait), transport=httpx.MockTransport(serve)
    )
    config = CONFIGS[kind](kind=kind, base_url=base_url(kind, recorded.uri), key=KeySpec(vault=kind, env="X_KEY"))
    provider = create_provider(kind, config, KEY, client)
    request = request or ChatRequest(recorded.model_id, (Message("user", "hi"),), system="Be brief.")
    answer = Answer()
    events: list[Event] = []
    try:
        async for event in provider.stream(request):
            events.append(event)
            answer.add(event)
        return Replay(answer, None, sent, waits, events=events)
    except errors.ProviderError as exc:
        return Replay(None, exc, sent, waits, answer.text, events)
    finally:
        await client.aclose()
