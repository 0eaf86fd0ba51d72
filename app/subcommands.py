"""`orch models`, `orch vault …`, `orch config check` and `orch chain …`."""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING

from app.errors import EXIT_OK, EXIT_USAGE, UsageError, VaultError

if TYPE_CHECKING:
    from app.cli import Context

_SECRET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MIN_PASSWORD = 8


def run(ctx: Context, command: str) -> int:
    if command == "models":
        return models(ctx)
    if command == "vault":
        return vault(ctx)
    if command == "config":
        return config_check(ctx)
    if command == "chain":
        from app.chain_cli import run_chain_command

        return run_chain_command(ctx)
    raise UsageError(f"unknown command '{command}'")


def _console(stderr: bool = False):
    from app.ui.style import make_console

    return make_console(stderr=stderr)


# --- models ----------------------------------------------------------------------


def models(ctx: Context) -> int:
    from rich.table import Table

    from app.keys import KeyRing

    config, sources = ctx.load_config()
    keys = KeyRing(ctx.vault(config))
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
    console = _console()
    if not console.is_terminal:
        # A pipe has no width to fit: cutting ids short ("claude-sonnet-4…") would lose data.
        unbounded = console.options.update_width(10_000)
        console.width = max(console.width, console.measure(table, options=unbounded).maximum)
    console.print(table)
    console.print(f"* default model · config: {sources.config}", style="dim", highlight=False)
    if locked:
        console.print("Keys in the vault are shown once it is unlocked (set ORCH_VAULT_PASSWORD).", highlight=False)
    if missing and not (found or locked):
        setup = "" if ctx.vault(config).exists() else "`orch vault init`, then "
        example = next(iter(missing.values()))
        console.print(f"No keys yet. Add one: {setup}`{example}` (or set the provider's env var).", highlight=False)
    return EXIT_OK


# --- vault -----------------------------------------------------------------------


def _password(prompt: str) -> str:
    import os

    from app.cli import ask_hidden
    from app.keys import PASSWORD_ENV

    return os.environ.get(PASSWORD_ENV) or ask_hidden(prompt)


def _new_password() -> str:
    import os

    from app.cli import ask_hidden
    from app.keys import PASSWORD_ENV

    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        password = ask_hidden("New vault password: ")
        if len(password) >= MIN_PASSWORD and ask_hidden("Repeat it: ") != password:
            raise UsageError("the two passwords differ; nothing was changed")
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"the vault password needs at least {MIN_PASSWORD} characters; nothing was changed")
    return password


def _secret_value(name: str) -> str:
    from app.cli import ask_hidden

    if sys.stdin.isatty():
        value = ask_hidden(f"Value for {name}: ")
    else:
        value = sys.stdin.read()
    value = value.strip()
    if not value:
        raise UsageError(f"no value given for {name}; nothing was changed")
    return value


def vault(ctx: Context) -> int:
    from app.vault import Vault, mask

    config = None
    try:
        config, _ = ctx.load_config()
    except Exception:
        # The vault must stay usable while config.yaml is being fixed.
        pass
    store: Vault = ctx.vault(config)
    action = ctx.args.action
    out = sys.stdout
    if action == "status":
        if not store.exists():
            print(f"no vault at {store.path}\nCreate one with `orch vault init`.", file=out)
            return EXIT_OK
        info = store.describe()
        kdf = info["kdf"]
        print(f"vault: {info['path']}", file=out)
        print(
            f"encryption: Fernet (AES-128-CBC + HMAC-SHA256), key from Argon2id "
            f"m={kdf['memory_kib']} KiB t={kdf['iterations']} p={kdf['lanes']}",
            file=out,
        )
        print(f"backup: {store.backup_path if store.backup_path.exists() else 'none yet'}", file=out)
        return EXIT_OK
    if action == "init":
        if store.exists():
            raise VaultError(f"a vault already exists at {store.path}", "Change its password with `orch vault passwd`.")
        store.create(_new_password())
        print(f"created {store.path}", file=out)
        print("Add a key with `orch vault set NAME` (e.g. openai, anthropic, gemini).", file=out)
        return EXIT_OK
    if action in ("set", "remove"):
        name = ctx.args.name
        if not _SECRET_NAME.match(name):
            raise UsageError(f"'{name}' is not a valid secret name", "Use letters, digits, '.', '_' or '-'.")
        if not store.exists():
            raise VaultError(f"no vault at {store.path}", "Create one with `orch vault init`.")
        if action == "set":
            password = _password("Vault password: ")
            store.unlock(password)  # a wrong password fails before the secret is asked
            value = _secret_value(name)
            store.update(password, lambda secrets: secrets.__setitem__(name, value))
            print(f"stored {name} ({mask(value)})", file=out)
        else:
            password = _password("Vault password: ")

            def remove(secrets: dict[str, str]) -> None:
                if name not in secrets:
                    raise UsageError(f"no secret named '{name}' in the vault")
                del secrets[name]

            store.update(password, remove)
            print(f"removed {name}", file=out)
        return EXIT_OK
    if action == "list":
        if not store.exists():
            raise VaultError(f"no vault at {store.path}", "Create one with `orch vault init`.")
        secrets = store.unlock(_password("Vault password: "))
        if not secrets:
            print("the vault is empty; add a key with `orch vault set NAME`", file=out)
        for name, shown in secrets.masked().items():
            print(f"{name}\t{shown}", file=out)
        return EXIT_OK
    if action == "passwd":
        if not store.exists():
            raise VaultError(f"no vault at {store.path}", "Create one with `orch vault init`.")
        import os

        from app.cli import ask_hidden
        from app.keys import PASSWORD_ENV

        old = os.environ.get("ORCH_VAULT_OLD_PASSWORD") or ask_hidden("Current vault password: ")
        store.unlock(old)
        new = os.environ.get(PASSWORD_ENV) if os.environ.get("ORCH_VAULT_OLD_PASSWORD") else None
        if new is None:
            new = ask_hidden("New vault password: ")
            if ask_hidden("Repeat it: ") != new:
                raise UsageError("the two passwords differ; nothing was changed")
        if len(new) < MIN_PASSWORD:
            raise UsageError(f"the vault password needs at least {MIN_PASSWORD} characters; nothing was changed")
        store.change_password(old, new)
        print("vault password changed", file=out)
        return EXIT_OK
    raise UsageError(f"unknown vault action '{action}'")


# --- config check ------------------------------------------------------------------


def config_check(ctx: Context) -> int:
    from app import config as config_module

    path = config_module.discover(ctx.args.config)
    result = config_module.check(path)
    problems = list(result.problems)
    if result.config is not None:
        from app.chains import check_chains

        problems += check_chains(result.config, result.sources)
    print(f"config: {result.sources.config}")
    print(f"models: {result.sources.models}")
    if problems:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found")
        return EXIT_USAGE
    cfg = result.config
    assert cfg is not None
    print(f"ok: {len(cfg.providers)} providers, {len(cfg.models)} models, {len(cfg.chains)} chains")
    return EXIT_OK
