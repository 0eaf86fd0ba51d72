"""Benchmark of the history store: python bench/store.py [--messages N] [--db PATH]

Builds a database of ~100,000 messages over ~2,000 conversations (through
`Store.add_message`, one transaction each, as the REPL writes them), then
times opening the store, `list_conversations` and `search`, and prints a
table. Targets: search and list under 50 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.store import Store

TARGET_MS = 50.0

_COMMON = """the of and to a in is it you that he was for on are as with his they at be this from have or
by one had not but what all were when we there can an your which their said if do will each about how up
out them then she many some so these would other into has more her two like him see time could no make
than first been its who now people my made over did down only way find use may water long little very
after words called just where most know get through back much before go good new write our used me man
too any day same right look think also around another came come work three word must because does part
even place well such here take why things help put years different away again off went old number""".split()
_TECH = """python function variable error exception async await database index query sqlite table column
request response token model prompt stream server client cache memory thread process kernel linux docker
container deploy build test pytest fixture mock coverage commit branch merge rebase git diff patch api json
yaml config schema migration vector embedding latency throughput benchmark profile optimize refactor class
method decorator generator iterator closure lambda regex unicode encoding utf8 bytes socket http https tls
certificate timeout retry backoff queue worker scheduler cron lock mutex deadlock transaction rollback
commit journal wal checkpoint fsync compile rust golang javascript typescript react component render state
hook effect promise callback closure recursion algorithm complexity sorting hashing tree graph matrix tensor
gradient training inference transformer attention layer neuron dataset pandas numpy dataframe csv parquet
kubernetes terraform ansible nginx postgres redis kafka grpc protobuf websocket oauth jwt password vault
encryption argon2 fernet signature""".split()
_RARE = ["zephyrine", "quokkalytics", "borealization", "xanthoprotein", "glyptodont", "café", "naïve", "東京"]


def _words() -> tuple[list[str], list[float]]:
    vocabulary = _COMMON + _TECH + _RARE
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(_COMMON))]
    weights += [0.02] * len(_TECH) + [0.00002] * len(_RARE)
    return vocabulary, weights


def _sentences(rng: random.Random, vocabulary: list[str], weights: list[float], count: int) -> str:
    sentences = []
    for _ in range(count):
        words = rng.choices(vocabulary, weights, k=rng.randint(6, 22))
        words[0] = words[0].capitalize()
        sentence = " ".join(words) + rng.choice(".....?!:")
        if rng.random() < 0.05:
            sentence += (
                f"\n\n```python\ndef {rng.choice(_TECH)}(x):\n    return x + {rng.randint(1, 99)}\n```\n"
            )
        sentences.append(sentence)
    return " ".join(sentences)


def _conversations(total_messages: int, conversations: int, seed: int = 7) -> Iterator[list[tuple[str, str]]]:
    rng = random.Random(seed)
    vocabulary, weights = _words()
    per = total_messages // conversations
    for index in range(conversations):
        size = per if index < conversations - 1 else total_messages - per * (conversations - 1)
        yield [
            ("user", _sentences(rng, vocabulary, weights, rng.randint(1, 3)))
            if i % 2 == 0
            else ("assistant", _sentences(rng, vocabulary, weights, rng.randint(3, 14)))
            for i in range(size)
        ]


def build(path: Path, total_messages: int, conversations: int) -> float:
    """Fill `path` with the synthetic history; returns the seconds it took."""
    started = time.perf_counter()
    with Store(path) as store:
        for number, turns in enumerate(_conversations(total_messages, conversations)):
            conversation = store.new_conversation("sonnet" if number % 3 else "gpt")
            parent = None
            for i, (role, text) in enumerate(turns):
                if role == "user":
                    parent = store.add_message(conversation.id, role, text, parent).id
                else:
                    tokens = len(text) // 4
                    parent = store.add_message(
                        conversation.id,
                        role,
                        text,
                        parent,
                        model=conversation.model,
                        input_tokens=40 * i + 20,
                        output_tokens=tokens,
                        cost=tokens * 15e-6,
                    ).id
    return time.perf_counter() - started


def _timed(action: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--conversations", type=int, default=2_000)
    parser.add_argument("--db", type=Path, help="reuse or keep this database (default: a temp file)")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "history.db"
        built = build(path, args.messages, args.conversations) if not path.exists() else None
        open_ms = _timed(lambda: Store(path).close(), args.repeat)
        store = Store(path)
        count = sum(c.message_count for c in store.list_conversations(limit=10 * args.conversations))
        rows: list[tuple[str, str, list[float]]] = [
            ("open store", "", open_ms),
            ("list_conversations(50)", "", _timed(lambda: store.list_conversations(50), args.repeat)),
        ]
        latest = store.list_conversations(1)[0]
        for name, action in [
            ("branch (active path)", lambda: store.branch(latest.id)),
            ("branches", lambda: store.branches(latest.id)),
        ]:
            rows.append((name, f"{latest.message_count} msgs", _timed(action, args.repeat)))
        queries = [
            "the",  # in nearly every message
            "python",
            "database transaction rollback",
            '"async await"',
            "optim*",
            "zephyrine",  # rare
            "cafe",
            'c++ AND OR NEAR(x) -y "unbalanced :col',
            "nothingmatchesthis",
        ]
        for query in queries:
            hits = len(store.search(query))
            rows.append(
                (f"search {query!r}", f"{hits} hits", _timed(lambda q=query: store.search(q), args.repeat))
            )
        size_mb = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6
        store.close()

    if built:
        per_write = built * 1000 / count
        print(f"{count:,} messages, {size_mb:.0f} MB, built in {built:.1f} s ({per_write:.2f} ms a message)")
    else:
        print(f"{count:,} messages, {size_mb:.0f} MB (reused)")
    print(f"{'operation':<58} {'result':>9} {'median ms':>10} {'max ms':>8}")
    worst = 0.0
    for name, note, times in rows:
        print(f"{name[:58]:<58} {note:>9} {statistics.median(times):>10.2f} {max(times):>8.2f}")
        if name == "list_conversations(50)" or name.startswith("search"):
            worst = max(worst, statistics.median(times))
    verdict = "ok" if worst < TARGET_MS else "MISSED"
    print(f"slowest median (list/search): {worst:.2f} ms; target < {TARGET_MS:.0f} ms: {verdict}")


if __name__ == "__main__":
    main()
