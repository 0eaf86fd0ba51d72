"""Imports run one way: ui → commands → chat/chains → providers → http; config, errors, store are leaves."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"

# module prefix -> what it must never import (directly, at any depth of its own code)
FORBIDDEN = {
    "app.types": ("app.", "rich", "prompt_toolkit", "httpx"),
    "app.errors": ("app.", "rich", "prompt_toolkit", "httpx"),
    "app.config": ("app.ui", "app.commands", "app.chat", "app.chains", "app.providers.", "app.http", "rich",
                   "prompt_toolkit"),
    "app.vault": ("app.ui", "app.commands", "app.config", "rich", "prompt_toolkit", "httpx"),
    "app.store": ("app.ui", "app.commands", "app.chat", "app.chains", "rich", "prompt_toolkit", "httpx"),
    "app.http": ("app.ui", "app.commands", "app.chat", "app.chains", "app.providers", "rich", "prompt_toolkit"),
    "app.providers": ("app.ui", "app.commands", "app.chat", "app.chains", "app.store", "rich", "prompt_toolkit"),
    "app.runtime": ("app.ui", "app.commands", "rich", "prompt_toolkit"),
    "app.chat": ("app.ui", "app.commands", "rich", "prompt_toolkit"),
    "app.chains": ("app.ui", "app.commands", "rich", "prompt_toolkit"),
    "app.commands": ("app.ui", "rich", "prompt_toolkit"),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


MODULES = sorted(APP.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(APP.parent)))
def test_imports_respect_the_layers(path: Path) -> None:
    module = _module_name(path)
    rules = [banned for prefix, banned in FORBIDDEN.items() if module == prefix or module.startswith(prefix + ".")]
    offending = [
        name
        for name in _imports(path)
        for banned in (b for rule in rules for b in rule)
        if (name == banned.rstrip(".") or name.startswith(banned if banned.endswith(".") else banned + "."))
        and not name.startswith(module)
    ]
    assert not offending, f"{module} imports {sorted(set(offending))}"


def test_the_rules_cover_real_modules() -> None:
    names = {_module_name(p) for p in MODULES}
    for prefix in FORBIDDEN:
        assert any(n == prefix or n.startswith(prefix + ".") for n in names), prefix
