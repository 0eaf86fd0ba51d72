"""Start-up without the garbage collector's full passes.

Starting orch creates tens of thousands of long-lived objects (modules,
classes, pydantic schemas), enough to set off a full collection of all of
them — about 20 ms spent proving that none is garbage, just before the
prompt. So collection waits while orch starts, and once the parts are built
they are moved out of the collector's sight (`gc.freeze`) before the work
itself (the REPL, an answer, a chain) begins with collection on.
"""

from __future__ import annotations

import gc


def starting() -> None:
    """No collection while start-up builds what lives as long as the process."""
    gc.disable()


def ready() -> None:
    """What start-up built is kept out of every later collection; collection is on from here."""
    gc.freeze()
    gc.enable()
