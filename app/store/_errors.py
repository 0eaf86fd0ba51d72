"""Why history.db cannot be used, told as the user needs it: what is wrong, and where.

A file that cannot be written because its disk is read-only, full or not
the user's is not damaged, and is never called so: moving it aside would
not help. Only SQLite's own verdict (corrupt, not a database) says damaged.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from app.errors import OrchError

_WRITABLE_ELSEWHERE = "Point ORCH_HOME at a writable folder, or run orch with --no-save."
_DAMAGED_HINT = "Move the file aside; orch then starts a new history."
_LOCKED_HINT = "Another orch is holding it; try again."

# SQLite's primary result codes (https://sqlite.org/rescode.html) that say something about the disk.
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 10, 11, 13, 14, 26
_DISK_CODES = {_SQLITE_PERM, _SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_CANTOPEN}


class StoreError(OrchError):
    """history.db cannot be opened, read or written; the message says why (never "damaged" unless it is)."""


def store_error(path: Path, exc: OSError | sqlite3.Error, *, opening: bool) -> StoreError:
    """The error a user reads for `exc`, met while opening (or else using) the database at `path`."""
    doing = "open" if opening else "save to or read"
    code = _primary_code(exc)
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return StoreError(f"cannot {doing} {path}: the file is damaged ({exc})", _DAMAGED_HINT)
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return StoreError(f"cannot {doing} {path}: {exc}", _LOCKED_HINT)
    problem = disk_problem(path, exc)
    if problem is not None:
        return StoreError(f"cannot save history: {problem}", _hint_for(problem))
    return StoreError(f"cannot {doing} {path}: {_reason(exc)}")


def disk_problem(path: Path, exc: OSError | sqlite3.Error | None = None) -> str | None:
    """What keeps the file `path` from being written in its folder, or None when nothing is seen to.

    Reads `exc` first (an errno, or SQLite's "disk is full"), then looks at the
    disk and the folder: SQLite's "unable to open" and "readonly" do not say why.
    """
    folder = path.parent
    if isinstance(exc, OSError) and exc.errno in _ERRNO_PROBLEMS:
        return _ERRNO_PROBLEMS[exc.errno].format(folder=folder)
    code = _primary_code(exc)
    if code == _SQLITE_FULL:
        return _NO_SPACE.format(folder=folder)
    if isinstance(exc, sqlite3.Error) and code not in _DISK_CODES:
        return None
    nearest = next(p for p in (folder, *folder.parents) if p.exists())
    try:
        stats = os.statvfs(nearest)
    except OSError:
        stats = None
    if stats is not None and stats.f_flag & os.ST_RDONLY:
        return _READ_ONLY.format(folder=folder)
    blocked = next((p for p in (path, nearest) if p.exists() and not os.access(p, os.W_OK)), None)
    if blocked is not None:
        return _DENIED.format(folder=blocked)
    if stats is not None and stats.f_bavail == 0:
        return _NO_SPACE.format(folder=folder)
    return None


_READ_ONLY = "{folder} is on a read-only file system"
_NO_SPACE = "no space left on the disk that holds {folder}"
_DENIED = "permission denied for {folder}"
_ERRNO_PROBLEMS = {
    errno.EROFS: _READ_ONLY,
    errno.ENOSPC: _NO_SPACE,
    errno.EDQUOT: "the disk quota is used up for {folder}",
    errno.EACCES: _DENIED,
    errno.EPERM: _DENIED,
}


def _hint_for(problem: str) -> str:
    if "space" in problem or "quota" in problem:
        return "Free some space, or point ORCH_HOME at another disk."
    return _WRITABLE_ELSEWHERE


def _primary_code(exc: BaseException | None) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _reason(exc: OSError | sqlite3.Error) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)
