"""Slash-commands: a registry and one module per family of commands."""

from __future__ import annotations

from app.commands.registry import Registry


def build_registry() -> Registry:
    """A registry holding every command family."""
    from app.commands import core

    registry = Registry()
    core.register(registry)
    for family in ("conversations", "chains"):
        try:
            module = __import__(f"app.commands.{family}", fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name != f"app.commands.{family}":
                raise
            continue
        module.register(registry)
    return registry
