"""Does a big history slow orch down? python bench/history_startup.py [--runs N] [--messages N]

1. Time from launching `orch -m echo` in a pseudo-terminal to its prompt on the
   screen, with an empty ORCH_HOME versus one whose history.db holds 100,000
   messages (median of N runs each, the cases interleaved so that drift in the
   machine's load hits them alike). Target: the history adds < 10 %.
2. In-REPL latency against that history: `Store.search` / `list_conversations`
   called as /search, /sessions and the /load completion call them, then the
   whole command (`registry.dispatch`), then dispatch plus rendering the table.

The history is built once (through `Store.add_message`, as bench/store.py
does: ~2,000 conversations, one transaction a message) and cached under
/tmp/orch-bench-history-N/; delete that folder to build it again.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import io
import os
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.store import DB_NAME, Store

TARGET_GROWTH = 0.10
MARKER = b"echo>"
ANSI = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[=>]")  # as bench/repl_startup.py
QUERIES = ["python", "database transaction rollback", "the", "zephyrine", 'c++ "unbalanced', "nothingmatchesthis"]


def _bench_store():
    """bench/store.py, for its synthetic history (the folder is not a package)."""
    spec = importlib.util.spec_from_file_location("bench_store", Path(__file__).with_name("store.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cached_history(messages: int, conversations: int, cache: Path) -> Path:
    """ORCH_HOME holding a history.db of `messages` messages, built on the first call."""
    home = cache / "home"
    db = home / DB_NAME
    if db.exists():
        return home
    home.mkdir(parents=True, exist_ok=True)
    building = cache / "building" / DB_NAME
    shutil.rmtree(building.parent, ignore_errors=True)
    building.parent.mkdir(parents=True)
    print(f"building {messages:,} messages in {db} (once)…", file=sys.stderr, flush=True)
    seconds = _bench_store().build(building, messages, conversations)
    with sqlite3.connect(building) as conn:  # everything in the main file, nothing left in the WAL
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    os.replace(building, db)  # only a finished database is ever cached
    shutil.rmtree(building.parent, ignore_errors=True)
    print(f"built in {seconds:.0f} s", file=sys.stderr, flush=True)
    return home


# --- 1. time to the prompt ------------------------------------------------------------------


def time_to_prompt(argv: list[str], env: dict[str, str], cwd: str) -> float:
    """Seconds from spawning `argv` in a pty to MARKER on its screen; then Ctrl-D and a clean exit."""
    started = time.perf_counter()
    child = pexpect.spawn(argv[0], argv[1:], env=env, cwd=cwd, dimensions=(40, 120))
    seen = b""
    try:
        while MARKER not in ANSI.sub(b"", seen):  # the prompt is styled: "echo" and ">" are apart
            try:
                seen += child.read_nonblocking(65536, timeout=20)
            except (pexpect.TIMEOUT, pexpect.EOF):
                raise RuntimeError(f"no prompt from {argv}: {ANSI.sub(b'', seen)[-400:]!r}") from None
        elapsed = time.perf_counter() - started
        child.sendcontrol("d")
        child.expect(pexpect.EOF, timeout=10)  # let it close the store cleanly
        return elapsed
    finally:
        child.close(force=True)


def startup_table(history_home: Path, runs: int) -> list[tuple[str, list[float]]]:
    scratch = Path(tempfile.mkdtemp(prefix="orch-bench-startup-"))
    cwd, xdg = scratch / "cwd", scratch / "xdg"  # no ./config.yaml, no user config: the shipped defaults
    cwd.mkdir()
    xdg.mkdir()
    base = {**os.environ, "TERM": "xterm-256color", "XDG_CONFIG_HOME": str(xdg),
            # pyte-less pty: nobody answers cursor-position requests; without this each exit waits 1 s.
            "PROMPT_TOOLKIT_NO_CPR": "1"}
    for name in ("ORCH_CONFIG", "ORCH_HOME", "NO_COLOR"):
        base.pop(name, None)
    orch = [sys.executable, "-m", "app", "-m", "echo"]
    base["PYTHONPATH"] = str(ROOT) + os.pathsep + base.get("PYTHONPATH", "")

    empty_db_home = scratch / "empty-db"
    Store(empty_db_home / DB_NAME).close()  # an existing, empty history.db

    def fresh_home() -> dict[str, str]:
        return {**base, "ORCH_HOME": tempfile.mkdtemp(dir=scratch, prefix="fresh-")}

    cases: list[tuple[str, Callable[[], dict[str, str]], list[str]]] = [
        ("empty ORCH_HOME (history.db created)", fresh_home, orch),
        ("empty history.db", lambda: {**base, "ORCH_HOME": str(empty_db_home)}, orch),
        ("100k-message history.db", lambda: {**base, "ORCH_HOME": str(history_home)}, orch),
        ("100k-message history.db, orch -c", lambda: {**base, "ORCH_HOME": str(history_home)}, [*orch, "-c"]),
    ]
    try:
        for _, env, argv in cases:  # warm the page cache and the .pyc files
            time_to_prompt(argv, env(), str(cwd))
        times: dict[str, list[float]] = {name: [] for name, _, _ in cases}
        for _ in range(runs):
            for name, env, argv in cases:
                times[name].append(time_to_prompt(argv, env(), str(cwd)))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return [(name, times[name]) for name, _, _ in cases]


# --- 2. in-REPL latency ---------------------------------------------------------------------


async def _timed(action: Callable[[], object | Awaitable[object]], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        if asyncio.iscoroutine(result):
            await result
        times.append((time.perf_counter() - started) * 1000)
    return times


async def command_table(history_home: Path, repeat: int) -> list[tuple[str, list[float]]]:
    from app import config as config_module
    from app.chat import Chat
    from app.commands import build_registry
    from app.keys import KeyRing
    from app.runtime import Runtime
    from app.ui import present
    from app.ui.style import make_console
    from app.vault import Vault

    scratch = Path(tempfile.mkdtemp(prefix="orch-bench-commands-"))
    # The database is copied: the commands below only read, but nothing here may touch the cache.
    db = scratch / DB_NAME
    shutil.copyfile(history_home / DB_NAME, db)
    shipped = ROOT / "config.yaml"
    cfg, _ = config_module.load(str(shipped))
    runtime = Runtime(cfg, KeyRing(Vault(scratch / "vault.enc")))
    store = Store(db)
    chat = Chat(runtime, runtime.model("echo"), store=store)
    registry = build_registry()
    load = registry.get("load")
    assert load is not None and load.complete is not None
    complete_titles = load.complete
    console = make_console(file=io.StringIO(), force_terminal=False, width=120)

    async def shown(line: str) -> None:
        present.show(console, await registry.dispatch(chat, line))

    rows: list[tuple[str, list[float]]] = []
    try:
        rows.append(("open Store", await _timed(lambda: Store(db).close(), repeat)))
        rows.append(("list_conversations(30)   (/sessions)", await _timed(lambda: store.list_conversations(30), repeat)))
        rows.append(("list_conversations(50)   (/load completion)",
                     await _timed(lambda: store.list_conversations(50), repeat)))
        rows.append(("/sessions   dispatch", await _timed(lambda: registry.dispatch(chat, "/sessions"), repeat)))
        rows.append(("/sessions   dispatch + render", await _timed(lambda: shown("/sessions"), repeat)))
        rows.append(("/load TAB   completer", await _timed(lambda: list(complete_titles(chat, "")), repeat)))
        for query in QUERIES:
            hits = len(store.search(query, limit=20))

            def search(q: str = query) -> object:
                return store.search(q, limit=20)

            def search_command(q: str = query) -> Awaitable[None]:
                return shown(f"/search {q}")

            rows.append((f"search({query!r}, 20)   {hits} hits", await _timed(search, repeat)))
            rows.append((f"/search {query}   dispatch + render", await _timed(search_command, repeat)))
    finally:
        store.close()
        await runtime.aclose()
        shutil.rmtree(scratch, ignore_errors=True)
    return rows


# --- main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="start-ups per case (default 10)")
    parser.add_argument("--repeat", type=int, default=20, help="calls per command measure (default 20)")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--conversations", type=int, default=2_000)
    parser.add_argument("--cache", type=Path, help="where the history is kept (default /tmp/orch-bench-history-N)")
    args = parser.parse_args()

    cache = args.cache or Path(tempfile.gettempdir()) / f"orch-bench-history-{args.messages}"
    home = cached_history(args.messages, args.conversations, cache)
    with sqlite3.connect(home / DB_NAME) as conn:
        (count,) = conn.execute("SELECT count(*) FROM messages").fetchone()
        (chats,) = conn.execute("SELECT count(*) FROM conversations").fetchone()
    size_mb = (home / DB_NAME).stat().st_size / 1e6
    print(f"history: {count:,} messages in {chats:,} conversations, {size_mb:.0f} MB ({home / DB_NAME})")

    startup = startup_table(home, args.runs)
    print(f"\ntime to the prompt, `orch -m echo` in a pty ({args.runs} runs each, interleaved)")
    print(f"{'ORCH_HOME':<44}{'median ms':>10}{'min ms':>9}{'max ms':>9}")
    medians = {}
    for name, times in startup:
        medians[name] = statistics.median(times)
        print(f"{name:<44}{medians[name] * 1000:>10.0f}{min(times) * 1000:>9.0f}{max(times) * 1000:>9.0f}")
    empty, empty_db, big = (medians[name] for name, _ in startup[:3])
    growth, growth_db = big / empty - 1, big / empty_db - 1
    verdict = "ok" if growth < TARGET_GROWTH else "MISSED"
    print(f"growth with 100k messages vs empty ORCH_HOME: {growth:+.1%} (target < {TARGET_GROWTH:.0%}: {verdict})")
    print(f"growth with 100k messages vs empty history.db: {growth_db:+.1%}")

    commands = asyncio.run(command_table(home, args.repeat))
    print(f"\nin-REPL latency against the history ({args.repeat} calls each)")
    print(f"{'operation':<62}{'first ms':>9}{'median ms':>10}{'max ms':>9}")
    for name, times in commands:
        print(f"{name[:62]:<62}{times[0]:>9.2f}{statistics.median(times):>10.2f}{max(times):>9.2f}")


if __name__ == "__main__":
    main()
