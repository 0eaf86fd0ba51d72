"""`orch models`: the models with their provider, remote id, key status and price.

On a terminal, a table; to a pipe, one tab-separated line per model (no
header, no padding, never wrapped), then the notes.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from app.cli._subcommand import Subcommand
from app.errors import EXIT_OK

if TYPE_CHECKING:
    import argparse

    from app.cli.wiring import Wiring

_COLUMNS = ("model", "provider", "id", "key", "price in/out per 1M")
_STYLES = {"missing": "dim", "locked": "yellow"}


def run(args: argparse.Namespace, wiring: Wiring) -> int:
    from app.commands.core import model_label, price_text  # the REPL's /models shows them the same way
    from app.ui.style import make_console

    config, sources = wiring.config()
    keys = wiring.key_ring(config, can_ask=False)
    rows: list[tuple[list[str], str]] = []
    missing: dict[str, str] = {}
    locked = found = False
    for model in config.models:
        spec = config.providers[model.provider].key
        status = keys.status(spec)
        found = found or status in ("vault", "env")
        if status == "missing" and spec:
            missing[model.provider] = f"orch vault set {spec.vault}" if spec.vault else f"export {spec.env}=…"
        locked = locked or status == "locked"
        names = model_label(model)
        if model.name == config.default_model or config.default_model in model.aliases:
            names += " *"
        rows.append(([names, model.provider, model.id, status, price_text(model)], status))
    console = make_console()
    if console.is_terminal:
        from rich.table import Table

        table = Table(box=None, pad_edge=False, header_style="bold")
        for column in _COLUMNS:
            table.add_column(column)
        for cells, status in rows:
            table.add_row(*cells, style=_STYLES.get(status, ""))
        console.print(table)
    else:
        sys.stdout.write("".join("\t".join(cells) + "\n" for cells, _ in rows))
        sys.stdout.flush()
    notes = [f"* default model · config: {sources.config}"]
    if locked:
        notes.append("Keys in the vault are shown once it is unlocked (set ORCH_VAULT_PASSWORD).")
    if missing and not (found or locked):
        setup = "" if keys.vault.exists() else "`orch vault init`, then "
        example = next(iter(missing.values()))
        notes.append(f"No keys yet. Add one: {setup}`{example}` (or set the provider's env var).")
    for i, note in enumerate(notes):
        console.print(note, style="dim" if i == 0 else None, highlight=False, markup=False, soft_wrap=True)
    return EXIT_OK


COMMAND = Subcommand("models", "the models: provider, remote id, where each key is, price", lambda parser: None, run)
