"""The one way tests write a configuration: config.yaml and, beside it, models.yaml.

    path = write_config(tmp_path, "default_model: echo\\nproviders:\\n  echo: {kind: echo}\\n",
                        "models:\\n  - {name: echo, provider: echo, id: echo}\\n")
    path = write_config(world.root, {"default_model": "local", ...}, [{"name": "local", ...}])

Each test keeps its own small YAML in view; only the writing lives here.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

YamlSource = str | Mapping[str, Any]
ModelsSource = YamlSource | Sequence[Mapping[str, Any]]


def write_config(folder: Path, config: YamlSource, models: ModelsSource | None = None) -> Path:
    """Write config.yaml (and models.yaml) into `folder`, creating it; return config.yaml's path.

    Args:
        folder: where both files go (config.yaml finds models.yaml beside itself).
        config: config.yaml as YAML text (dedented, so it may be indented in the test) or as data.
        models: models.yaml the same way, or the list of its model entries; None writes no
            models.yaml (for a test about config.yaml alone).
    """
    folder.mkdir(parents=True, exist_ok=True)
    if models is not None:
        if not isinstance(models, (str, Mapping)):
            models = {"models": list(models)}
        _write_yaml(folder / "models.yaml", models)
    return _write_yaml(folder / "config.yaml", config)


def _write_yaml(path: Path, source: YamlSource) -> Path:
    text = textwrap.dedent(source) if isinstance(source, str) else yaml.safe_dump(dict(source))
    path.write_text(text, encoding="utf-8")
    return path
