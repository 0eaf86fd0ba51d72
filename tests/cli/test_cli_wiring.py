"""The edge wires, the rest receives: what `Wiring` builds from an `Invocation`, and who may import the edge."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app.cli.wiring import Invocation, Wiring
from app.errors import UsageError
from app.store import DB_NAME

APP = Path(__file__).resolve().parents[2] / "app"


def test_the_repl_opens_the_store_on_first_use(world):
    wiring = Wiring(Invocation(model="echo"))
    chat, resumed = wiring.chat(interactive=True)
    assert resumed is None
    assert not (world.home / DB_NAME).exists()  # the prompt does not wait for SQLite
    assert chat.store.list_conversations() == []
    assert (world.home / DB_NAME).exists()
    wiring.close()


def test_resuming_reads_the_store_at_once(world):
    wiring = Wiring(Invocation(model="echo", resume_latest=True))
    chat, resumed = wiring.chat(interactive=True)
    assert resumed == "no saved conversation yet: starting a new one"
    assert chat.store is wiring.store()
    wiring.close()


def test_one_shot_options_and_system_prompt_reach_the_chat(world):
    wiring = Wiring(Invocation(model="echo", system="be brief", no_save=True, options={"temperature": 0.2}))
    chat, _ = wiring.chat()
    assert (chat.store, chat.system, chat.options) == (None, "be brief", {"temperature": 0.2})
    with pytest.raises(UsageError, match="unknown option 'colour'"):
        Wiring(Invocation(model="echo", no_save=True, options={"colour": "red"})).chat()


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return names


def test_nothing_below_the_edge_imports_it():
    """Only `python -m app` imports the command line: screens, commands and chat are handed built parts."""
    offenders = []
    for path in APP.rglob("*.py"):
        relative = path.relative_to(APP)
        if relative.parts[0] == "cli" or relative == Path("__main__.py"):
            continue
        if any(name == "app.cli" or name.startswith("app.cli.") for name in _imports(path)):
            offenders.append(str(relative))
    assert offenders == []
