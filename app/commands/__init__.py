"""Slash-commands: a registry and one module per family of commands."""

from __future__ import annotations

from app.commands.registry import Command, CommandContext, Registry

__all__ = ["Command", "CommandContext", "Registry", "build_registry"]


def build_registry() -> Registry:
    """A registry holding every command family."""
    from app.commands import attachments, budget, chains, conversations, core, roles, tools, usage

    registry = Registry()
    for family in (core, usage, budget, conversations, chains, tools, roles, attachments):
        family.register(registry)
    return registry
