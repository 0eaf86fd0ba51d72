"""Reading roles from files: markdown with YAML front matter, and Fabric-style pattern folders.

    ---
    description: explains code
    model: sonnet
    options: {temperature: 0.2}
    tools: [files]
    ---
    You explain code to a colleague. {{ input }}

The front matter is optional (a Fabric pattern's `system.md` has none); its
keys are those of a role under `roles:` in config.yaml, checked the same way.
"""

from __future__ import annotations

from pathlib import Path

from app.config import RoleConfig
from app.errors import ConfigError
from app.roles._role import SavedRole

FENCE = "---"
FABRIC_PROMPT = "system.md"


def from_config(name: str, role: RoleConfig, source: str) -> SavedRole:
    """The role `name` as `role` declares it."""
    return SavedRole(name, role.prompt, role.description, role.model, dict(role.options), tuple(role.tools), source)


def read_role(name: str, path: Path) -> SavedRole:
    """The role in the markdown file at `path`.

    Raises:
        ConfigError: the file cannot be read, or its front matter is not a valid role's.
    """
    import yaml
    from pydantic import ValidationError

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read role '{name}': {exc}"]) from None
    front, body = split_front_matter(text)
    try:
        data = yaml.safe_load(front) if front else {}
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path}: the front matter of role '{name}' is not valid YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: the front matter of role '{name}' is not a mapping"])
    try:
        role = RoleConfig.model_validate({**data, "prompt": body.strip()})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError([f"{path}: role '{name}': {where}: {first['msg']}"]) from None
    return from_config(name, role, str(path))


def split_front_matter(text: str) -> tuple[str, str]:
    """(front matter, body) of a markdown file; no front matter is `("", text)`."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != FENCE:
        return "", text
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == FENCE:
            return "".join(lines[1:i]), "".join(lines[i + 1 :])
    return "", text


def role_files(folder: Path) -> dict[str, Path]:
    """The roles in `folder` by name: `NAME.md` files, and `NAME/system.md` pattern folders."""
    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
    for entry in sorted(folder.iterdir()):
        if entry.is_file() and entry.suffix == ".md":
            found[entry.stem] = entry
        elif entry.is_dir() and (entry / FABRIC_PROMPT).is_file():
            found[entry.name] = entry / FABRIC_PROMPT
    return found
