"""The error tree. Each error carries the message a user reads.

    OrchError                       exit 1 unless said otherwise
    ├── UsageError                  exit 2: bad flags, unknown model or command
    ├── ConfigError                 exit 2: config.yaml / models.yaml problems (file:line each)
    ├── KeyMissingError             no key in the vault nor in the environment
    ├── VaultError
    │   ├── VaultMissingError       no vault.enc yet
    │   ├── VaultLockedError        a password is needed and none can be asked
    │   ├── WrongPasswordError      exit 2
    │   ├── VaultCorruptError       the file was modified or truncated
    │   ├── VaultExistsError        exit 2: `vault init` where a vault already is
    │   └── VaultWriteError         its folder cannot be written (also an OSError)
    ├── ProviderError               anything a model service answered or failed to answer
    │   ├── AuthError               401 / 403
    │   ├── ModelNotFoundError      404
    │   ├── BadRequestError         400 / 422
    │   ├── RateLimitError          429 after the last retry
    │   ├── ServerError             5xx after the last retry
    │   ├── ConnectError            nothing listens at the URL
    │   ├── TimeoutError            connect / read / overall timeout
    │   └── StreamError             a stream that broke or spoke garbage
    ├── ChainError                  a chain step failed
    └── BudgetError                 a request would cost more than a budget or --max-cost allows

The edge (app/cli, app/ui) turns an OrchError into one or two lines on stderr and
`exit_code`. Messages never contain secrets.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class OrchError(Exception):
    """Base of every error a user can meet.

    Args:
        message: what happened, in one line.
        hint: what to do next, in one line (optional).
    """

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def lines(self) -> list[str]:
        """The lines shown to the user: the message, then the hint if any."""
        return [self.message] + ([self.hint] if self.hint else [])

    def __str__(self) -> str:
        return "\n".join(self.lines())


class UsageError(OrchError):
    exit_code = EXIT_USAGE


class ConfigError(OrchError):
    """One or more problems in the configuration files.

    Args:
        problems: each already formatted as `file:line: what is wrong`.
    """

    exit_code = EXIT_USAGE

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        summary = self.problems[0] if count == 1 else f"{count} problems in the configuration:"
        super().__init__(summary, "Run `orch config check` to see them all." if count > 1 else None)

    def lines(self) -> list[str]:
        if len(self.problems) == 1:
            return [self.problems[0]]
        return [self.message, *(f"  {p}" for p in self.problems)]


class KeyMissingError(OrchError):
    pass


class VaultError(OrchError):
    pass


class VaultMissingError(VaultError):
    pass


class VaultLockedError(VaultError):
    pass


class WrongPasswordError(VaultError):
    exit_code = EXIT_USAGE


class VaultCorruptError(VaultError):
    pass


class ProviderError(OrchError):
    """A model service failed us. (What of the answer had arrived is kept in its `AnswerRecord`.)"""


class AuthError(ProviderError):
    pass


class ModelNotFoundError(ProviderError):
    pass


class BadRequestError(ProviderError):
    pass


class RateLimitError(ProviderError):
    pass


class ServerError(ProviderError):
    pass


class ConnectError(ProviderError):
    pass


class TimeoutError(ProviderError):  # noqa: A001 - deliberately shadows the builtin inside this tree
    pass


class StreamError(ProviderError):
    pass


class ChainError(OrchError):
    pass


class VaultExistsError(VaultError):
    """`vault init` where a vault already is: a usage mistake, nothing was changed."""

    exit_code = EXIT_USAGE


class VaultWriteError(VaultError, OSError):
    """The vault's folder cannot be written (read-only, full). Also an OSError, for callers that catch those."""


class BudgetError(OrchError):
    """A request not sent: its estimate would pass `budget.answer_usd`, `--max-cost` or what is left of
    `budget.session_usd`. Nothing was spent; the REPL goes on, a one-shot exits 1."""
