"""What went wrong with a request, as data: the words a user reads are chosen above this layer."""

from __future__ import annotations

import errno
import socket
import ssl
from enum import StrEnum

import httpx


class FailureKind(StrEnum):
    """Which way a request failed."""

    STATUS = "status"
    """The server answered with a status that is not 2xx (see `status`, `body`)."""
    CONNECT_REFUSED = "connect refused"
    UNKNOWN_HOST = "unknown host"
    """The host name did not resolve."""
    CONNECT_FAILED = "connect failed"
    """Connecting failed another way; `reason` says how."""
    CONNECT_TIMEOUT = "connect timeout"
    TLS = "tls"
    """The TLS handshake failed (most often https:// to a plain-http port); `reason` says how."""
    CLOSED = "closed"
    """The server closed the connection without answering."""
    READ_TIMEOUT = "read timeout"
    WRITE_TIMEOUT = "write timeout"
    POOL_TIMEOUT = "pool timeout"
    """No pooled connection came free in time."""
    DEADLINE = "deadline"
    """The overall deadline for the answer passed (`timeout_s`)."""
    BROKEN = "broken"
    """The connection broke; `started` says whether the answer had begun."""
    UNDECODABLE = "undecodable"
    """The body's content encoding could not be decoded."""
    PROXY = "proxy"
    UNSUPPORTED_URL = "unsupported url"
    INVALID_URL = "invalid url"
    UNREADABLE_CHUNK = "unreadable chunk"
    """The parser met a shape it did not expect; `reason` names the exception."""
    NOT_JSON_NOR_SSE = "neither json nor sse"
    """A 2xx body that is neither; `body` holds it."""
    TOO_LARGE = "too large"
    """The answer passed the size limit (`size_limit` bytes) and was cut there."""


class HttpFailure(Exception):
    """A request that failed, described by fields rather than prose.

    Its text names the kind, status and URL only: a body may echo a key
    back, so it is never part of the text, nor of the repr.

    Attributes:
        kind: which way it failed.
        url: the request's URL (keys travel in headers, never here).
        tries: how many times the request was sent.
        status: the HTTP status of the last try (`STATUS` only).
        body: the start of the error body (`STATUS`), or the body that was not understood.
        content_type: the body's content type.
        retry_after_s: the wait the response's headers asked for, if any.
        timeout_s: the timeout that passed, when one did and it is known.
        reason: what the transport or the parser said, for kinds that need it.
        started: whether the answer had begun arriving.
        size_limit: the answer size limit in bytes (`TOO_LARGE` only).
    """

    def __init__(
        self,
        kind: FailureKind,
        url: str,
        *,
        tries: int = 1,
        status: int | None = None,
        body: bytes = b"",
        content_type: str = "",
        retry_after_s: float | None = None,
        timeout_s: float | None = None,
        reason: str = "",
        started: bool = False,
        size_limit: int | None = None,
    ) -> None:
        super().__init__(kind, url)
        self.kind = kind
        self.url = url
        self.tries = tries
        self.status = status
        self.body = body
        self.content_type = content_type
        self.retry_after_s = retry_after_s
        self.timeout_s = timeout_s
        self.reason = reason
        self.started = started
        self.size_limit = size_limit

    def __str__(self) -> str:
        status = f" {self.status}" if self.status is not None else ""
        return f"{self.kind}{status} from {self.url} ({self.tries} {'try' if self.tries == 1 else 'tries'})"

    def __repr__(self) -> str:
        return f"HttpFailure({self.kind.name}, {self.url!r}, status={self.status}, tries={self.tries})"


def connect_failure(url: str, exc: httpx.HTTPError, tries: int) -> HttpFailure:
    """A failure to reach the server at all."""
    if isinstance(exc, httpx.ConnectTimeout):
        return HttpFailure(FailureKind.CONNECT_TIMEOUT, url, tries=tries)
    if isinstance(exc, httpx.RemoteProtocolError):
        return HttpFailure(FailureKind.CLOSED, url, tries=tries)
    kind = _os_kind(exc)
    reason = str(exc) or type(exc).__name__ if kind in (FailureKind.CONNECT_FAILED, FailureKind.TLS) else ""
    return HttpFailure(kind, url, tries=tries, reason=reason)


def _os_kind(exc: BaseException) -> FailureKind:
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            break
        if isinstance(seen, ssl.SSLError):
            return FailureKind.TLS
        if isinstance(seen, socket.gaierror):
            return FailureKind.UNKNOWN_HOST
        if isinstance(seen, OSError) and seen.errno == errno.ECONNREFUSED:
            return FailureKind.CONNECT_REFUSED
        seen = seen.__cause__ or seen.__context__
    text = str(exc).lower()
    if "refused" in text or "all connection attempts failed" in text:
        return FailureKind.CONNECT_REFUSED
    if "name or service not known" in text or "nodename nor servname" in text:
        return FailureKind.UNKNOWN_HOST
    return FailureKind.CONNECT_FAILED


_TIMEOUTS = {
    httpx.ReadTimeout: (FailureKind.READ_TIMEOUT, "read"),
    httpx.WriteTimeout: (FailureKind.WRITE_TIMEOUT, "write"),
    httpx.PoolTimeout: (FailureKind.POOL_TIMEOUT, "pool"),
}


def is_final(failure: HttpFailure, url: httpx.URL) -> bool:
    """Whether a failure to connect is not worth another try.

    A TLS failure does not heal by itself, and a refused connection to this
    machine means nothing is listening: trying again only makes the user wait.
    """
    if failure.kind is FailureKind.TLS:
        return True
    return failure.kind is FailureKind.CONNECT_REFUSED and is_loopback(url.host)


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine (localhost, 127.0.0.0/8, ::1)."""
    import ipaddress

    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def transport_failure(url: str, exc: httpx.HTTPError, started: bool) -> HttpFailure:
    """A failure that is not retried: a timeout, a broken connection, a proxy or URL problem."""
    reason = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        kind, setting = _TIMEOUTS.get(type(exc), (FailureKind.POOL_TIMEOUT, "read"))
        return HttpFailure(kind, url, timeout_s=_timeout_s(exc, setting), started=started)
    if isinstance(exc, httpx.DecodingError):
        return HttpFailure(FailureKind.UNDECODABLE, url, reason=str(exc), started=started)
    if isinstance(exc, httpx.ProxyError):
        return HttpFailure(FailureKind.PROXY, url, reason=str(exc), started=started)
    if isinstance(exc, httpx.UnsupportedProtocol):
        return HttpFailure(FailureKind.UNSUPPORTED_URL, url, reason=str(exc), started=started)
    return HttpFailure(FailureKind.BROKEN, url, reason=reason, started=started)


def _timeout_s(exc: httpx.TimeoutException, setting: str) -> float | None:
    try:
        timeouts = exc.request.extensions.get("timeout", {})
    except RuntimeError:  # no request attached
        return None
    value = timeouts.get(setting)
    return float(value) if isinstance(value, (int, float)) else None
