"""Imports run one way (DESIGN, Shape): the import-linter contracts in pyproject.toml hold, and they bite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def lint(folder: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` over the `app` package found in `folder`, with the contracts of pyproject.toml."""
    env = {**os.environ, "PYTHONPATH": str(folder)}
    return subprocess.run(
        [str(LINT), "--no-cache", str(folder / "pyproject.toml")],
        cwd=folder, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_every_contract_is_kept() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def test_a_provider_that_imports_the_ui_breaks_the_layers(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    echo = tmp_path / "app" / "providers" / "echo.py"
    echo.write_text(echo.read_text(encoding="utf-8") + "\nimport app.ui  # noqa: E402,F401\n", encoding="utf-8")
    result = lint(tmp_path)
    assert result.returncode != 0
    assert "app.providers is not allowed to import app.ui" in result.stdout
    assert "app.providers.echo -> app.ui" in result.stdout


def test_a_store_that_prints_breaks_only_ui_prints(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    store = tmp_path / "app" / "store" / "_store.py"
    store.write_text(store.read_text(encoding="utf-8") + "\nimport rich  # noqa: E402,F401\n", encoding="utf-8")
    result = lint(tmp_path)
    assert result.returncode != 0 and "Only the UI and the edge use rich and prompt-toolkit BROKEN" in result.stdout
