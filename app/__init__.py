"""orch: an LLM orchestrator for the terminal."""

__version__ = "0.1.0"
