"""Whether `ui.code_theme` names a theme the renderer has."""

from __future__ import annotations

import difflib

from app.config._yaml import clip

DEFAULT_THEME = "monokai"
# Rich's own themes, beside every pygments style.
_RICH_THEMES = ("ansi_dark", "ansi_light")


def theme_problem(name: str) -> str | None:
    """What is wrong with `name` as a code theme, or None when it is one.

    pygments is imported here, and only for a theme other than the default,
    so that loading the shipped config stays light.
    """
    if name == DEFAULT_THEME or name in _RICH_THEMES:
        return None
    from pygments.styles import STYLE_MAP, get_style_by_name
    from pygments.util import ClassNotFound

    try:
        get_style_by_name(name)  # also finds styles that plugins add
    except ClassNotFound:
        near = difflib.get_close_matches(name, [*STYLE_MAP, *_RICH_THEMES], n=1)
        hint = f" (did you mean '{near[0]}'?)" if near else "; `pygmentize -L styles` lists them"
        return f"ui.code_theme: unknown theme '{clip(name)}'{hint}"
    return None
