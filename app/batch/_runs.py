"""Finding the run a command continues, or recording a new one."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.store import BatchMode, BatchRun, BatchStore

from app.batch._inputs import count_rows, fingerprint


def start_run(store: BatchStore, target: str, path: Path, options: Mapping[str, Any], *,
              output_path: str | None, mode: BatchMode = "local") -> tuple[BatchRun, bool]:  # fmt: skip
    """The run of `target` over `path` with `options`: the one recorded before if the same command
    ran (the same input file, unchanged), else a new one.

    Returns:
        The run, and whether it is one recorded before (resumed).

    Raises:
        OSError: the input cannot be read.
    """
    source = fingerprint(path)
    key = hashlib.sha256(
        json.dumps([target, source.path, source.size, source.mtime, source.head_hash, dict(options), mode],
                   sort_keys=True).encode()  # fmt: skip
    ).hexdigest()
    found = store.find_batch_run(key)
    if found is not None:
        if output_path is not None and output_path != found.output_path:
            found = store.update_batch_run(found.id, output_path=output_path)
        return found, True
    run = store.new_batch_run(key, target, source, options, output_path=output_path, mode=mode)
    return store.update_batch_run(run.id, total=count_rows(path)), False
