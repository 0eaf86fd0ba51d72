"""Several processes on one history.db: no failure, no lost message, no damage after kill -9."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.store import Store

ROOT = Path(__file__).resolve().parents[2]

# Waits for "go" on stdin before opening the store, so that both writers also
# race on creating and migrating a brand-new file.
WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from app.store import Store

    path, tag, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    print("ready", flush=True)
    sys.stdin.readline()
    with Store(path) as store:
        chat = store.new_conversation("echo", title=tag)
        parent = None
        for i in range(count):
            role = "user" if i % 2 == 0 else "assistant"
            parent = store.add_message(chat.id, role, f"{tag} message {i}", parent).id
            print(parent, flush=True)
    """
)


def spawn(*args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_two_processes_write_at_once_and_lose_nothing(tmp_path):
    path = tmp_path / "state" / "history.db"
    writers = [spawn(str(path), tag, "200") for tag in ("alpha", "beta")]
    for writer in writers:
        assert writer.stdout.readline() == "ready\n"
    for writer in writers:
        writer.stdin.write("go\n")
        writer.stdin.flush()
    results = [writer.communicate(timeout=60) for writer in writers]
    for writer, (_, err) in zip(writers, results, strict=True):
        assert writer.returncode == 0, err

    with Store(path) as store:
        chats = {chat.title: chat for chat in store.list_conversations()}
        assert sorted(chats) == ["alpha", "beta"]
        for tag, chat in chats.items():
            assert chat.message_count == 200
            assert [m.content for m in store.branch(chat.id)] == [f"{tag} message {i}" for i in range(200)]
        assert len(store.search("message")) == 20
        assert store.search("alpha 199")[0].conversation_id == chats["alpha"].id


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_writer_killed_mid_stream_leaves_a_sound_database(tmp_path):
    path = tmp_path / "state" / "history.db"
    writer = spawn(str(path), "doomed", "1000000")
    assert writer.stdout.readline() == "ready\n"
    writer.stdin.write("go\n")
    writer.stdin.flush()
    committed = [int(writer.stdout.readline()) for _ in range(150)]
    writer.send_signal(signal.SIGKILL)
    writer.communicate(timeout=10)
    assert writer.returncode == -signal.SIGKILL

    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    raw.execute(
        "INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')"
    )  # raises if the index drifted
    raw.close()
    with Store(path) as store:
        [chat] = store.list_conversations()
        stored = {m.id for m in store.branch(chat.id)}
        assert set(committed) <= stored  # every message reported as written survived
        assert chat.message_count == len(stored) and chat.head_id == max(stored)
        store.add_message(chat.id, "user", "life goes on", chat.head_id)
