"""`orch models`: the models with their provider, remote id, key status and price."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.cli._subcommand import Subcommand
from app.errors import EXIT_OK

if TYPE_CHECKING:
    import argparse

    from app.cli.wiring import Wiring


def run(args: argparse.Namespace, wiring: Wiring) -> int:
    from rich.table import Table

    from app.ui.style import make_console

    config, sources = wiring.config()
    keys = wiring.key_ring(config, can_ask=False)
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("model", "provider", "id", "key", "price in/out per 1M"):
        table.add_column(column)
    missing: dict[str, str] = {}
    locked = found = False
    for model in config.models:
        spec = config.providers[model.provider].key
        status = keys.status(spec)
        found = found or status in ("vault", "env")
        if status == "missing" and spec:
            missing[model.provider] = f"orch vault set {spec.vault}" if spec.vault else f"set {spec.env}"
        locked = locked or status == "locked"
        names = model.name + (f" ({', '.join(model.aliases)})" if model.aliases else "")
        if model.name == config.default_model or config.default_model in model.aliases:
            names += " *"
        price = f"${model.pricing.input:g} / ${model.pricing.output:g}" if model.pricing else ""
        style = {"missing": "dim", "locked": "yellow"}.get(status, "")
        table.add_row(names, model.provider, model.id, status, price, style=style)
    console = make_console()
    if not console.is_terminal:
        # A pipe has no width to fit: cutting ids short ("claude-sonnet-4…") would lose data.
        unbounded = console.options.update_width(10_000)
        console.width = max(console.width, console.measure(table, options=unbounded).maximum)
    console.print(table)
    console.print(f"* default model · config: {sources.config}", style="dim", highlight=False)
    if locked:
        console.print("Keys in the vault are shown once it is unlocked (set ORCH_VAULT_PASSWORD).", highlight=False)
    if missing and not (found or locked):
        setup = "" if keys.vault.exists() else "`orch vault init`, then "
        example = next(iter(missing.values()))
        console.print(f"No keys yet. Add one: {setup}`{example}` (or set the provider's env var).", highlight=False)
    return EXIT_OK


COMMAND = Subcommand("models", "the models: provider, remote id, where each key is, price", lambda parser: None, run)
