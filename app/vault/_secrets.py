"""Decrypted secrets in memory, and how one is shown or accepted."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from app.errors import UsageError


def mask(value: str) -> str:
    """A secret shown safely: its first three and last four characters at most.

    Values shorter than 20 characters show none of them: seven characters of
    a short secret would give most of it away.
    """
    if len(value) < 20:
        return "…" + "•" * 4
    return f"{value[:3]}…{value[-4:]}"


def check_secret(name: str, value: str) -> None:
    """Refuse a value that cannot be sent in an HTTP header (they are ASCII).

    Raises:
        UsageError: the value holds a character outside printable ASCII;
            its position is told, never the character.
    """
    for position, char in enumerate(value, 1):
        if not " " <= char <= "~":
            raise UsageError(
                f"the value for '{name}' has a character that is not printable ASCII (at position {position}); "
                "nothing was changed",
                "API keys are plain ASCII: look for a typographic quote, an ellipsis or a line break picked up by copying.",
            )


class Secrets(Mapping[str, str]):
    """Decrypted secrets held in memory. Their repr never shows a value."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = dict(values)

    def __getitem__(self, name: str) -> str:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Secrets(names={sorted(self._values)!r})"

    def masked(self) -> dict[str, str]:
        return {name: mask(value) for name, value in sorted(self._values.items())}
