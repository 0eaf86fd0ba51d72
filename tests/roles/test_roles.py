"""Roles: found in their folders and in config.yaml, later sources winning, rendered with {{ input }}."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Config, RoleConfig
from app.errors import ConfigError, UsageError
from app.roles import RoleBook, shipped_roles_dir, split_front_matter


def _book(tmp_path: Path, **config) -> RoleBook:
    return RoleBook(Config(**config), tmp_path / "home", base=tmp_path, shipped=tmp_path / "none")


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_role_from_orch_home_with_its_front_matter(tmp_path):
    _write(tmp_path / "home/roles/terse.md", "---\ndescription: short answers\nmodel: fast\n"
           "options: {temperature: 0.1}\ntools: [files.read]\n---\nAnswer in one line.\n")  # fmt: skip
    role = _book(tmp_path).get("terse")
    assert role.prompt == "Answer in one line."
    assert (role.description, role.model, dict(role.options), role.tools) == (
        "short answers", "fast", {"temperature": 0.1}, ("files.read",))  # fmt: skip
    assert role.source == str(tmp_path / "home/roles/terse.md")


def test_a_role_from_config(tmp_path):
    book = _book(tmp_path, roles={"pirate": RoleConfig(prompt="Talk like a pirate.", description="arr")})
    role = book.get("pirate")
    assert (role.prompt, role.description, role.source) == ("Talk like a pirate.", "arr", "config.yaml")


def test_input_in_the_body_takes_the_users_text(tmp_path):
    _write(tmp_path / "home/roles/translate.md", "Translate into French: {{ input }}")
    assert _book(tmp_path).get("translate").system_prompt("good morning") == "Translate into French: good morning"


def test_a_body_without_template_syntax_is_the_system_prompt_as_it_stands(tmp_path):
    _write(tmp_path / "home/roles/plain.md", "Be brief.")
    assert _book(tmp_path).get("plain").system_prompt("anything") == "Be brief."


def test_a_body_naming_an_unknown_variable_is_an_error_naming_the_role(tmp_path):
    _write(tmp_path / "home/roles/bad.md", "Hello {{ user }}")
    with pytest.raises(UsageError, match="role 'bad'.*user"):
        _book(tmp_path).get("bad").system_prompt("x")


def test_a_fabric_folder_of_patterns(tmp_path):
    _write(tmp_path / "patterns/extract_wisdom/system.md", "# IDENTITY\nYou extract wisdom.\n")
    _write(tmp_path / "patterns/README.md.d/notes.txt", "not a pattern")
    book = _book(tmp_path, roles_dirs=["patterns"])  # relative: against config.yaml's folder
    assert book.names() == ["extract_wisdom"]
    assert book.get("extract_wisdom").prompt == "# IDENTITY\nYou extract wisdom."


def test_later_sources_override_earlier_by_name(tmp_path):
    shipped = _write(tmp_path / "shipped/explain.md", "shipped").parent
    _write(tmp_path / "patterns/explain/system.md", "pattern")
    book = RoleBook(Config(roles_dirs=["patterns"]), tmp_path / "home", base=tmp_path, shipped=shipped)
    assert book.get("explain").prompt == "pattern"
    _write(tmp_path / "home/roles/explain.md", "mine")
    book = RoleBook(Config(roles_dirs=["patterns"]), tmp_path / "home", base=tmp_path, shipped=shipped)
    assert book.get("explain").prompt == "mine"
    book = RoleBook(Config(roles_dirs=["patterns"], roles={"explain": RoleConfig(prompt="config")}),
                    tmp_path / "home", base=tmp_path, shipped=shipped)  # fmt: skip
    assert book.get("explain").prompt == "config"


def test_an_unknown_role_names_the_nearest(tmp_path):
    _write(tmp_path / "home/roles/summarize.md", "Sum up.")
    with pytest.raises(UsageError, match="unknown role 'sumarize'") as caught:
        _book(tmp_path).get("sumarize")
    assert "summarize" in (caught.value.hint or "")


def test_a_front_matter_with_an_unknown_key_is_a_config_error_naming_the_file(tmp_path):
    path = _write(tmp_path / "home/roles/odd.md", "---\ncolour: blue\n---\nHi")
    with pytest.raises(ConfigError, match="odd.md: role 'odd': colour"):
        _book(tmp_path).get("odd")
    assert [type(r) for r in _book(tmp_path)] == [ConfigError]
    assert path.exists()


def test_front_matter_is_only_a_fenced_block_at_the_top():
    assert split_front_matter("---\na: 1\n---\nbody\n") == ("a: 1\n", "body\n")
    assert split_front_matter("body\n---\nmore") == ("", "body\n---\nmore")
    assert split_front_matter("---\nunclosed") == ("", "---\nunclosed")


def test_the_five_shipped_roles_are_valid_and_described():
    book = RoleBook(Config(), Path("/nonexistent"), shipped=shipped_roles_dir())
    roles = list(book)
    assert {r.name for r in roles} >= {"code-review", "explain", "summarize", "shell", "commit-msg"}
    assert all(r.description and r.source == "shipped" for r in roles)
    assert "list files" in book.get("shell").system_prompt("list files")


def test_config_check_names_a_roles_unknown_model_and_a_missing_roles_dir(tmp_path):
    from app.config import check
    from tests.support.config_files import write_config

    path = write_config(tmp_path, "default_model: echo\nproviders:\n  echo: {kind: echo}\n"
                       "roles:\n  r: {prompt: hi, model: ecoh}\nroles_dirs: [patterns]\n",
                       "models:\n  - {name: echo, provider: echo, id: echo}\n")  # fmt: skip
    problems = check(path).problems
    assert f"{path}:5: role 'r' uses unknown model 'ecoh' (did you mean 'echo'?)" in problems
    assert f"{path}:6: roles_dirs: no such folder: {tmp_path / 'patterns'}" in problems
    (tmp_path / "patterns").mkdir()
    assert len(check(path).problems) == 1


def test_config_check_reads_the_role_files_of_orch_home(world, run_orch):
    from tests.support.config_files import write_config

    path = write_config(world.root / "conf", "default_model: echo\nproviders:\n  echo: {kind: echo}\n",
                        "models:\n  - {name: echo, provider: echo, id: echo}\n")  # fmt: skip
    rc, out, _ = run_orch("--config", str(path), "config", "check")
    assert rc == 0, out
    broken = _write(world.home / "roles" / "broken.md", "---\nmodel: [not, a, name]\n---\nHelp.\n")
    stray = _write(world.home / "roles" / "stray.md", "---\nmodel: gtp\n---\nHelp.\n")
    rc, out, _ = run_orch("--config", str(path), "config", "check")
    assert rc == 2
    assert f"{broken}: role 'broken': model:" in out
    assert f"{stray}: role 'stray' uses unknown model 'gtp'" in out
    assert "2 problems found" in out
