"""Checking config.yaml and its models.yaml together, gathering every problem.

Loading never stops at the first problem: `check` gathers every one, each as
`file:line: what is wrong`, so that `orch config check` can print them all.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.config._discovery import defaults_dir, why_not_a_file
from app.config._report import FileReport
from app.config._schema import Config, ModelConfig, Models, Sources
from app.config._themes import theme_problem
from app.config._yaml import clip, line_for


@dataclass
class CheckResult:
    """What `check` found.

    Attributes:
        config: the configuration, or None when there are problems.
        sources: the files it was read from.
        problems: each as `file:line: what is wrong`, in file order.
        notes: what is not wrong but worth saying (the shipped models are used).
        partial: the configuration with the parts that have problems left out
            (the chains that fail the schema, say), so that the checks which
            need a Config still look at the rest; None when not even that loads.
    """

    config: Config | None
    sources: Sources
    problems: list[str]
    notes: list[str] = field(default_factory=list)
    partial: Config | None = None


def check(config_path: Path) -> CheckResult:
    """Load config.yaml and its models.yaml, gathering every problem."""
    problems: list[str] = []
    notes: list[str] = []
    cfg_report = FileReport(config_path, problems)
    raw = cfg_report.parse()
    data = {k: v for k, v in raw.items() if k != "models"} if raw is not None else None
    if raw is not None and "models" in raw:
        cfg_report.add(("models",), "models belong in models.yaml, not config.yaml")
    models_path = _models_path(config_path, raw, cfg_report, notes)
    sources = Sources(config_path, models_path)
    config = _validated_config(cfg_report, data) if data is not None else None
    partial = config if config is not None else _salvage_config(cfg_report, data)

    models: Models | None = None
    # What the cross-checks look at: every model, or the ones that are valid on their own.
    entries: list[tuple[int, ModelConfig]] | None = None
    labels: set[str] = set()
    models_report = FileReport(models_path, problems)
    if models_path.is_file():
        raw_models = models_report.parse()
        if raw_models is not None:
            models = models_report.validate(Models, raw_models)
            if models is None:
                entries, labels = _salvage_models(raw_models)
    if models is not None:
        entries = list(enumerate(models.models))
        labels = {label for m in models.models for label in (m.name, *m.aliases)}

    # The cross-checks run even when config.yaml has problems of its own (read
    # from its raw data then), so that `orch config check` shows them all at once.
    provider_names: list[str] | None = None
    default_model: Any = None
    if config is not None:
        provider_names, default_model = list(config.providers), config.default_model
    elif isinstance(raw, dict):
        raw_providers = raw.get("providers", {})
        provider_names = [str(name) for name in raw_providers] if isinstance(raw_providers, dict) else None
        default_model = raw.get("default_model", Config.default_model)
    if entries is not None:
        _check_models(provider_names, entries, models_report)
        _check_fallbacks(entries, labels, models_report, _provider_kinds(config, raw))
        if isinstance(default_model, str) and default_model not in labels:
            near = difflib.get_close_matches(default_model, sorted(labels), n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            cfg_report.add(
                ("default_model",), f"default_model '{clip(default_model)}' is not in {models_path.name}{hint}"
            )

    if config is not None:
        _check_roles(config, labels if entries is not None else None, cfg_report)
    found = [m for _, m in entries] if entries is not None else []
    if partial is not None:
        partial = replace(partial, models=found)
    if config is None or models is None or problems:
        return CheckResult(None, sources, _in_file_order(problems), notes, partial)
    return CheckResult(partial, sources, problems, notes, partial)


def _check_roles(config: Config, labels: set[str] | None, report: FileReport) -> None:
    """A role under `roles:` naming a model that is not there; a `roles_dirs:` folder that is not one."""
    for name, role in config.roles.items():
        if labels is not None and role.model is not None and role.model not in labels:
            near = difflib.get_close_matches(role.model, sorted(labels), n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            report.add(("roles", name, "model"), f"role '{name}' uses unknown model '{clip(role.model)}'{hint}")
    for i, folder in enumerate(config.roles_dirs):
        path = report.path.parent / Path(folder).expanduser()
        if not path.is_dir():
            report.add(("roles_dirs", i), f"roles_dirs: no such folder: {clip(path)}")


def _models_path(config_path: Path, raw: dict | None, report: FileReport, notes: list[str]) -> Path:
    """The models.yaml that goes with `config_path`: `models_file:`, the one beside it, or the shipped one."""
    named = raw.get("models_file") if isinstance(raw, dict) else None
    if isinstance(named, str) and named:
        path = config_path.parent / Path(named).expanduser()
        if not path.is_file():
            report.add(("models_file",), f"models file {why_not_a_file(path)}: {clip(path)}")
        return path
    beside = config_path.parent / "models.yaml"
    if beside.exists():
        if not beside.is_file():
            report.add_at(1, f"{beside} {why_not_a_file(beside)}, not a models file")
        return beside
    shipped = defaults_dir() / "models.yaml"
    notes.append(f"{config_path}: no models.yaml beside it; the shipped models are used ({shipped})")
    return shipped


def _validated_config(report: FileReport, data: dict) -> Config | None:
    """config.yaml's data as a Config, with the checks pydantic cannot make and relative paths resolved."""
    config = report.validate(Config, data)
    ui = data.get("ui")
    theme = ui.get("code_theme") if isinstance(ui, dict) else None
    if isinstance(theme, str):
        message = theme_problem(theme)
        if message:
            report.add(("ui", "code_theme"), message)
            report.failed.append(("ui", "code_theme"))
            config = None
    return _resolved(config, report.path) if config is not None else None


def _salvage_config(report: FileReport, data: dict | None) -> Config | None:
    """A Config of what in `data` is valid: each failing chain or provider left out, any other failing key at its default."""
    if data is None:
        return None
    kept = dict(data)
    for loc in report.failed:
        if not loc:
            return None
        head = loc[0]
        if head in ("chains", "providers") and len(loc) > 1 and isinstance(kept.get(head), dict):
            kept[head] = {name: value for name, value in kept[head].items() if name != loc[1]}
        else:
            kept.pop(head, None)
    try:
        return _resolved(Config.model_validate(kept), report.path)
    except ValidationError:
        return None


def _resolved(config: Config, config_path: Path) -> Config:
    """`config` with its relative paths made relative to the folder of the file it came from."""
    vault_path = config.vault.path
    if vault_path and not Path(vault_path).expanduser().is_absolute():
        config = replace(config, vault=replace(config.vault, path=str(config_path.parent / vault_path)))
    return config


def _in_file_order(problems: list[str]) -> list[str]:
    """Problems sorted by file, then line (each reads `file:line: message`)."""

    def position(problem: str) -> tuple[str, int]:
        path, _, rest = problem.partition(":")
        line = rest.split(":", 1)[0]
        return path, int(line) if line.isdigit() else 0

    return sorted(problems, key=position)


def _salvage_models(raw: dict) -> tuple[list[tuple[int, ModelConfig]] | None, set[str]]:
    """The entries of an invalid models.yaml that are valid alone, and every name or alias written."""
    items = raw.get("models")
    if not isinstance(items, list):
        return None, set()
    entries: list[tuple[int, ModelConfig]] = []
    labels: set[str] = set()
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        aliases = item.get("aliases")
        written = [item.get("name"), *(aliases if isinstance(aliases, list) else [])]
        labels.update(label for label in written if isinstance(label, str))
        try:
            entries.append((i, ModelConfig.model_validate(item)))
        except ValidationError:
            pass
    return entries, labels


def _check_models(provider_names: list[str] | None, entries: list[tuple[int, ModelConfig]], rep: FileReport) -> None:
    """Unknown providers (when their names are known) and names or aliases used twice."""
    seen: dict[str, int] = {}
    for i, model in entries:
        if provider_names is not None and model.provider not in provider_names:
            near = difflib.get_close_matches(model.provider, provider_names, n=1)
            hint = f"; did you mean '{near[0]}'?" if near else f"; known: {', '.join(provider_names) or 'none'}"
            rep.add(
                ("models", i, "provider"),
                f"model '{clip(model.name)}' names unknown provider '{clip(model.provider)}'{hint}",
            )
        for j, label in enumerate([model.name, *model.aliases]):
            loc = ("models", i, "name") if j == 0 else ("models", i, "aliases", j - 1)
            if label in seen:
                rep.add(loc, f"'{clip(label)}' is already used by the model at line {seen[label]}")
            else:
                seen[label] = line_for(("models", i), rep.lines)


def _provider_kinds(config: Config | None, raw: Any) -> dict[str, str]:
    """Each provider's `kind`, from the config or (when it did not load) its raw data."""
    if config is not None:
        return {name: provider.kind for name, provider in config.providers.items()}
    providers = raw.get("providers") if isinstance(raw, dict) else None
    if not isinstance(providers, dict):
        return {}
    return {str(n): str(p.get("kind")) for n, p in providers.items() if isinstance(p, dict)}


def _check_fallbacks(entries: list[tuple[int, ModelConfig]], labels: set[str], rep: FileReport,
                     kinds: Mapping[str, str]) -> None:  # fmt: skip
    """Fallback names must be known models other than the model itself; `cache: auto` is for Anthropic only.

    `cache: auto` elsewhere is an error rather than a warning: OpenAI and Gemini cache on their own
    and take no marks, so the setting would promise what cannot happen.
    """
    for i, model in entries:
        own = {model.name, *model.aliases}
        for j, name in enumerate(model.fallback):
            loc = ("models", i, "fallback", j)
            if name in own:
                rep.add(loc, f"model '{clip(model.name)}' cannot fall back to itself")
            elif name not in labels:
                near = difflib.get_close_matches(name, sorted(labels), n=1)
                hint = f" (did you mean '{near[0]}'?)" if near else ""
                rep.add(loc, f"model '{clip(model.name)}' falls back to unknown model '{clip(name)}'{hint}")
        kind = kinds.get(model.provider)
        if model.cache == "auto" and kind is not None and kind != "anthropic":
            rep.add(("models", i, "cache"), f"model '{clip(model.name)}': cache: auto is for anthropic models "
                    f"({kind} caches by itself; remove the line)")

