"""Each vendor's error shapes, and every failure put in the words a user reads.

The HTTP layer says what failed as data (`app.http.HttpFailure`); this
module chooses the words. It reads the error bodies of OpenAI, Anthropic,
Gemini, OpenRouter and smaller servers (`_error_bodies`), names the
provider, and writes the hint (the key to set, the server to start, the
setting to raise). Every message quoting a server goes through
`Endpoint.scrub`, so a key the server echoes back is masked and control
characters are made visible.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import httpx

from app import errors
from app.http import FailureKind, HttpFailure
from app.providers._error_bodies import error_detail, provider_detail, retry_delay_s

if TYPE_CHECKING:
    from app.providers._http import Endpoint

__all__ = [
    "cut_line",
    "error_class",
    "error_detail",
    "error_for_status",
    "in_band_error",
    "malformed_chunk",
    "provider_detail",
    "provider_error",
    "retry_delay_s",
    "retry_reason",
    "unreadable_chunk",
]

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_OLLAMA_PORT = 11434
_BASE_URL_HINT = "Check the base_url of providers.{name} in config.yaml."


# --- statuses and in-band errors ------------------------------------------------------------


def _tries(n: int) -> str:
    return f"{n} {'try' if n == 1 else 'tries'}"


def _auth_hint(endpoint: Endpoint) -> str:
    spec, name = endpoint.key_spec, endpoint.provider
    if spec is None or (spec.vault is None and spec.env is None):
        return f"Give providers.{name} a key in config.yaml (key: {{vault: {name}}}), then run `orch vault set {name}`."
    if spec.vault:
        return f"Fix it with `orch vault set {spec.vault}`" + (f" (or `export {spec.env}=…`)." if spec.env else ".")
    return f"Fix it with `export {spec.env}=…`."


_CLASS_BY_STATUS: dict[int, type[errors.ProviderError]] = {
    401: errors.AuthError,
    403: errors.AuthError,
    404: errors.ModelNotFoundError,
    408: errors.TimeoutError,
    409: errors.ServerError,
    429: errors.RateLimitError,
}


def error_class(status: int) -> type[errors.ProviderError]:
    """The branch of the error tree an HTTP status belongs to."""
    return _CLASS_BY_STATUS.get(status) or (errors.ServerError if status >= 500 else errors.BadRequestError)


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
        hint = _BASE_URL_HINT.format(name=name)
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


def malformed_chunk(endpoint: Endpoint, data: str) -> errors.StreamError:
    """A streamed chunk that is not valid JSON, quoting (the start of) what arrived."""
    return errors.StreamError(f"{endpoint.provider} sent a malformed chunk: {endpoint.scrub(data)[:120]!r}")


def unreadable_chunk(endpoint: Endpoint, what: str) -> errors.StreamError:
    """A chunk that is JSON but of a shape that cannot be an answer (`what` says which part)."""
    return errors.StreamError(f"{endpoint.provider} sent a chunk orch could not read ({what})")


# --- HTTP failures ------------------------------------------------------------------------


class _Says(NamedTuple):
    error: type[errors.ProviderError]
    message: str
    hint: str | None = None


_CONNECT_HINT = "{connect_hint}"

# What each kind of failure but a status (see `error_for_status`) tells the user,
# filled in from `_fields`.
_MESSAGES: dict[FailureKind, _Says] = {
    FailureKind.CONNECT_REFUSED: _Says(
        errors.ConnectError, "cannot connect to {where}: connection refused ({tries})", _CONNECT_HINT
    ),
    FailureKind.UNKNOWN_HOST: _Says(
        errors.ConnectError, "cannot connect to {where}: unknown host {host} ({tries})", _CONNECT_HINT
    ),
    FailureKind.CONNECT_FAILED: _Says(
        errors.ConnectError, "cannot connect to {where}: {reason} ({tries})", _CONNECT_HINT
    ),
    FailureKind.TLS: _Says(
        errors.ConnectError, "cannot connect to {where}: the TLS handshake failed ({reason})", "{tls_hint}"
    ),
    FailureKind.CONNECT_TIMEOUT: _Says(
        errors.TimeoutError, "connecting to {where} timed out (connect timeout, {tries})", _CONNECT_HINT
    ),
    FailureKind.CLOSED: _Says(
        errors.ConnectError, "{where} closed the connection without answering ({tries})", _CONNECT_HINT
    ),
    FailureKind.READ_TIMEOUT: _Says(
        errors.TimeoutError,
        "{name} sent nothing for {seconds}s (read timeout)",
        "Raise network.read_timeout_s in config.yaml for models that think long before answering.",
    ),
    FailureKind.WRITE_TIMEOUT: _Says(errors.TimeoutError, "sending the request to {name} timed out after {seconds}s"),
    FailureKind.POOL_TIMEOUT: _Says(
        errors.TimeoutError, "waiting for a free connection to {name} timed out after {seconds}s"
    ),
    FailureKind.DEADLINE: _Says(
        errors.TimeoutError,
        "{name} did not finish answering within {seconds}s (overall timeout)",
        "Raise network.timeout_s in config.yaml for long answers.",
    ),
    FailureKind.BROKEN: _Says(errors.StreamError, "the connection to {name} broke {when} ({reason})"),
    FailureKind.UNDECODABLE: _Says(errors.StreamError, "{name} sent an answer that could not be decoded ({reason})"),
    FailureKind.PROXY: _Says(
        errors.ConnectError,
        "the proxy refused the connection to {name} ({reason})",
        "Check HTTPS_PROXY / HTTP_PROXY / NO_PROXY.",
    ),
    FailureKind.UNSUPPORTED_URL: _Says(
        errors.ConnectError, "cannot connect to {name}: unsupported URL {origin}", _BASE_URL_HINT
    ),
    FailureKind.INVALID_URL: _Says(
        errors.ConnectError, "providers.{name} has an invalid base_url ({reason})", "Fix it in config.yaml."
    ),
    FailureKind.UNREADABLE_CHUNK: _Says(errors.StreamError, "{name} sent a chunk orch could not read ({reason})"),
    FailureKind.TOO_LARGE: _Says(
        errors.StreamError,
        "{name}'s answer passed network.max_answer_mb",
        "Raise network.max_answer_mb in config.yaml if answers this large are expected.",
    ),
    FailureKind.NOT_JSON_NOR_SSE: _Says(
        errors.StreamError, "{name} answered with something that is neither JSON nor SSE: {shown!r}"
    ),
}


def provider_error(endpoint: Endpoint, failure: HttpFailure) -> errors.ProviderError:
    """The error a user reads for a failure of the HTTP layer.

    Args:
        endpoint: who the request went to.
        failure: what the HTTP layer said went wrong.
    """
    if failure.kind is FailureKind.STATUS:
        detail, _ = provider_detail(failure.body, failure.content_type)
        return error_for_status(endpoint, failure.status or 0, detail, failure.tries)
    says = _MESSAGES[failure.kind]
    fields = _fields(endpoint, failure)
    return says.error(says.message.format_map(fields), says.hint.format_map(fields) if says.hint else None)


def _fields(endpoint: Endpoint, failure: HttpFailure) -> dict[str, str]:
    name = endpoint.provider
    try:
        url: httpx.URL | None = httpx.URL(endpoint.url)
    except httpx.InvalidURL:
        url = None  # only an INVALID_URL failure has one, and its message needs no part of it
    origin = endpoint.origin if url else ""
    return {
        "name": name,
        "origin": origin,
        "where": f"{name} at {origin}",
        "host": url.host if url else "",
        "tries": _tries(failure.tries),
        "seconds": "?" if failure.timeout_s is None else f"{failure.timeout_s:g}",
        "reason": failure.reason,
        "when": "mid-answer" if failure.started else "before answering",
        "shown": endpoint.scrub(failure.body.decode("utf-8", errors="replace"))[:120],
        "connect_hint": _connect_hint(url) if url else "",
        "tls_hint": _tls_hint(name, failure.reason),
    }


def _tls_hint(name: str, reason: str) -> str:
    if "CERTIFICATE_VERIFY_FAILED" in reason:
        return "The server's certificate is not trusted (SSL_CERT_FILE names the CA bundle to use)."
    return f"The server probably speaks plain http: check the scheme of providers.{name}.base_url (http://, not https://)."


_RETRY_REASONS = {FailureKind.CLOSED: "connection closed", FailureKind.CONNECT_FAILED: "cannot connect"}


def retry_reason(failure: HttpFailure) -> str:
    """A try's failure in a word or two, for "retrying in 2 s (429)": the status, else how connecting failed."""
    if failure.kind is FailureKind.STATUS and failure.status is not None:
        return str(failure.status)
    return _RETRY_REASONS.get(failure.kind, failure.kind.value)


def cut_line(size_limit: int | None) -> str:
    """The line that ends an answer cut at the size limit."""
    limit = f" ({size_limit / 1024 / 1024:g} MB)" if size_limit else ""
    return f"\n\n[orch: the answer passed network.max_answer_mb{limit} and was cut here]\n"


def _connect_hint(url: httpx.URL) -> str:
    if url.host not in _LOCAL_HOSTS:
        return "Check your network connection (and HTTPS_PROXY if you use a proxy)."
    port = url.port or (443 if url.scheme == "https" else 80)
    return "Is Ollama running? Start it with `ollama serve`." if port == _OLLAMA_PORT else "Is the server running?"
