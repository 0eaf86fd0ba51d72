"""The `Store`: conversations, branches, search and usage over one SQLite file."""

from app.store._conversations import Conversations
from app.store._messages import Messages
from app.store._search import Search


class Store(Conversations, Messages, Search):
    """The history database at `path` (usually `ORCH_HOME / DB_NAME`).

    Opening creates the folder and file if needed and runs pending migrations.
    An instance may be used from several threads (calls are serialized).

    Args:
        path: the database file.
        busy_timeout_ms: how long a write waits for another process's write.
        clock: returns the current time (aware); tests pass a fake.

    Raises:
        StoreError: the file cannot be opened or is not a usable database (the message says why).
        OrchError: the file is from a newer orch.
    """
