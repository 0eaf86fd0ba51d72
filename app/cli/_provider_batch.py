"""`orch batch --provider-batch` and `orch batch status|fetch` of such a run."""

from __future__ import annotations

ACTIONS: dict = {}


def submit(wiring, store, batch_run, resumed):  # placeholder replaced below
    raise NotImplementedError
