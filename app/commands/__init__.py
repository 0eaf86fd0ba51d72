"""Slash-commands: a registry and one module per family of commands."""

from __future__ import annotations

from app.commands.registry import Command, CommandContext, Registry

__all__ = ["Command", "CommandContext", "Registry", "build_registry"]


def build_registry() -> Registry:
    """A registry holding every command family."""
    from app.commands import attachments, chains, conversations, core, usage

    registry = Registry()
    for family in (core, usage, conversations, chains, attachments):
        family.register(registry)
    return registry
