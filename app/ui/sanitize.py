"""Untrusted text made safe for a terminal (see `app.text`, where the character table lives).

The views import it from here; the providers, which may not import the UI,
quote error bodies through `app.text` itself.
"""

from __future__ import annotations

from app.text import visible

__all__ = ["visible"]
