"""A history.db that cannot be used says why: damaged only when it is, else the disk, naming the folder."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.store import DB_NAME, Store, StoreError


def connect_fails(monkeypatch: pytest.MonkeyPatch, text: str, code: int) -> None:
    """SQLite's connect fails as it does on such a disk, with its result code."""

    def connect(*args, **kwargs):
        exc = sqlite3.OperationalError(text)
        exc.sqlite_errorcode = code
        raise exc

    monkeypatch.setattr(sqlite3, "connect", connect)


def opening_fails(db: Path, message: str) -> StoreError:
    """Opening `db` fails with exactly `message`, and never calls the file damaged."""
    with pytest.raises(StoreError) as caught:
        Store(db)
    assert caught.value.message == message
    assert "damaged" not in str(caught.value)
    return caught.value


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / DB_NAME


def filled(path: Path) -> int:
    with Store(path) as store:
        chat = store.new_conversation("echo")
        for i in range(300):
            store.add_message(chat.id, "user", f"hello world {i} " * 40, parent_id=None)
        return chat.id


def test_a_page_corrupt_history_is_called_damaged_not_an_internal_error(db, run_main):
    chat_id = filled(db)
    data = bytearray(db.read_bytes())
    size = len(data)
    data[size // 4 : 3 * size // 4] = b"\xff" * (size // 2)  # garbage in the middle; the header stays
    db.write_bytes(bytes(data))
    with Store(db) as store:
        with pytest.raises(StoreError, match="damaged") as caught:
            store.search("hello")
        with pytest.raises(StoreError, match="damaged"):
            store.usage_totals(chat_id)
    assert str(db) in caught.value.message and "aside" in caught.value.hint
    rc, _, err = run_main("--home", str(db.parent), "search", "hello")
    assert rc == 1 and "damaged" in err and "internal error" not in err and "Traceback" not in err


def test_a_full_disk_at_start_says_no_space_not_damaged(db, monkeypatch):
    connect_fails(monkeypatch, "database or disk is full", 13)
    error = opening_fails(db, f"cannot save history: no space left on the disk that holds {db.parent}")
    assert "space" in error.hint


def test_a_read_only_file_system_at_start_is_named(db, monkeypatch):
    db.parent.mkdir()
    real_statvfs = os.statvfs

    def read_only(path):
        stats = real_statvfs(path)
        return SimpleNamespace(f_flag=stats.f_flag | os.ST_RDONLY, f_bavail=stats.f_bavail)

    monkeypatch.setattr(os, "statvfs", read_only)
    connect_fails(monkeypatch, "unable to open database file", 14)
    error = opening_fails(db, f"cannot save history: {db.parent} is on a read-only file system")
    assert "ORCH_HOME" in error.hint


def test_a_folder_that_cannot_be_made_says_read_only(db, monkeypatch):
    def mkdir(self, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", mkdir)
    with pytest.raises(StoreError, match=f"{db.parent} is on a read-only file system"):
        Store(db)


def test_a_folder_without_write_permission_is_named(db, monkeypatch):
    db.parent.mkdir()
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != db.parent)
    connect_fails(monkeypatch, "unable to open database file", 14)
    error = opening_fails(db, f"cannot save history: permission denied for {db.parent}")
    assert error.hint is None or "damaged" not in error.hint


def test_a_read_only_file_mid_session_is_not_called_damaged(db):
    with Store(db) as store:
        chat = store.new_conversation("echo")
        store._conn.execute("PRAGMA query_only = ON")  # every write now fails as on a read-only file
        with pytest.raises(StoreError) as caught:
            store.add_message(chat.id, "user", "hi", parent_id=None)
    assert "damaged" not in str(caught.value)


def test_a_file_that_is_not_a_database_is_called_damaged(db):
    db.parent.mkdir()
    db.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="cannot open .*damaged") as caught:
        Store(db)
    assert "aside" in caught.value.hint


def test_a_one_shot_on_a_home_that_cannot_be_made_says_why(tmp_path, monkeypatch, run_main):
    home = tmp_path / "not-yet"

    def mkdir(self, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", mkdir)
    rc, out, err = run_main("--home", str(home), "-m", "echo", "hi")
    assert rc == 1 and out == ""
    assert f"cannot save history: {home} is on a read-only file system" in err
    assert "internal error" not in err and "damaged" not in err
