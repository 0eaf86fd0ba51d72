"""Finding the configuration files, and reading them with every problem at file:line.

Loading never stops at the first problem: `check` gathers every one, each as
`file:line: what is wrong`, so that `orch config check` can print them all.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from app.config._schema import Config, ModelConfig, Models, Sources
from app.errors import ConfigError, UsageError


# --- discovery ----------------------------------------------------------------


def defaults_dir() -> Path:
    """Where the shipped config.yaml and models.yaml live.

    A built wheel carries them inside the package; a source checkout or an
    editable install reads the repo's top-level copies.
    """
    packaged = Path(__file__).parent.parent / "defaults"
    if (packaged / "config.yaml").is_file():
        return packaged
    return Path(__file__).resolve().parent.parent.parent


def discover(explicit: str | None = None, env: Mapping[str, str] = os.environ) -> Path:
    """The config.yaml to use: --config, $ORCH_CONFIG, ./config.yaml,
    $XDG_CONFIG_HOME/orch/config.yaml, then the shipped defaults."""
    for candidate in (explicit, env.get("ORCH_CONFIG")):
        if candidate:
            path = Path(candidate).expanduser()
            if not path.is_file():
                raise UsageError(f"config file not found: {path}")
            return path
    local = Path("config.yaml")
    if local.is_file():
        return local
    xdg = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "orch" / "config.yaml"
    if xdg.is_file():
        return xdg
    return defaults_dir() / "config.yaml"


def state_dir(explicit: str | None = None, env: Mapping[str, str] = os.environ) -> Path:
    """ORCH_HOME: where vault.enc, history.db and input_history live."""
    chosen = explicit or env.get("ORCH_HOME")
    if chosen:
        return Path(chosen).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("orch", appauthor=False))


# --- loading with line numbers -------------------------------------------------


# libyaml's parser when PyYAML was built with it: the same nodes and marks, several times faster.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """A safe loader whose node tree gives the line of every mapping key and list item."""


def load_with_lines(text: str) -> tuple[Any, dict[tuple, int]]:
    loader = _LineLoader(text)
    try:
        node = loader.get_single_node()
        lines: dict[tuple, int] = {}
        if node is not None:
            _index_lines(node, (), lines)
            data = loader.construct_document(node)
        else:
            data = None
    finally:
        loader.dispose()
    return data, lines


def _index_lines(node: yaml.Node, path: tuple, lines: dict[tuple, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[path + (key,)] = key_node.start_mark.line + 1
            _index_lines(value_node, path + (key,), lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = item.start_mark.line + 1
            _index_lines(item, path + (i,), lines)


def line_for(loc: tuple, lines: dict[tuple, int]) -> int:
    """The line of the deepest part of `loc` that exists in the file.

    Pydantic locations can hold parts that are not in the YAML (a union's
    tag), so parts that do not match are skipped rather than ending the walk.
    """
    path: tuple = ()
    best = lines.get((), 1)
    for part in loc:
        if path + (part,) in lines:
            path = path + (part,)
            best = lines[path]
    return best


class _FileReport:
    """Problems found in one file, formatted as `file:line: message`."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        self.lines: dict[tuple, int] = {}

    def add(self, loc: tuple, message: str) -> None:
        self.problems.append(f"{self.path}:{line_for(loc, self.lines)}: {message}")

    def parse(self) -> Any:
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            self.problems.append(f"{self.path}: cannot read: {exc.strerror or exc}")
            return None
        try:
            data, self.lines = load_with_lines(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            what = exc.problem or exc.context or "invalid YAML"
            self.problems.append(f"{self.path}:{line}: YAML syntax error: {what}")
            return None
        except yaml.YAMLError as exc:
            self.problems.append(f"{self.path}:1: YAML error: {exc}")
            return None
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.add((), "expected a mapping at the top of the file")
            return None
        return data

    def validate(self, model: type[BaseModel], data: dict) -> Any:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                self.add(err["loc"], _describe(err))
            return None


_KINDS = ("openai", "anthropic", "gemini", "echo")


def _display_loc(loc: tuple) -> tuple:
    """`loc` without the tag pydantic inserts for a provider's `kind` union."""
    if len(loc) > 2 and loc[0] == "providers" and loc[2] in _KINDS:
        return loc[:2] + loc[3:]
    return loc


def _describe(err: Mapping[str, Any]) -> str:
    where = ".".join(str(p) for p in _display_loc(err["loc"]))
    if err["type"] == "extra_forbidden":
        return f"unknown key '{err['loc'][-1]}'" + (f" in {where.rsplit('.', 1)[0]}" if "." in where else "")
    if err["type"] == "missing":
        return f"missing key '{err['loc'][-1]}'" + (f" in {where.rsplit('.', 1)[0]}" if "." in where else "")
    if err["type"] == "union_tag_invalid":
        return f"{where}: unknown kind {err['input'].get('kind')!r} (expected openai, anthropic, gemini or echo)"
    if err["type"] == "union_tag_not_found":
        return f"{where}: missing key 'kind' (openai, anthropic, gemini or echo)"
    return f"{where}: {err['msg']}" if where else err["msg"]


@dataclass
class CheckResult:
    config: Config | None
    sources: Sources
    problems: list[str]


def check(config_path: Path) -> CheckResult:
    """Load config.yaml and its models.yaml, gathering every problem."""
    problems: list[str] = []
    cfg_report = _FileReport(config_path, problems)
    raw = cfg_report.parse()
    models_path = config_path.parent / "models.yaml"
    if isinstance(raw, dict) and isinstance(raw.get("models_file"), str):
        models_path = (config_path.parent / raw["models_file"]).expanduser()
    sources = Sources(config_path, models_path)
    config = cfg_report.validate(Config, {k: v for k, v in raw.items() if k != "models"}) if raw is not None else None
    if isinstance(raw, dict) and "models" in raw:
        cfg_report.add(("models",), "models belong in models.yaml, not config.yaml")

    models_report = _FileReport(models_path, problems)
    models: Models | None = None
    # What the cross-checks look at: every model, or the ones that are valid on their own.
    entries: list[tuple[int, ModelConfig]] | None = None
    labels: set[str] = set()
    if models_path.is_file():
        raw_models = models_report.parse()
        if raw_models is not None:
            models = models_report.validate(Models, raw_models)
            if models is None:
                entries, labels = _salvage_models(raw_models)
    elif raw is not None and raw.get("models_file"):
        cfg_report.add(("models_file",), f"models file not found: {models_path}")
    else:
        models = Models()
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
        default_model = raw.get("default_model", Config.model_fields["default_model"].default)
    if entries is not None:
        _check_models(provider_names, entries, models_report)
        if isinstance(default_model, str) and default_model not in labels:
            near = difflib.get_close_matches(default_model, sorted(labels), n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            cfg_report.add(("default_model",), f"default_model '{default_model}' is not in {models_path.name}{hint}")

    if config is None or models is None or problems:
        return CheckResult(None, sources, _in_file_order(problems))
    return CheckResult(config.model_copy(update={"models": models.models}), sources, problems)


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


def _check_models(provider_names: list[str] | None, entries: list[tuple[int, ModelConfig]], rep: _FileReport) -> None:
    """Unknown providers (when their names are known) and names or aliases used twice."""
    seen: dict[str, int] = {}
    for i, model in entries:
        if provider_names is not None and model.provider not in provider_names:
            near = difflib.get_close_matches(model.provider, provider_names, n=1)
            hint = f"; did you mean '{near[0]}'?" if near else f"; known: {', '.join(provider_names) or 'none'}"
            rep.add(("models", i, "provider"), f"model '{model.name}' names unknown provider '{model.provider}'{hint}")
        for j, label in enumerate([model.name, *model.aliases]):
            loc = ("models", i, "name") if j == 0 else ("models", i, "aliases", j - 1)
            if label in seen:
                rep.add(loc, f"'{label}' is already used by the model at line {seen[label]}")
            else:
                seen[label] = line_for(("models", i), rep.lines)


def load(explicit: str | None = None, env: Mapping[str, str] = os.environ) -> tuple[Config, Sources]:
    """Discover and load the configuration.

    Raises:
        ConfigError: with every problem found.
        UsageError: an explicit config path that does not exist.
    """
    result = check(discover(explicit, env))
    if result.config is None:
        raise ConfigError(result.problems)
    return result.config, result.sources
