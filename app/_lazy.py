"""Names of a package imported from its private modules when first asked for (PEP 562).

    __getattr__ = lazy_names(__name__, globals(), {"Store": "_store", ...})

A package whose light parts are needed at start-up (where history goes, where
the config file is) names its heavy parts this way, so that importing the
package does not import them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(package: str, namespace: dict[str, Any], modules: Mapping[str, str]) -> Callable[[str], object]:
    """A module `__getattr__` that imports `name` from `package.modules[name]` on first use, then keeps it."""

    def __getattr__(name: str) -> object:
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    return __getattr__
