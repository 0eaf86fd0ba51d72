"""`orch models [--refresh]`: the models with their provider, remote id, key status and price.

On a terminal, a table; to a pipe, one tab-separated line per model (no
header, no padding, never wrapped), then the notes. `--refresh` then asks
each provider's server which models it serves (`app.providers.list_models`:
every OpenAI-compatible server, and Anthropic and Gemini when their key is
at hand) and shows them beside models.yaml's, with the entry to add for one
that is not configured; a server that is down is one line among the notes.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from app.cli._subcommand import Subcommand
from app.errors import EXIT_OK

if TYPE_CHECKING:
    import argparse

    from rich.console import Console

    from app.cli.wiring import Wiring
    from app.config import Config
    from app.keys import KeyRing
    from app.providers import ModelList

_COLUMNS = ("model", "provider", "id", "key", "price in/out per 1M")
_STYLES = {"missing": "dim", "locked": "yellow"}
_REMOTE_COLUMNS = ("provider", "served id", "models.yaml")


def run(args: argparse.Namespace, wiring: Wiring) -> int:
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
        names = model.label
        if model.name == config.default_model or config.default_model in model.aliases:
            names += " *"
        rows.append(([names, model.provider, model.id, status, model.price_label], status))
    # Piped (the common case for scripts), nothing of rich is imported: the lines are plain.
    console = make_console() if _maybe_terminal() else None
    if console is not None and console.is_terminal:
        from rich.table import Table

        table = Table(box=None, pad_edge=False, header_style="bold")
        for column in _COLUMNS:
            table.add_column(column)
        for cells, status in rows:
            table.add_row(*cells, style=_STYLES.get(status, ""))
        console.print(table)
    else:
        console = None
        sys.stdout.write("".join("\t".join(cells) + "\n" for cells, _ in rows))
        sys.stdout.flush()
    notes = [f"* default model · config: {sources.config}"]
    if args.refresh:
        notes += _show_remote(console, config, keys)
    if locked:
        notes.append("Keys in the vault are shown once it is unlocked (set ORCH_VAULT_PASSWORD).")
    if missing and not (found or locked):
        setup = "" if keys.vault.exists() else "`orch vault init`, then "
        example = next(iter(missing.values()))
        notes.append(f"No keys yet. Add one: {setup}`{example}` (or set the provider's env var).")
    for i, note in enumerate(notes):
        if console is None:
            sys.stdout.write(note + "\n")
        else:
            console.print(note, style="dim" if i == 0 else None, highlight=False, markup=False, soft_wrap=True)
    return EXIT_OK


def _maybe_terminal() -> bool:
    """Whether stdout may be a terminal: it is one, or the environment may make rich treat it as one."""
    return sys.stdout.isatty() or any(name in os.environ for name in ("FORCE_COLOR", "TTY_COMPATIBLE"))


def _show_remote(console: Console | None, config: Config, keys: KeyRing) -> list[str]:
    """The servers' model lists, beside models.yaml's; returns the notes (failures, the entry to add)."""
    from app.ui.sanitize import visible

    configured = {(m.provider, m.id): m.name for m in config.models}
    rows: list[tuple[str, str, str]] = []
    notes: list[str] = []
    candidate: tuple[str, str] | None = None
    for listing in _remote_lists(config, keys):
        if listing.error is not None:
            notes.append(listing.error)
        elif not listing.ids:
            notes.append(f"{listing.provider} lists no models at {listing.url}")
        for model_id in listing.ids:
            name = configured.get((listing.provider, model_id))
            shown = visible(" ".join(model_id.split()))  # a server's text: one line, its escapes made visible
            rows.append((listing.provider, shown, f"configured as {name}" if name else "not configured"))
            if name is None and candidate is None:
                candidate = (listing.provider, shown)
    if console is not None:
        from rich.table import Table
        from rich.text import Text

        table = Table(box=None, pad_edge=False, header_style="bold")
        for column in _REMOTE_COLUMNS:
            table.add_column(column)
        for provider, model_id, said in rows:
            table.add_row(Text(provider), Text(model_id), Text(said), style="dim" if said == "not configured" else "")
        if rows:
            console.print()
            console.print(table)
    else:
        sys.stdout.write("".join("\t".join(row) + "\n" for row in rows))
        sys.stdout.flush()
    if candidate is not None:
        provider, model_id = candidate
        name = model_id.rsplit("/", 1)[-1].removesuffix(":latest").replace(":", "-")
        notes.append(f"To use one, add to models.yaml: - {{name: {name}, provider: {provider}, id: {model_id}}}")
    return notes


def _remote_lists(config: Config, keys: KeyRing) -> list[ModelList]:
    """Every listing provider's answer, asked at once over one client; a public API is asked only with a key."""
    import asyncio

    from app.errors import OrchError
    from app.http import create_client
    from app.providers import LISTED_KINDS, list_models

    async def ask() -> list[ModelList]:
        async with create_client(config.network) as client:
            asked = []
            for name, provider in config.providers.items():
                if provider.kind not in LISTED_KINDS:
                    continue
                try:
                    key = keys.get(name, provider.key)
                except OrchError:  # no key, or a vault that cannot be opened here: a local server needs none
                    key = None
                if key is None and provider.kind != "openai":
                    continue
                asked.append(list_models(name, provider, key, client))
            return list(await asyncio.gather(*asked))

    return asyncio.run(ask())


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--refresh", action="store_true",
                        help="also ask each provider's server which models it serves")  # fmt: skip


COMMAND = Subcommand("models", "the models: provider, remote id, where each key is, price", _arguments, run)
