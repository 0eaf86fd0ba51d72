"""What went wrong, in words a user can act on: HTTP statuses, error bodies, transport failures."""

from __future__ import annotations

import errno
import json
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from app import errors

if TYPE_CHECKING:
    from app.config import KeySpec

_DETAIL_LIMIT = 400
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_OLLAMA_PORT = 11434


@dataclass(frozen=True)
class Endpoint:
    """Who a request goes to, for messages: never holds anything secret in its repr.

    Attributes:
        provider: the provider's name in config.yaml.
        url: the full request URL (no key in it).
        model_id: the model id sent to the API.
        key_spec: where the provider's key comes from, for the "fix it" hint.
        has_key: whether a key was sent.
        secret: the key itself, only to scrub it from echoed server text.
    """

    provider: str
    url: str
    model_id: str
    key_spec: KeySpec | None = None
    has_key: bool = False
    secret: str | None = field(default=None, repr=False, compare=False)

    @property
    def origin(self) -> str:
        url = httpx.URL(self.url)
        port = f":{url.port}" if url.port else ""
        host = f"[{url.host}]" if ":" in url.host else url.host
        return f"{url.scheme}://{host}{port}"

    def scrub(self, text: str) -> str:
        """`text` on one line, shortened, with the key (if echoed back) masked."""
        text = " ".join(text.split())
        if self.secret and len(self.secret) >= 8:
            text = text.replace(self.secret, "[key]")
        return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 1] + "…"


def provider_detail(body: bytes, content_type: str = "") -> tuple[str, float | None]:
    """The message (and any retry delay, in seconds) in an error response's body.

    A body that is not JSON is quoted as text, unless it is an HTML page.
    """
    text = body.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        if "html" in content_type.lower() or text.startswith("<"):
            return "", None
        return text, None
    message, delay = error_detail(data)
    return message or text, delay


def error_detail(data: Any) -> tuple[str, float | None]:
    """The message (and any retry delay) in a parsed error of a known shape.

    Shapes: OpenAI `{"error": {"message"}}`, Anthropic `{"type": "error",
    "error": {"type", "message"}}`, Gemini `{"error": {"code", "message",
    "status", "details"}}` (possibly inside a list), OpenRouter `{"error":
    {"message", "metadata": {"raw"}}}` (raw preferred), and the plain
    `{"error": "..."}` / `{"message"}` / `{"detail"}` of smaller servers.
    """
    if isinstance(data, list) and data:
        data = data[0]
    if not isinstance(data, dict):
        return "", None
    err = data.get("error", data)
    if isinstance(err, str):
        return err, None
    if not isinstance(err, dict):
        return "", None
    metadata = err.get("metadata")
    raw = metadata.get("raw") if isinstance(metadata, dict) else None
    message = raw if isinstance(raw, str) and raw.strip() else err.get("message") or err.get("detail")
    if message is not None and not isinstance(message, str):
        message = json.dumps(message)
    return message or "", _gemini_retry_delay(err.get("details"))


def _gemini_retry_delay(details: Any) -> float | None:
    for item in details if isinstance(details, list) else ():
        delay = item.get("retryDelay") if isinstance(item, dict) else None
        if isinstance(delay, str) and delay.endswith("s"):
            try:
                return max(0.0, float(delay[:-1]))
            except ValueError:
                return None
    return None


def _tries(n: int) -> str:
    return f"{n} {'try' if n == 1 else 'tries'}"


def _auth_hint(endpoint: Endpoint) -> str:
    spec, name = endpoint.key_spec, endpoint.provider
    if spec is None or (spec.vault is None and spec.env is None):
        return f"Give providers.{name} a key in config.yaml (key: {{vault: {name}}}), then run `orch vault set {name}`."
    if spec.vault:
        return f"Fix it with `orch vault set {spec.vault}`" + (f" (or set {spec.env})." if spec.env else ".")
    return f"Fix it by setting {spec.env}."


def error_class(status: int) -> type[errors.ProviderError]:
    """The branch of the error tree an HTTP status belongs to."""
    if status in (401, 403):
        return errors.AuthError
    if status == 404:
        return errors.ModelNotFoundError
    if status == 429:
        return errors.RateLimitError
    if status == 408:
        return errors.TimeoutError
    if status >= 500 or status == 409:
        return errors.ServerError
    return errors.BadRequestError


def error_for_status(endpoint: Endpoint, status: int, detail: str, tries: int = 1) -> errors.ProviderError:
    """The error a final HTTP status maps to, quoting the provider's own message.

    Args:
        endpoint: who answered.
        status: the HTTP status of the last try.
        detail: the provider's own message (see `provider_detail`), may be empty.
        tries: how many times the request was sent.
    """
    name = endpoint.provider
    said = f": {endpoint.scrub(detail)}" if detail.strip() else ""
    reason = "Overloaded" if status == 529 else httpx.codes.get_reason_phrase(status)
    cls = error_class(status)
    if cls is errors.AuthError:
        verb = "rejected the API key" if endpoint.has_key else "wants an API key"
        return cls(f"{name} {verb} ({status}){said}", _auth_hint(endpoint))
    if cls is errors.ModelNotFoundError:
        hint = f"Check the model's id in models.yaml and the base_url of providers.{name} in config.yaml."
        return cls(f"{name} has no model '{endpoint.model_id}' (404){said}", hint)
    if cls is errors.RateLimitError:
        hint = "Wait a little and try again, or use another model."
        return cls(f"{name} is rate limiting requests (429, {_tries(tries)}){said}", hint)
    if cls is errors.TimeoutError:
        return cls(f"{name} timed out waiting for the request ({status}, {_tries(tries)}){said}")
    if cls is errors.ServerError:
        hint = f"{name} is having trouble; try again later."
        return cls(f"{name} answered {status} {reason} ({_tries(tries)}){said}", hint)
    if 300 <= status < 400:
        hint = f"Check the base_url of providers.{name} in config.yaml."
        return cls(f"{name} answered {status} {reason}, a redirect orch does not follow{said}", hint)
    return cls(f"{name} rejected the request ({status} {reason}){said}")


def in_band_error(
    endpoint: Endpoint, payload: Mapping[str, Any], status_by_type: Mapping[str, int] | None = None
) -> errors.ProviderError:
    """The error a service reported inside a stream that had already begun.

    Args:
        endpoint: who reported it.
        payload: the chunk holding `error` (any shape `error_detail` knows).
        status_by_type: the HTTP status an error `type` stands for, when
            the error carries no numeric `code` (Anthropic's in-band errors).
    """
    err = payload.get("error")
    fields: Mapping[str, Any] = err if isinstance(err, dict) else {}
    kind = fields.get("type") or fields.get("status") or ""
    kind = kind if isinstance(kind, str) else ""
    code = fields.get("code")
    status = code if isinstance(code, int) and 100 <= code < 600 else (status_by_type or {}).get(kind)
    message, _ = error_detail(payload)
    cls = error_class(status) if status else errors.StreamError
    label = f" ({kind})" if kind else ""
    said = f": {endpoint.scrub(message)}" if message.strip() else ""
    return cls(f"{endpoint.provider} reported an error mid-answer{label}{said}")


def load_json_chunk(endpoint: Endpoint, data: str) -> Any:
    """One streamed chunk as JSON, or a StreamError saying what arrived instead."""
    try:
        return json.loads(data)
    except ValueError:
        shown = endpoint.scrub(data)[:120]
        raise errors.StreamError(f"{endpoint.provider} sent a malformed chunk: {shown!r}") from None


# --- transport failures -------------------------------------------------------------------


def _os_reason(exc: BaseException, host: str) -> str:
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            break
        if isinstance(seen, socket.gaierror):
            return f"unknown host {host}"
        if isinstance(seen, OSError) and seen.errno == errno.ECONNREFUSED:
            return "connection refused"
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    if "refused" in text.lower() or "all connection attempts failed" in text.lower():
        return "connection refused"
    if "name or service not known" in text.lower() or "nodename nor servname" in text.lower():
        return f"unknown host {host}"
    return text or type(exc).__name__


def connect_error(endpoint: Endpoint, exc: httpx.HTTPError, tries: int) -> errors.ProviderError:
    """A failure to reach the server at all (retried before it is raised)."""
    url = httpx.URL(endpoint.url)
    where = f"{endpoint.provider} at {endpoint.origin}"
    if url.host in _LOCAL_HOSTS:
        port = url.port or (443 if url.scheme == "https" else 80)
        hint = "Is Ollama running? Start it with `ollama serve`." if port == _OLLAMA_PORT else "Is the server running?"
    else:
        hint = "Check your network connection (and HTTPS_PROXY if you use a proxy)."
    if isinstance(exc, httpx.ConnectTimeout):
        return errors.TimeoutError(f"connecting to {where} timed out (connect timeout, {_tries(tries)})", hint)
    if isinstance(exc, httpx.RemoteProtocolError):
        return errors.ConnectError(f"{where} closed the connection without answering ({_tries(tries)})", hint)
    return errors.ConnectError(f"cannot connect to {where}: {_os_reason(exc, url.host)} ({_tries(tries)})", hint)


def transport_error(endpoint: Endpoint, exc: httpx.HTTPError, started: bool) -> errors.ProviderError:
    """A failure that is not retried: a timeout or a broken connection."""
    name = endpoint.provider
    if isinstance(exc, httpx.TimeoutException):
        setting = _timeout_setting(exc)
        if isinstance(exc, httpx.ReadTimeout):
            return errors.TimeoutError(
                f"{name} sent nothing for {setting}s (read timeout)",
                "Raise network.read_timeout_s in config.yaml for models that think long before answering.",
            )
        what = "sending the request" if isinstance(exc, httpx.WriteTimeout) else "waiting for a free connection"
        return errors.TimeoutError(f"{what} to {name} timed out after {setting}s")
    if isinstance(exc, httpx.DecodingError):
        return errors.StreamError(f"{name} sent an answer that could not be decoded ({exc})")
    if isinstance(exc, httpx.ProxyError):
        return errors.ConnectError(
            f"the proxy refused the connection to {name} ({exc})", "Check HTTPS_PROXY / HTTP_PROXY / NO_PROXY."
        )
    if isinstance(exc, httpx.UnsupportedProtocol):
        return errors.ConnectError(
            f"cannot connect to {name}: unsupported URL {endpoint.origin}",
            f"Check the base_url of providers.{name} in config.yaml.",
        )
    reason = str(exc) or type(exc).__name__
    where = "mid-answer" if started else "before answering"
    return errors.StreamError(f"the connection to {name} broke {where} ({reason})")


def _timeout_setting(exc: httpx.TimeoutException) -> str:
    try:
        timeouts = exc.request.extensions.get("timeout", {})
    except RuntimeError:  # no request attached
        return "?"
    key = {httpx.ReadTimeout: "read", httpx.WriteTimeout: "write", httpx.PoolTimeout: "pool"}.get(type(exc), "read")
    value = timeouts.get(key)
    return f"{value:g}" if isinstance(value, (int, float)) else "?"
