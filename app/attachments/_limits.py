"""How much one attaching may take in, and the sizes told to the user."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import UsageError

DEFAULT_MAX_FILES = 200
DEFAULT_MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """What one `collect()` may read, over all its specs together.

    Past a limit nothing is attached and the error says which option raises it:
    a model is better not sent half a folder without the user knowing.

    Attributes:
        max_files: text files taken in (a folder's files count one each). Default 200.
        max_bytes: bytes read from files, pages and PDFs together. Default 4 MiB.
    """

    max_files: int = DEFAULT_MAX_FILES
    max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def of(cls, max_files: int | None = None, max_mb: float | None = None) -> Limits:
        """The limits a user gave (`--max-files`, `max_mb=`…), the defaults where they gave none."""
        return cls(DEFAULT_MAX_FILES if max_files is None else max_files,
                   DEFAULT_MAX_BYTES if max_mb is None else int(max_mb * 1024 * 1024))  # fmt: skip


class Budget:
    """What is left of the `Limits` while one `collect()` runs."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.files = 0
        self.bytes = 0

    def take(self, name: str, size: int) -> None:
        """Count one more file of `size` bytes.

        Raises:
            UsageError: a limit would be passed.
        """
        self.files += 1
        self.bytes += size
        if self.files > self.limits.max_files:
            raise UsageError(
                f"more than {self.limits.max_files} files to attach (at {name}): nothing attached",
                "Attach less, or raise the limit: --max-files N (one-shot), max_files=N (/file).",
            )
        if self.bytes > self.limits.max_bytes:
            raise UsageError(
                f"more than {human_size(self.limits.max_bytes)} to attach (at {name}): nothing attached",
                "Attach less, or raise the limit: --max-mb N (one-shot), max_mb=N (/file).",
            )


def human_size(size: int) -> str:
    """`512 B`, `1.2 KB`, `3.4 MB` (powers of 1024)."""
    if size < 1024:
        return f"{size} B"
    for unit in ("KB", "MB", "GB"):
        size /= 1024  # type: ignore[assignment]
        if size < 1024 or unit == "GB":
            return f"{size:.1f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover
